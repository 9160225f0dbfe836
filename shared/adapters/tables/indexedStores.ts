import { isActive } from '../../domain/states';
import { changesListedColumns } from '../../domain/stepChange';
import type { OfferStatus } from '../../domain/status';
import type { ActiveSubmissions, OfferIndex, OfferStore, StatusStore } from '../../ports/stores';
import type { HookedStatusStore } from './statusStore';

/**
 * The Offers and OfferStatus stores with the "All offers" index and the reconciler's watch list
 * kept in step with every write of an offer or a status:
 *
 * - A status that turns active (a Publish) is put on the watch list BEFORE it is written, so an
 *   active status always has a watch row: a crash after the mark leaves a row the reconciler drops,
 *   never an active status it cannot find.
 * - After the status write, the offer's list rows are refreshed. A failure there does NOT fail the
 *   write (the status is stored: failing would make the caller repeat a done action, or an
 *   activity exhaust its retries): it is logged, the offer is marked stale (best effort), and the
 *   reconciler rebuilds the rows from the status, found through the watch row, which stays until
 *   the rows of the ended submission were written.
 * - An offer save marks the offer stale before it writes, and still fails when its refresh fails
 *   (the PUT is repeated and refreshes again); the reconciler repairs it if nobody repeats it.
 */
export function withOfferIndex(
  stores: { offers: OfferStore; statuses: HookedStatusStore },
  index: OfferIndex,
  watch: ActiveSubmissions,
  log: (message: string) => void = (m) => console.warn(m),
): { offers: OfferStore; statuses: StatusStore } {
  const { offers, statuses } = stores;
  const markStale = async (offerId: string, error: unknown) => {
    log(`index of '${offerId}' not refreshed (${describe(error)}); the reconciler will rebuild it`);
    await watch.markStale(offerId, new Date().toISOString()).catch((e: unknown) => {
      log(`could not mark '${offerId}' stale either (${describe(e)})`);
    });
  };
  const refreshed = async (offerId: string) => {
    try {
      await index.refresh(offerId);
    } catch (error) {
      await markStale(offerId, error);
      throw error;
    }
  };
  /**
   * A save: marked stale BEFORE the write, so a save whose refresh then fails (and whose second
   * mark would fail too, in an outage) is still found by the reconciler's stale pass; if the mark
   * fails, nothing was saved and the request fails. Once the lists follow, the mark is taken back
   * (only if nobody marked the offer again meanwhile), so the pass's cost stays with the failures.
   */
  const saved = async <T>(offerId: string, write: () => Promise<T>, wrote: (result: T) => boolean) => {
    const mark = await watch.markStale(offerId, new Date().toISOString());
    const result = await write();
    if (wrote(result)) await refreshed(offerId);
    await watch
      .removeStale(mark)
      .catch((error: unknown) => log(`stale mark of '${offerId}' kept (${describe(error)})`));
    return result;
  };
  return {
    offers: {
      get: (offerId) => offers.get(offerId),
      list: () => offers.list(),
      // Nothing the lists show changes: no stale mark, no refresh.
      updateUnlisted: (offerId, mutate) => offers.updateUnlisted(offerId, mutate),
      put: (offer) =>
        saved(
          offer.offerId,
          () => offers.put(offer),
          () => true,
        ),
      create: (offer) =>
        saved(
          offer.offerId,
          () => offers.create(offer),
          (created) => created,
        ),
    },
    statuses: {
      get: (offerId) => statuses.get(offerId),
      list: () => statuses.list(),
      pages: () => statuses.pages(),
      async update(offerId, mutate, initial) {
        let before: OfferStatus | undefined; // the status replaced, if this call wrote one
        let revision: number | undefined; // the revision it wrote
        const next = await statuses.update(
          offerId,
          mutate,
          initial,
          async (current, upcoming) => {
            before = current;
            if (startsSubmission(current, upcoming))
              await watch.mark(offerId, upcoming.submissionId ?? '', upcoming.updatedAt);
          },
          (written) => (revision = written),
        );
        // When the lists show something else now (state, step, live version): a Go Live's mark
        // or a review decision changes none of it. Also when nothing was written (a retried
        // request): the retry heals rows a failed refresh of its first attempt left behind.
        if (before && !changesListedColumns(before, next)) return next;
        try {
          // The status just written need not be read again.
          await index.refresh(offerId, revision === undefined ? undefined : { status: next, revision });
        } catch (error) {
          await markStale(offerId, error);
          return next;
        }
        if (before && isActive(before.state) && !isActive(next.state) && next.submissionId) {
          // Ended, and its list rows are written: the reconciler need not watch it any longer.
          await watch.clear(offerId, next.submissionId).catch((error: unknown) => {
            log(`watch row of '${offerId}' not removed (${describe(error)}); the reconciler will`);
          });
        }
        return next;
      },
    },
  };
}

function startsSubmission(current: OfferStatus, next: OfferStatus): boolean {
  return isActive(next.state) && (!isActive(current.state) || current.submissionId !== next.submissionId);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
