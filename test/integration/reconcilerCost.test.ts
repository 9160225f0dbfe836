/**
 * The reconciler's cost follows the submissions in progress, not the marketplace: every storage
 * request of a pass is counted at the SDK's pipeline (the run's Azurite, through the real SDK).
 * The durable client is the one part not run here: a stand-in answers "Running" and counts.
 * Azurite is shared with other test files, whose leftover rows cost the same in every run: the
 * figures compared are differences between runs.
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { runReconciler } from '../../functions/reconcileSubmissions';
import type { OrchestrationRuntime } from '../../reconcile/passes';
import { TABLES } from '../../shared/contracts/names';
import { notStartedStatus } from '../../shared/domain/status';
import { startSubmission } from '../../shared/domain/transitions';
import type { Services } from '../../shared/services';
import { testServices, uniqueOfferId } from '../steps/helpers';

let services: Services;
let storageCalls = 0;
let runtimeCalls = 0;

const runtime: OrchestrationRuntime = {
  async stateOf() {
    runtimeCalls++;
    return { state: 'running', runtimeStatus: 'Running' };
  },
};

beforeAll(async () => {
  services = testServices();
  const counter: PipelinePolicy = {
    name: 'count-calls',
    async sendRequest(request, next) {
      storageCalls++;
      return next(request);
    },
  };
  for (const name of Object.values(TABLES)) (await services.storage.table(name)).pipeline.addPolicy(counter);
});

const at = '2026-12-01T10:00:00.000Z';
const clock = { now: async () => new Date(at) };

async function addOffers(prefix: string, count: number, active: boolean): Promise<void> {
  const base = uniqueOfferId(prefix);
  for (let i = 0; i < count; i++) {
    const offerId = `${base}-${String(i).padStart(4, '0')}`;
    await services.offers.put({
      offerId,
      publisherId: 'costpub',
      name: offerId,
      createdAt: at,
      updatedAt: at,
    });
    if (active)
      await services.statuses.update(
        offerId,
        (current) => startSubmission(current, '1', 'ann@contoso.com', at),
        () => notStartedStatus(offerId, at),
      );
    else
      await services.statuses.update(
        offerId,
        (current) => ({ ...current, state: 'Live', lastLiveVersion: '1.0.0.0', updatedAt: at }),
        () => notStartedStatus(offerId, at),
      );
  }
}

/** Storage and durable-client calls of one reconciler run. */
async function measuredRun(): Promise<{ storage: number; runtime: number; repaired: number }> {
  storageCalls = 0;
  runtimeCalls = 0;
  // keepFreshMs 0: a watch row of an ended submission goes in the first run, not in a later one.
  const report = await runReconciler(services, clock, runtime, () => undefined, { keepFreshMs: 0 });
  expect(report.failed).toEqual([]);
  return { storage: storageCalls, runtime: runtimeCalls, repaired: report.repairs.length };
}

describe('the reconciler cost', () => {
  it('grows with the active submissions and not with the offers', async () => {
    await addOffers('idle-a', 20, false);
    await measuredRun(); // the one-time backfill, the daily sweep, other files' leftovers
    const none = await measuredRun();

    await addOffers('busy-a', 4, true);
    const four = await measuredRun();
    await addOffers('idle-b', 200, false);
    const fourAmongMore = await measuredRun();
    await addOffers('busy-b', 4, true);
    const eight = await measuredRun();

    expect([four.repaired, fourAmongMore.repaired, eight.repaired]).toEqual([0, 0, 0]);
    expect([four.runtime, fourAmongMore.runtime, eight.runtime].map((n) => n - none.runtime)).toEqual([
      4, 4, 8,
    ]);
    // 200 more offers change nothing; 4 more active submissions cost what the first 4 did.
    expect(fourAmongMore.storage).toBe(four.storage);
    expect(eight.storage - four.storage).toBe(four.storage - none.storage);
    expect(four.storage - none.storage).toBeLessThanOrEqual(4 * 8);
  });
});
