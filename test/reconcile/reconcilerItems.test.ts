/**
 * What review found in the reconciler (issue 28 items 5-8) and the offer save (item 6), each
 * against the run's Azurite through the real stores. The durable client is the one part not run
 * here: a stand-in runtime answers what the test needs, as in reconcilerCost.test.ts.
 */
import { recordStepChange } from '../../activities/recordStepChange';
import { orphanPass, stalePass, DEFAULT_TIMING, type OrchestrationRuntime } from '../../reconcile/passes';
import type { PassContext } from '../../reconcile/reconciler';
import { withOfferIndex } from '../../shared/adapters/tables/indexedStores';
import { createOfferStore } from '../../shared/adapters/tables/offerStore';
import { createStatusStore } from '../../shared/adapters/tables/statusStore';
import { notStartedStatus } from '../../shared/domain/status';
import { startSubmission } from '../../shared/domain/transitions';
import type { Offer } from '../../shared/domain/offer';
import type { Services } from '../../shared/services';
import { submit, testServices, uniqueOfferId } from '../steps/helpers';

let services: Services;
beforeAll(() => {
  services = testServices();
});

const at = '2026-12-01T10:00:00.000Z';
const context = (realNow = new Date()): PassContext => ({ now: new Date(at), realNow, log: () => undefined });

function offerOf(offerId: string): Offer {
  return { offerId, publisherId: 'contoso', name: `Offer ${offerId}`, createdAt: at, updatedAt: at };
}

async function running(offerId: string, submissionId = '1'): Promise<void> {
  await services.offers.put(offerOf(offerId));
  await submit(services, offerId, { name: `Offer ${offerId}` }, submissionId);
  await services.statuses.update(
    offerId,
    (current) => startSubmission(current, submissionId, 'ann@contoso.com', at, 'contoso'),
    () => notStartedStatus(offerId, at),
  );
  await recordStepChange(services)({
    offerId,
    submissionId,
    transitions: [
      { step: 'validate-prerequisites', transition: 'started', at },
      { step: 'validate-prerequisites', transition: 'succeeded', at },
      { step: 'automated-validation', transition: 'started', at },
    ],
  });
}

/** The orphan pass over the real stores, with this runtime and the real step-change recorder. */
function orphans(runtime: OrchestrationRuntime) {
  return orphanPass(
    {
      statuses: services.statuses,
      submissions: services.submissions,
      offerIndex: services.offerIndex,
      watch: services.activeSubmissions,
      runtime,
      recordTransition: ({ offerId, submissionId, ...t }) =>
        recordStepChange(services)({ offerId, submissionId, transitions: [t] }),
    },
    DEFAULT_TIMING,
  );
}

describe('the orphan pass', () => {
  it('never replaces the error of a submission its orchestration failed while the pass asked about it', async () => {
    const offerId = uniqueOfferId('orphan-real-error');
    await running(offerId);
    const error = {
      step: 'automated-validation' as const,
      code: 'package_invalid',
      message: 'The package failed validation.',
      details: [{ path: 'package', message: 'version mismatch' }],
    };
    // The instance fails the step itself just as the pass asks the runtime, then is over.
    const runtime: OrchestrationRuntime = {
      async stateOf() {
        await recordStepChange(services)({
          offerId,
          submissionId: '1',
          transitions: [
            { step: 'automated-validation', transition: 'failed', at, message: error.message, error },
          ],
        });
        return { state: 'ended', runtimeStatus: 'Completed' };
      },
    };
    const pass = orphans(runtime);
    await pass.run(context());
    const status = await services.statuses.get(offerId);
    const record = await services.submissions.get(offerId, '1');
    expect(status?.error?.code).toBe('package_invalid');
    expect(record?.error?.code).toBe('package_invalid');
    const failures = (await services.outbox.list(offerId)).filter((n) => n.transition === 'failed');
    expect(failures).toHaveLength(1);
  });
});

describe('the watch list', () => {
  it('keeps the row of a Publish slower than keepFreshMs whose status is not written yet', async () => {
    const offerId = uniqueOfferId('slow-publish');
    await services.offers.put(offerOf(offerId));
    // Submission 1 went Live long ago; a Publish of submission 2 marked its row and is still
    // between its two writes when the pass runs 40 s (real time) later.
    await services.statuses.update(
      offerId,
      (current) => ({ ...startSubmission(current, '1', 'ann@contoso.com', at, 'contoso'), state: 'Live' }),
      () => notStartedStatus(offerId, at),
    );
    await services.activeSubmissions.mark(offerId, '2', at);
    const runtime: OrchestrationRuntime = {
      stateOf: async () => ({ state: 'missing', runtimeStatus: 'missing' }),
    };
    const pass = orphans(runtime);
    await pass.run(context(new Date(Date.now() + 40_000)));
    const watched = (await services.activeSubmissions.list()).filter((e) => e.offerId === offerId);
    expect(watched.map((e) => e.submissionId)).toEqual(['2']);
  });

  it('removes the row once its own submission is over', async () => {
    const offerId = uniqueOfferId('over');
    await services.offers.put(offerOf(offerId));
    await services.statuses.update(
      offerId,
      (current) => ({ ...startSubmission(current, '1', 'ann@contoso.com', at, 'contoso'), state: 'Live' }),
      () => notStartedStatus(offerId, at),
    );
    await services.activeSubmissions.mark(offerId, '1', at);
    const pass = orphans({ stateOf: async () => ({ state: 'ended', runtimeStatus: 'Completed' }) });
    await pass.run(context(new Date(Date.now() + 40_000)));
    expect((await services.activeSubmissions.list()).some((e) => e.offerId === offerId)).toBe(false);
  });
});

describe('the stale pass', () => {
  it('goes on with the other offers when one of them cannot be rebuilt', async () => {
    const bad = uniqueOfferId('stale-bad');
    const good = uniqueOfferId('stale-good');
    for (const offerId of [bad, good]) {
      await services.offers.put(offerOf(offerId));
      await services.activeSubmissions.markStale(offerId, at);
    }
    const index = {
      ...services.offerIndex,
      refresh: async (offerId: string) => {
        if (offerId === bad) throw new Error('storage refused the write');
        return services.offerIndex.refresh(offerId);
      },
    };
    const pass = stalePass({ offerIndex: index, watch: services.activeSubmissions });
    await expect(pass.run(context())).rejects.toThrow(/not checked: storage refused the write/);
    const stale = (await services.activeSubmissions.listStale()).map((e) => e.offerId);
    expect(stale).toContain(bad);
    expect(stale).not.toContain(good);
  });
});

describe('an offer save during an outage', () => {
  it('is found by the stale pass even when the index refresh and the later mark both fail', async () => {
    const offerId = uniqueOfferId('save-outage');
    const storage = services.storage;
    // The outage begins right after the offer's row was written: the refresh and any mark after
    // it fail.
    let outage = false;
    const offerRows = createOfferStore(storage);
    const stored = {
      offers: {
        ...offerRows,
        put: async (offer: Offer) => {
          const result = await offerRows.put(offer);
          outage = true;
          return result;
        },
      },
      statuses: createStatusStore(storage),
    };
    const watch = {
      ...services.activeSubmissions,
      markStale: async (id: string, when: string) => {
        if (outage) throw new Error('outage');
        return services.activeSubmissions.markStale(id, when);
      },
    };
    const failingIndex = {
      ...services.offerIndex,
      refresh: async () => {
        if (outage) throw new Error('outage');
        return false;
      },
    };
    const { offers } = withOfferIndex(stored, failingIndex, watch, () => undefined);
    await expect(offers.put(offerOf(offerId))).rejects.toThrow('outage');
    expect(await services.offers.get(offerId)).toBeDefined();
    expect((await services.activeSubmissions.listStale()).map((e) => e.offerId)).toContain(offerId);
  });
});
