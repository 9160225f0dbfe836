import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { makeGetStatus } from '../../functions/getStatus';
import { makeListOffers } from '../../functions/listOffers';
import { createOfferStore } from '../../shared/adapters/tables/offerStore';
import { createStatusStore } from '../../shared/adapters/tables/statusStore';
import { SUBMISSION_STATES, SubmissionState } from '../../shared/domain/states';
import { notStartedStatus } from '../../shared/domain/status';
import { principalHeader } from '../support/principals';
import { at, call, request, seedOffer, seedStatus, testServices } from './support';

const services = testServices();
const listOffers = makeListOffers(services);
const getStatus = makeGetStatus(services);

interface Item {
  offerId: string;
  name: string | null;
  publisherId: string;
  state: SubmissionState;
  currentStep: string | null;
  liveVersion: string | null;
  updatedAt: string;
}
interface ListBody {
  offers: Item[];
  continuation: string | null;
}

/** A publisher of its own, so a test sees exactly the offers it made (Azurite is shared). */
function newPublisher() {
  const publisherId = `pub-${randomBytes(4).toString('hex')}`;
  return { publisherId, header: principalHeader(`owner@${publisherId}.example`, ['Publisher'], publisherId) };
}
const REVIEWER = principalHeader('mia@marketplace.example', ['MarketingReviewer']);

async function list(header: string, query: Record<string, string> = {}) {
  const res = await call(
    listOffers,
    request('GET', 'offers', { headers: { 'x-ms-client-principal': header }, query }),
  );
  return res as {
    status: number;
    body: ListBody & { error?: { code: string; details?: { path: string }[] } };
  };
}

/**
 * Every page of a view, `top` at a time; `between` runs after each page (changes during the walk).
 * More than `maxPages` pages means the continuation never ends.
 */
async function walk(
  header: string,
  top: number,
  query: Record<string, string> = {},
  between = async () => {},
  maxPages = 500,
) {
  const pages: Item[][] = [];
  let continuation: string | null | undefined;
  do {
    const res = await list(header, { ...query, top: String(top), ...(continuation ? { continuation } : {}) });
    expect(res.status).toBe(200);
    expect(res.body.offers.length).toBeLessThanOrEqual(top);
    pages.push(res.body.offers);
    continuation = res.body.continuation;
    expect(continuation === null || typeof continuation === 'string').toBe(true);
    await between();
    if (pages.length > maxPages) throw new Error('paging did not end');
  } while (continuation);
  return pages;
}

async function seedFor(publisherId: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${publisherId}-o${String(i).padStart(3, '0')}`);
  await Promise.all(ids.map((id) => seedOffer(services, id, publisherId)));
  return ids;
}

describe('GET /api/offers paging', () => {
  it("pages a publisher's offers by top, in offerId order, with null continuation on the last page", async () => {
    const { publisherId, header } = newPublisher();
    const ids = await seedFor(publisherId, 7);
    const pages = await walk(header, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat().map((o) => o.offerId)).toEqual([...ids].sort());
    const whole = await list(header);
    expect(whole.body.offers).toHaveLength(7);
    expect(whole.body.continuation).toBeNull();
  });

  it("pages the reviewers' queue (state=WaitingForReview) and every offer for reviewers", async () => {
    const { publisherId } = newPublisher();
    const ids = await seedFor(publisherId, 5);
    for (const id of ids.slice(0, 3))
      await seedStatus(services, id, at('WaitingForReview', 'marketing-technical-validation'));
    const queue = (await walk(REVIEWER, 2, { state: 'WaitingForReview' })).flat();
    expect(queue.every((o) => o.state === 'WaitingForReview')).toBe(true);
    expect(queue.filter((o) => o.publisherId === publisherId).map((o) => o.offerId)).toEqual(ids.slice(0, 3));
    const all = (await walk(REVIEWER, 50)).flat();
    const sorted = all.map((o) => o.offerId);
    expect(sorted).toEqual([...sorted].sort());
    expect(new Set(sorted).size).toBe(sorted.length);
    expect(all.filter((o) => o.publisherId === publisherId).map((o) => o.offerId)).toEqual(ids);
  });

  it('refuses a forged, edited or foreign continuation with 400 invalid_request', async () => {
    const ann = newPublisher();
    const bob = newPublisher();
    await seedFor(ann.publisherId, 3);
    await seedFor(bob.publisherId, 3);
    const first = await list(ann.header, { top: '1' });
    const token = first.body.continuation as string;
    expect(typeof token).toBe('string');

    const [payload, signature] = token.split('.');
    const decoded = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    const reforged = Buffer.from(
      JSON.stringify({ ...decoded, view: `publisher:${bob.publisherId}:*` }),
    ).toString('base64url');
    const tampered = [
      'garbage',
      `${reforged}.${signature}`,
      `${payload}.${'A'.repeat((signature ?? '').length)}`,
      Buffer.from(JSON.stringify({ after: 'zzz' })).toString('base64url'),
    ];
    for (const continuation of tampered) {
      const res = await list(ann.header, { continuation });
      expect([res.status, res.body.error?.code]).toEqual([400, 'invalid_request']);
      expect(res.body.error?.details?.[0]?.path).toBe('continuation');
    }
    // Ann's own token, but presented by Bob or with another state filter: another view.
    for (const [header, query] of [
      [bob.header, {}],
      [ann.header, { state: 'Live' }],
      [REVIEWER, {}],
    ] as const) {
      const res = await list(header, { ...query, continuation: token });
      expect([res.status, res.body.error?.code]).toEqual([400, 'invalid_request']);
    }
    expect((await list(ann.header, { continuation: token, top: '1' })).status).toBe(200);
  });

  it('refuses a bad top or state with 400 naming the field', async () => {
    const { header } = newPublisher();
    for (const top of ['0', '201', '-1', '1.5', 'ten', '']) {
      const res = await list(header, { top });
      expect([res.status, res.body.error?.details?.[0]?.path]).toEqual([400, 'top']);
    }
    const res = await list(header, { state: 'Sleeping', top: '0' });
    expect(res.status).toBe(400);
    expect(res.body.error?.details?.map((d) => d.path).sort()).toEqual(['state', 'top']);
  });

  it('names a forged continuation too when other query fields are bad (details names every bad field)', async () => {
    const { header } = newPublisher();
    const res = await list(header, { top: '0', continuation: 'garbage' });
    expect(res.status).toBe(400);
    expect(res.body.error?.details?.map((d) => d.path).sort()).toEqual(['continuation', 'top']);
    const all = await list(header, { top: '0', state: 'Sleeping', continuation: 'garbage' });
    expect(all.body.error?.details?.map((d) => d.path).sort()).toEqual(['continuation', 'state', 'top']);
  });

  it('returns every offer exactly once while offers are created and change state during the walk', async () => {
    const state = fc.constantFrom(...SUBMISSION_STATES.filter((s) => s !== 'NotStarted'));
    const change = fc.oneof(
      fc.record({ kind: fc.constant('create' as const), id: fc.integer({ min: 0, max: 99 }) }),
      fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), state }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.array(change, { maxLength: 3 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (initial, top, schedule, asReviewer) => {
          const { publisherId, header } = newPublisher();
          const existing = await seedFor(publisherId, initial);
          const created = new Set<string>();
          let step = 0;
          const between = async () => {
            for (const c of schedule[step++] ?? []) {
              if (c.kind === 'create') {
                const id = `${publisherId}-n${String(c.id).padStart(2, '0')}`;
                if (!created.has(id)) await seedOffer(services, id, publisherId);
                created.add(id);
              } else {
                const id = existing[c.pick % existing.length] as string;
                await seedStatus(services, id, at(c.state, 'automated-validation'));
              }
            }
          };
          // The reviewers' view is every offer of the run's shared storage: its pages follow its size.
          const catalog = asReviewer ? (await walk(REVIEWER, 200)).flat().length : 0;
          const maxPages = Math.ceil((catalog + initial + 100) / top) + 10;
          const pages = await walk(asReviewer ? REVIEWER : header, top, {}, between, maxPages);
          const seen = pages
            .flat()
            .filter((o) => o.publisherId === publisherId)
            .map((o) => o.offerId);
          expect(new Set(seen).size).toBe(seen.length);
          for (const id of existing) expect(seen.filter((s) => s === id)).toHaveLength(1);
          for (const id of seen) expect(existing.includes(id) || created.has(id)).toBe(true);
          expect(pages.flat().map((o) => o.offerId)).toEqual([...pages.flat().map((o) => o.offerId)].sort());
        },
      ),
      { seed: 16, numRuns: 12 },
    );
  });
});

describe('liveVersion', () => {
  it('shows the version live before a failed or canceled update, in the list and the status', async () => {
    const { publisherId, header } = newPublisher();
    const [failed, canceled, never] = await seedFor(publisherId, 3);
    const liveThenUpdate = (state: 'Failed' | 'Canceled') =>
      at(state, 'automated-validation', { lastLiveVersion: '1.2.0.0', liveSubmissionId: '1' }, '2');
    await seedStatus(services, failed as string, liveThenUpdate('Failed'));
    await seedStatus(services, canceled as string, liveThenUpdate('Canceled'));
    const items = (await list(header)).body.offers;
    expect(items.map((o) => [o.offerId, o.state, o.liveVersion])).toEqual([
      [failed, 'Failed', '1.2.0.0'],
      [canceled, 'Canceled', '1.2.0.0'],
      [never, 'NotStarted', null],
    ]);
    for (const [offerId, expected] of [
      [failed, '1.2.0.0'],
      [never, null],
    ] as const) {
      const status = await call(
        getStatus,
        request('GET', `offers/${offerId}/status`, {
          headers: { 'x-ms-client-principal': header },
          params: { offerId: offerId as string },
        }),
      );
      expect(status.status).toBe(200);
      expect(status.body.liveVersion).toBe(expected);
    }
  });
});

describe('the index follows the status', () => {
  it('never shows an offer in two states or none while concurrent writers move it', async () => {
    const { publisherId, header } = newPublisher();
    const [offerId] = await seedFor(publisherId, 1);
    const id = offerId as string;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...SUBMISSION_STATES), { minLength: 2, maxLength: 6 }),
        async (states) => {
          let writing = true;
          const writers = Promise.all(
            states.map((state) => seedStatus(services, id, at(state, 'automated-validation'))),
          ).finally(() => (writing = false));
          const observed: number[] = [];
          while (writing) observed.push(await stateRowsOf(id));
          await writers;
          observed.push(await stateRowsOf(id));
          expect(observed.every((n) => n === 1)).toBe(true);
          const stored = (await services.statuses.get(id))?.state;
          const mine = (await list(header)).body.offers.find((o) => o.offerId === id);
          expect(mine?.state).toBe(stored);
          const queue = await list(REVIEWER, { state: stored as string, top: '200' });
          const everywhere = await Promise.all(
            SUBMISSION_STATES.map(async (s) => (await walk(REVIEWER, 200, { state: s })).flat()),
          );
          const statesShowingIt = SUBMISSION_STATES.filter((_, i) =>
            everywhere[i]?.some((o) => o.offerId === id),
          );
          expect(statesShowingIt).toEqual([stored]);
          expect(queue.status).toBe(200);
        },
      ),
      { seed: 7, numRuns: 8 },
    );
  });

  it('heals an index row left stale by a write that stopped halfway', async () => {
    const { publisherId, header } = newPublisher();
    const [offerId] = await seedFor(publisherId, 1);
    const id = offerId as string;
    // The status row written without the index (as if the process died between the two writes).
    await createStatusStore(services.storage).update(id, at('WaitingForPublisher', 'publisher-signoff'), () =>
      notStartedStatus(id, new Date().toISOString()),
    );
    expect((await list(header)).body.offers[0]?.state).toBe('NotStarted');
    // The retried activity repeats its write (here a no-op change): the index follows the stored row.
    await services.statuses.update(
      id,
      () => undefined,
      () => {
        throw new Error('unused');
      },
    );
    expect((await list(header)).body.offers[0]?.state).toBe('WaitingForPublisher');
  });
});

describe('offers stored before the index', () => {
  it('appear in the lists, with their state and live version, after the one-time backfill', async () => {
    const { publisherId, header } = newPublisher();
    await list(header); // this process's index is ready (its backfill, if any, has run)
    const legacy = {
      offers: createOfferStore(services.storage),
      statuses: createStatusStore(services.storage),
    };
    const ids = [`${publisherId}-old-a`, `${publisherId}-old-b`];
    const now = new Date().toISOString();
    for (const offerId of ids) {
      await legacy.offers.put({ offerId, publisherId, name: 'Old offer', createdAt: now, updatedAt: now });
    }
    await legacy.statuses.update(ids[0] as string, at('Live', 'live', { lastLiveVersion: '2.0.0.0' }), () =>
      notStartedStatus(ids[0] as string, now),
    );
    const catalog = await services.storage.table('OfferCatalog');
    // The layout before issue 21 also left one row per publisher: the backfill migrates it away.
    const byPublisher = await services.storage.table('OffersByPublisher');
    await byPublisher.upsertEntity({
      partitionKey: publisherId,
      rowKey: publisherId,
      docChunks: 1,
      doc0: '{}',
    });
    await catalog.deleteEntity('meta', 'backfill-v2').catch(() => undefined);
    expect((await list(header)).body.offers).toEqual([]); // this process already ran its backfill

    const restarted = makeListOffers(testServices()); // a new instance: backfills on its first read
    const res = await call(
      restarted,
      request('GET', 'offers', { headers: { 'x-ms-client-principal': header } }),
    );
    expect(res.body.offers.map((o: Item) => [o.offerId, o.state, o.liveVersion])).toEqual([
      [ids[0], 'Live', '2.0.0.0'],
      [ids[1], 'NotStarted', null],
    ]);
    const queue = (await walk(REVIEWER, 200, { state: 'Live' })).flat().map((o) => o.offerId);
    expect(queue).toContain(ids[0]);
    expect(await catalog.getEntity('meta', 'backfill-v2')).toBeTruthy();
    await expect(byPublisher.getEntity(publisherId, publisherId)).rejects.toMatchObject({ statusCode: 404 });
  });
});

/** How many `state|*|{offerId}` rows the catalog has for this offer, read in one query. */
async function stateRowsOf(offerId: string): Promise<number> {
  const table = await services.storage.table('OfferCatalog');
  let n = 0;
  const filter = `PartitionKey eq 'catalog' and RowKey ge 'state|' and RowKey lt 'state}'`;
  for await (const row of table.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
    if (String(row.rowKey).endsWith(`|${offerId}`)) n++;
  }
  return n;
}
