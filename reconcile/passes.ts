import type { RecordTransitionInput } from '../shared/contracts/activities';
import { isActive } from '../shared/domain/states';
import type { OfferStatus } from '../shared/domain/status';
import { instanceIdFor } from '../shared/domain/transitions';
import type {
  ActiveSubmissions,
  OfferIndex,
  StatusStore,
  SubmissionStore,
  WatchEntry,
} from '../shared/ports/stores';
import type { PassContext, Repair, RepairPass } from './reconciler';

/** What the durable client says of an instance: still going, over, or unknown to it. */
export type RuntimeState = 'running' | 'ended' | 'missing';

export interface OrchestrationRuntime {
  stateOf(instanceId: string): Promise<{ state: RuntimeState; runtimeStatus: string }>;
}

export interface ReconcileDeps {
  statuses: StatusStore;
  submissions: SubmissionStore;
  offerIndex: OfferIndex;
  watch: ActiveSubmissions;
  runtime: OrchestrationRuntime;
  /**
   * Records a transition exactly as the orchestration does (recordTransition's logic: history
   * row, one email de-duplicated by submission/step/transition, submission record, status).
   */
  recordTransition(t: RecordTransitionInput): Promise<unknown>;
  /** Tells the offer's webhook deliveries to look for events (absent: no durable client). */
  kickWebhooks?(offerId: string): Promise<void>;
  /**
   * Shows the review decisions that were stored but not shown in the status (their request
   * stopped after storing one), raising them again, with their events; with `deliver` false only
   * counts them (absent: no durable client).
   */
  showDecisions?(offerId: string, deliver: boolean): Promise<{ shown: number; unshown: number }>;
  /** Moves question and answer events from their outbox to the offer's events; how many. */
  flushEvents?(offerId: string): Promise<number>;
  timing?: Partial<Timing>;
}

export interface Timing {
  /**
   * How long a submission may have no orchestration after it started (Publish writes the status,
   * then starts the instance), on the workflow clock.
   */
  graceMs: number;
  /**
   * The same in real time, at least: locally the clock may jump days forward while a Publish is
   * between its two writes; storage's own timestamp of the watch row is real time.
   */
  realGraceMs: number;
  /** A watch row younger than this (real time) may belong to a Publish between its two writes. */
  keepFreshMs: number;
  /** How often the whole status table is swept for active statuses missing from the watch list. */
  sweepEveryMs: number;
  /** Watch rows handled at once. */
  concurrency: number;
}

export const DEFAULT_TIMING: Timing = {
  graceMs: 2 * 60_000,
  realGraceMs: 5_000,
  keepFreshMs: 30_000,
  sweepEveryMs: 24 * 3600_000,
  concurrency: 8,
};

export const INTERNAL_ERROR_CODE = 'internal';

/** The reconciler's passes, in the order they run; another part appends its own. */
export function standardPasses(deps: ReconcileDeps): RepairPass[] {
  const timing = { ...DEFAULT_TIMING, ...deps.timing };
  return [
    indexBackfillPass(deps),
    watchSweepPass(deps, timing),
    orphanPass(deps, timing),
    stalePass(deps, timing),
  ];
}

/** Offers stored before the index, or in its v1 shape, are indexed (once per storage account). */
export function indexBackfillPass(deps: Pick<ReconcileDeps, 'offerIndex'>): RepairPass {
  return {
    name: 'index-backfill',
    async run() {
      await deps.offerIndex.ensureBackfilled();
      return [];
    },
  };
}

/**
 * Repairs the watch list itself: an active status with no watch row (one stored before the list
 * existed, or a row lost to a hand edit) is put on it. This is the one pass that reads every
 * status, so it runs once a day (the time of the last sweep is stored), not every five minutes.
 */
export function watchSweepPass(deps: Pick<ReconcileDeps, 'statuses' | 'watch'>, timing: Timing): RepairPass {
  const name = 'watch-sweep';
  return {
    name,
    async run(context) {
      const last = await deps.watch.lastSweep();
      if (last && context.realNow.getTime() - Date.parse(last) < timing.sweepEveryMs) return [];
      const watched = new Set((await deps.watch.list()).map((e) => e.offerId));
      const repairs: Repair[] = [];
      // Page by page: memory holds one page of statuses, whatever the marketplace's size.
      for await (const page of deps.statuses.pages()) {
        for (const status of page) {
          if (!isActive(status.state) || watched.has(status.offerId)) continue;
          await deps.watch.mark(status.offerId, status.submissionId ?? '', context.now.toISOString());
          repairs.push({
            pass: name,
            offerId: status.offerId,
            what: `active (${status.state}) but not watched: watched now`,
          });
        }
      }
      await deps.watch.setLastSweep(context.realNow.toISOString());
      return repairs;
    },
  };
}

/**
 * Every watched offer: an active status whose orchestration is over (Failed, Terminated,
 * Completed) or, past the grace period, unknown, is ended `Failed` with `internal` at the step
 * where it stood, through recordTransition (so the publisher gets exactly one email, and Publish
 * works again). The offer's list rows are rebuilt from its status. A row whose submission ended
 * is removed once its rows are right.
 */
export function orphanPass(deps: ReconcileDeps, timing: Timing): RepairPass {
  const name = 'orphans';
  return {
    name,
    async run(context) {
      const repairs: Repair[] = [];
      const note = (offerId: string, what: string) => repairs.push({ pass: name, offerId, what });
      await inParallel(await deps.watch.list(), timing.concurrency, (entry) =>
        checkWatched(deps, timing, context, entry, note),
      );
      return repairs;
    },
  };
}

async function checkWatched(
  deps: ReconcileDeps,
  timing: Timing,
  context: PassContext,
  entry: WatchEntry,
  note: (offerId: string, what: string) => void,
): Promise<void> {
  const status = await deps.statuses.get(entry.offerId);
  if (status && isActive(status.state) && status.submissionId) {
    const instanceId = instanceIdFor(status.offerId, status.submissionId);
    const runtime = await deps.runtime.stateOf(instanceId);
    const orphaned =
      runtime.state === 'ended' || (runtime.state === 'missing' && pastGrace(entry, timing, context));
    // The instance may have ended the submission itself while we asked (a real failure, with its
    // own error): read again, and end only what is still active and still the same submission.
    const still = orphaned ? await deps.statuses.get(entry.offerId) : undefined;
    if (still && isActive(still.state) && still.submissionId === status.submissionId) {
      await failOrphan(deps, context, still, runtime.runtimeStatus);
      note(
        status.offerId,
        `submission ${status.submissionId} was ${status.state} at ${status.currentStep} but its ` +
          `orchestration ${instanceId} is ${runtime.runtimeStatus}: ended Failed (${INTERNAL_ERROR_CODE})`,
      );
      return;
    }
    if (await deps.offerIndex.refresh(status.offerId))
      note(status.offerId, 'list rows rebuilt from the status');
    return;
  }
  // The submission ended: its list rows must show it before the row goes.
  if (await deps.offerIndex.refresh(entry.offerId)) note(entry.offerId, 'list rows rebuilt from the status');
  if (!watchIsOver(entry, status, timing, context)) return;
  if (!(await deps.watch.remove(entry))) return; // re-marked meanwhile: a new submission
  // A Publish that marked the row before we read it and wrote its status after we did: put it back.
  const after = await deps.statuses.get(entry.offerId);
  if (after && isActive(after.state))
    await deps.watch.mark(entry.offerId, after.submissionId ?? '', context.now.toISOString());
  else note(entry.offerId, 'submission over: no longer watched');
}

/**
 * Whether a watch row may go: its own submission (or a later one) is on the status and no longer
 * active. A row naming a submission the status does not show yet belongs to a Publish between its
 * two writes, however slow: it stays, until a day has passed (a Publish that died there; the
 * reconciler's own sweep would find an active status anyway). Age alone never removes a row.
 */
function watchIsOver(
  entry: WatchEntry,
  status: OfferStatus | undefined,
  timing: Timing,
  context: PassContext,
) {
  if (context.realNow.getTime() - Date.parse(entry.writtenAt) < timing.keepFreshMs) return false;
  const shown = Number(status?.submissionId ?? 0);
  const watched = Number(entry.submissionId ?? 0);
  if (!(watched > shown)) return true;
  return context.realNow.getTime() - Date.parse(entry.writtenAt) >= ABANDONED_CLAIM_MS;
}

/** A watch row whose submission never appeared on the status after this long was a Publish that died. */
const ABANDONED_CLAIM_MS = 24 * 3600_000;

function pastGrace(entry: WatchEntry, timing: Timing, context: PassContext): boolean {
  const age = context.now.getTime() - Date.parse(entry.since);
  const realAge = context.realNow.getTime() - Date.parse(entry.writtenAt);
  return (
    age >= timing.graceMs && (!(realAge >= 0) || realAge >= Math.min(timing.graceMs, timing.realGraceMs))
  );
}

async function failOrphan(
  deps: ReconcileDeps,
  context: PassContext,
  status: OfferStatus,
  runtimeStatus: string,
): Promise<void> {
  const step = status.currentStep ?? 'validate-prerequisites';
  const message =
    runtimeStatus === 'missing'
      ? 'The submission never got going: its workflow could not be started. Press Publish again.'
      : 'The submission stopped unexpectedly: its workflow ended before the step did. Press Publish again.';
  await deps.recordTransition({
    offerId: status.offerId,
    submissionId: status.submissionId as string,
    step,
    transition: 'failed',
    at: context.now.toISOString(),
    message,
    error: { step, code: INTERNAL_ERROR_CODE, message, details: [] },
  });
}

/**
 * Offers whose derived work a failed write left behind: their list rows rebuilt from their offer
 * and status, delivered review decisions shown, question events moved from their outbox, and
 * their webhook deliveries kicked (a kick that failed after its events were stored).
 */
export function stalePass(
  deps: Pick<ReconcileDeps, 'offerIndex' | 'watch' | 'kickWebhooks' | 'showDecisions' | 'flushEvents'>,
  timing: Pick<Timing, 'keepFreshMs'> = DEFAULT_TIMING,
): RepairPass {
  const name = 'stale-lists';
  return {
    name,
    async run(context) {
      const repairs: Repair[] = [];
      // One offer's trouble (its refresh failing again) does not hold up the others.
      await inParallel(await deps.watch.listStale(), 4, async (entry) => {
        if (await deps.offerIndex.refresh(entry.offerId))
          repairs.push({
            pass: name,
            offerId: entry.offerId,
            what: 'list rows rebuilt from the offer and status',
          });
        // A fresh mark may be a review request's that is still at work (between storing its
        // decision and raising it): such a decision is left to a later run, and so is the mark.
        const fresh = context.realNow.getTime() - Date.parse(entry.writtenAt) < timing.keepFreshMs;
        const decisions = (await deps.showDecisions?.(entry.offerId, !fresh)) ?? { shown: 0, unshown: 0 };
        if (decisions.shown > 0)
          repairs.push({ pass: name, offerId: entry.offerId, what: 'review decisions shown in the status' });
        if (((await deps.flushEvents?.(entry.offerId)) ?? 0) > 0)
          repairs.push({ pass: name, offerId: entry.offerId, what: 'question events told' });
        await deps.kickWebhooks?.(entry.offerId);
        if (decisions.unshown === 0) await deps.watch.removeStale(entry);
      });
      return repairs;
    },
  };
}

async function inParallel<T>(items: T[], width: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      // One offer's trouble does not stop the others; the pass reports it at the end.
      await job(item).catch((error: unknown) => errors.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, width) }, worker));
  if (errors.length > 0)
    throw new Error(
      `${errors.length} of ${items.length} offers not checked: ${String((errors[0] as Error)?.message ?? errors[0])}`,
    );
}
