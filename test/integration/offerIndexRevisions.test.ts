/**
 * The offer lists never go back to an older offer or status, whatever order the refreshes of
 * concurrent writers land in and whatever fails after a refresh wrote (design.md "Nothing stays
 * stuck": the lists say what the status says once storage is back).
 *
 * CI run 26 found the hole with the storage-outage suite: a Publish's refresh read "Running",
 * the orchestration ran to "Failed" and refreshed the rows, then the Publish's refresh wrote
 * "Running" over them and could not re-read to notice (the outage), and nobody watched the offer
 * any more. Here the same happens on purpose, over real Azurite: each refresher gets stores whose
 * first read answers what was stored at an earlier moment of a generated schedule (a read that
 * was slow to be used), and whose later reads may fail.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { createStorageClients } from '../../shared/adapters/storage';
import { createOfferIndex } from '../../shared/adapters/tables/offerIndex';
import { createOfferStore } from '../../shared/adapters/tables/offerStore';
import { createStatusStore } from '../../shared/adapters/tables/statusStore';
import type { OfferSummary } from '../../shared/domain/offerSummary';
import type { Offer } from '../../shared/domain/offer';
import { notStartedStatus, OfferStatus } from '../../shared/domain/status';

const storage = createStorageClients({ AzureWebJobsStorage: process.env.TEST_STORAGE_CONNECTION });
const offers = createOfferStore(storage);
const statuses = createStatusStore(storage);
const EARLY = '2026-01-01T00:00:00.000Z';

/** What the stores answered at one moment of the schedule. */
interface Moment {
  offer: { doc: Offer | undefined; revision: number };
  status: { doc: OfferStatus | undefined; revision: number };
}

async function momentOf(offerId: string): Promise<Moment> {
  return { offer: await offers.getRevised(offerId), status: await statuses.getRevised(offerId) };
}

/** Stores whose first read of each kind answers `then`; later reads hit storage, or fail. */
function lateStores(then: Moment, laterReadsFail: boolean) {
  const firsts = { offer: true, status: true };
  const read = async <T>(kind: 'offer' | 'status', real: () => Promise<T>, old: T): Promise<T> => {
    if (firsts[kind]) {
      firsts[kind] = false;
      return old;
    }
    if (laterReadsFail) throw new Error('storage outage: the read failed');
    return real();
  };
  return {
    offers: {
      ...offers,
      get: (id: string) => read('offer', () => offers.get(id), then.offer.doc),
      getRevised: (id: string) => read('offer', () => offers.getRevised(id), then.offer),
    },
    statuses: {
      ...statuses,
      get: (id: string) => read('status', () => statuses.get(id), then.status.doc),
      getRevised: (id: string) => read('status', () => statuses.getRevised(id), then.status),
    },
  };
}

const offerVersion = (n: number, offerId: string, publisherId: string): Offer => ({
  offerId,
  publisherId,
  name: `name ${n}`,
  createdAt: EARLY,
  updatedAt: EARLY,
});

/** The offer and status versions the catalog row of the offer shows (-1: none yet). */
async function shown(offerId: string): Promise<{ offer: number; status: number }> {
  const table = await storage.table('OfferCatalog');
  const row = await table.getEntity('catalog', `all|${offerId}`).catch(() => undefined);
  if (!row) return { offer: -1, status: -1 };
  const summary = JSON.parse(String(row.summary)) as OfferSummary;
  return {
    offer: Number(summary.name?.split(' ')[1] ?? -1),
    status: Number(summary.liveVersion?.split('.')[3] ?? 0),
  };
}

/**
 * The catalog is every suite's (one Azurite per run): its rows of these throwaway offers are
 * removed again, so suites that walk the whole catalog a page at a time do not grow with this one.
 */
async function removeFromCatalog(offerId: string): Promise<void> {
  const table = await storage.table('OfferCatalog');
  const all = await table.getEntity('catalog', `all|${offerId}`);
  const { state } = JSON.parse(String(all.summary)) as OfferSummary;
  await table.deleteEntity('catalog', `state|${state}|${offerId}`);
  await table.deleteEntity('catalog', `all|${offerId}`);
}

interface Refresher {
  readsAt: number;
  runsAfter: number;
  laterReadsFail: boolean;
}

const schedules = fc
  .record({
    writes: fc.array(fc.constantFrom<'offer' | 'status'>('offer', 'status'), { minLength: 1, maxLength: 6 }),
    refreshers: fc.array(
      fc.record({ a: fc.nat({ max: 6 }), b: fc.nat({ max: 6 }), laterReadsFail: fc.boolean() }),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ writes, refreshers }) => ({
    writes,
    refreshers: refreshers.map(
      (r): Refresher => ({
        readsAt: Math.min(r.a, r.b, writes.length),
        runsAfter: Math.min(Math.max(r.a, r.b), writes.length),
        laterReadsFail: r.laterReadsFail,
      }),
    ),
  }));

describe('the offer lists', () => {
  it('never go back to an older offer or status, whatever order refreshes land in and whatever fails after (generated schedules)', async () => {
    await fc.assert(
      fc.asyncProperty(schedules, async ({ writes, refreshers }) => {
        const offerId = `rev-${randomUUID().slice(0, 8)}`;
        const publisherId = `pub-${randomUUID().slice(0, 8)}`;
        let offerN = 0;
        let statusN = 0;
        await offers.put(offerVersion(offerN, offerId, publisherId));
        const moments = new Map<Refresher, Moment>();
        let seen = await shown(offerId);
        for (let at = 0; at <= writes.length; at++) {
          for (const r of refreshers) if (r.readsAt === at) moments.set(r, await momentOf(offerId));
          for (const r of refreshers.filter((x) => x.runsAfter === at)) {
            const index = createOfferIndex(storage, lateStores(moments.get(r) as Moment, r.laterReadsFail));
            await index.refresh(offerId).catch(() => undefined); // a failed refresh is the point
            const now = await shown(offerId);
            if (now.offer < seen.offer || now.status < seen.status)
              throw new Error(
                `the row went back from ${JSON.stringify(seen)} to ${JSON.stringify(now)} ` +
                  `(refresher read at ${r.readsAt}, ran after ${at}, later reads fail: ${r.laterReadsFail})`,
              );
            seen = now;
          }
          const write = writes[at];
          if (write === 'offer') await offers.put(offerVersion(++offerN, offerId, publisherId));
          if (write === 'status') {
            const n = ++statusN;
            await statuses.update(
              offerId,
              (current) => ({ ...current, lastLiveVersion: `1.0.0.${n}` }),
              () => notStartedStatus(offerId, EARLY),
            );
          }
        }
        // Once storage answers, one refresh shows the newest of both.
        await createOfferIndex(storage, { offers, statuses }).refresh(offerId);
        expect(await shown(offerId)).toEqual({ offer: offerN, status: statusN });
        await removeFromCatalog(offerId);
      }),
      { numRuns: 60, seed: 20261202 },
    );
  });
});
