import type { InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { recordStepChange } from '../activities/recordStepChange';
import { reconcile, ReconcileReport, RepairPass } from '../reconcile/reconciler';
import { OrchestrationRuntime, ReconcileDeps, RuntimeState, standardPasses } from '../reconcile/passes';
import { FUNCTIONS } from '../shared/contracts/names';
import { isActive } from '../shared/domain/states';
import type { OfferStatus } from '../shared/domain/status';
import { reconcileAppClaims } from '../shared/repair/appClaims';
import type { Clock } from '../shared/ports/stores';
import type { OrchestrationClient } from '../shared/http/orchestrations';
import { showStoredDecisions } from '../shared/actions/reviewDecision';
import { flushQuestionEvents } from '../shared/actions/questionEvents';
import { getServices, Services } from '../shared/services';

/**
 * Every 5 minutes (NCRONTAB, UTC), so an orphan is found within 10 minutes of its orchestration
 * dying (design.md "Nothing stays stuck"), however the grace period falls. Locally the host also
 * fires it when its clock is moved forward (docs/local-host.md).
 */
export const RECONCILE_SCHEDULE = '0 */5 * * * *';

/** Runtime statuses after which an instance never records another transition. */
const ENDED = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

/** The durable client's view of an instance; "missing" when it has never heard of it. */
export function durableRuntime(client: Pick<df.DurableClient, 'getStatus'>): OrchestrationRuntime {
  return {
    async stateOf(instanceId) {
      try {
        const status = await client.getStatus(instanceId, { showInput: false });
        const runtimeStatus = String(status.runtimeStatus);
        const state: RuntimeState = ENDED.has(runtimeStatus) ? 'ended' : 'running';
        return { state, runtimeStatus };
      } catch (error) {
        // The SDK answers an unknown instance (HTTP 404) by throwing.
        if (error instanceof Error && /HTTP 404/.test(error.message))
          return { state: 'missing', runtimeStatus: 'missing' };
        throw error;
      }
    },
  };
}

/** The passes over this app's services: the standard ones, plus any another part adds here. */
export function passesFor(
  services: Services,
  runtime: OrchestrationRuntime,
  timing?: ReconcileDeps['timing'],
  client?: OrchestrationClient,
): RepairPass[] {
  const webhookKick = client ? services.webhookDispatch(client) : undefined;
  const record = recordStepChange({ ...services, ...(webhookKick ? { webhookKick } : {}) });
  const standard = standardPasses({
    statuses: services.statuses,
    submissions: services.submissions,
    offerIndex: services.offerIndex,
    watch: services.activeSubmissions,
    runtime,
    recordTransition: ({ offerId, submissionId, ...transition }) =>
      record({ offerId, submissionId, transitions: [transition] }),
    ...(timing ? { timing } : {}),
    flushEvents: (offerId: string) => flushQuestionEvents(services, offerId),
    ...(webhookKick ? { kickWebhooks: (offerId: string) => webhookKick.kick(offerId) } : {}),
    ...(client
      ? {
          showDecisions: (offerId: string, deliver: boolean) =>
            showStoredDecisions(services, client, offerId, deliver),
        }
      : {}),
  });
  // After the orphans were ended (their claims released there), so it sees what is still in progress.
  return [...standard, appClaimsPass(services)];
}

/**
 * The app-id claims rebuilt from the submissions in progress (shared/repair/appClaims.ts): a claim
 * whose submission ended without going live is released, a lost one is taken again. Its cost is the
 * claims held by submissions in progress and the watched offers, never the number of offers.
 */
export function appClaimsPass(services: Services): RepairPass {
  const name = 'app-id-claims';
  return {
    name,
    async run() {
      const watched = await services.activeSubmissions.list();
      const statuses = await Promise.all(watched.map((w) => services.statuses.get(w.offerId)));
      const active = statuses.filter((s): s is OfferStatus => s !== undefined && isActive(s.state));
      const repairs = await reconcileAppClaims(
        { appClaims: services.appClaims, statuses: services.statuses, blobs: services.blobs },
        active,
      );
      return repairs.map((r) => ({ pass: name, ...r }));
    },
  };
}

/** One run of the reconciler: every pass, one log line per repair and one summary line. */
export async function runReconciler(
  services: Services,
  clock: Clock,
  runtime: OrchestrationRuntime,
  log: (message: string) => void,
  timing?: ReconcileDeps['timing'],
  client?: OrchestrationClient,
): Promise<ReconcileReport> {
  const report = await reconcile(passesFor(services, runtime, timing, client), {
    now: await clock.now(),
    realNow: new Date(),
    log,
  });
  log(
    `reconciler: ${report.repairs.length} repaired` +
      (report.failed.length > 0 ? `, passes failed: ${report.failed.map((f) => f.pass).join(', ')}` : ''),
  );
  return report;
}

df.app.client.timer(FUNCTIONS.reconcileSubmissions, {
  schedule: RECONCILE_SCHEDULE,
  handler: async (_timer: Timer, client: df.DurableClient, context: InvocationContext) => {
    const services = getServices();
    const report = await runReconciler(
      services,
      services.clockFor(client.taskHubName),
      durableRuntime(client),
      (message) => context.log(message),
      undefined,
      client,
    );
    // A pass that could not finish fails the invocation, so it shows in the host's logs and metrics.
    if (report.failed.length > 0)
      throw new Error(`reconciler passes failed: ${JSON.stringify(report.failed)}`);
  },
});
