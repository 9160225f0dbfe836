import type { InvocationContext } from '@azure/functions';
import { EVENTS } from '../contracts/names';
import { workflowNow } from '../http/workflowTime';
import { GoLiveEvent } from '../contracts/orchestration';
import { DomainError } from '../domain/errors';
import type { Caller } from '../domain/identity';
import { isAtSignoff } from '../domain/rules';
import { isActive } from '../domain/states';
import { OfferStatus, notStartedStatus } from '../domain/status';
import { instanceIdFor } from '../domain/transitions';
import { OrchestrationClient, assertAlive } from '../http/orchestrations';
import type { Services } from '../services';
import type { Accepted } from './accepted';

/**
 * Go Live, complete or leave no trace (design.md "No accepted action is lost", "A refused request
 * leaves nothing behind"). Order: the event is raised first and only then is goLiveAt written, so
 * goLiveAt means "delivered". A failed raise answers 500 and leaves nothing behind, and the repeat
 * raises again. Once the raise succeeded the Go Live has taken effect, so the goLiveAt write is
 * bookkeeping only: if it fails the answer is still 202 (a repeat then raises once more, which is
 * harmless: the orchestrator takes the first Go Live and never waits for another). Once goLiveAt
 * is set, a repeat is answered 202 without a new event. A submission whose instance is no longer
 * running is refused with 409 not_at_signoff: nothing could take the Go Live.
 */
export async function goLive(
  services: Services,
  client: OrchestrationClient,
  context: InvocationContext,
  request: { caller: Caller; offerId: string; status?: OfferStatus },
): Promise<Accepted> {
  const { caller, offerId } = request;
  // The workflow's clock, as every action's stamp: the inbox orders events of different names by it.
  const at = (await workflowNow(services, client)).toISOString();
  // The route's read (from storage: it decided the caller's access on it), or a read of our own.
  const status = request.status ?? (await services.statuses.get(offerId)) ?? notStartedStatus(offerId, at);
  const submissionId = status.submissionId ?? '';
  // A repeat: this submission's Go Live was taken (its mark, or sign-off already succeeded, which
  // only a Go Live does, when the mark is not written yet) and it is still going.
  const signedOff = status.steps.find((s) => s.id === 'publisher-signoff')?.state === 'Succeeded';
  if ((status.goLiveAt || signedOff) && isActive(status.state)) return { offerId, submissionId };
  if (!isAtSignoff(status)) {
    throw new DomainError('not_at_signoff', `Offer '${offerId}' is not waiting for publisher sign-off.`);
  }
  const instanceId = instanceIdFor(offerId, submissionId);
  await assertAlive(client, instanceId, 'not_at_signoff', 'a Go Live');
  const event: GoLiveEvent = { actor: caller.name, at };
  await client.raiseEvent(instanceId, EVENTS.goLive, event);
  try {
    await services.statuses.update(
      offerId,
      (current) =>
        current.submissionId === submissionId && !current.goLiveAt ? { ...current, goLiveAt: at } : undefined,
      () => notStartedStatus(offerId, at),
    );
  } catch (error) {
    context.warn(`go-live of ${offerId}: delivered, but goLiveAt was not recorded: ${String(error)}`);
  }
  return { offerId, submissionId };
}
