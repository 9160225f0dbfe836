import type { InvocationContext } from '@azure/functions';
import { makeCancelSubmission } from '../../functions/cancelSubmission';
import { makeGoLive } from '../../functions/goLive';
import { makePublishOffer } from '../../functions/publishOffer';
import type { Caller } from '../domain/identity';
import { isAtSignoff, pendingCancel } from '../domain/rules';
import { isActive } from '../domain/states';
import type { Services } from '../services';
import { callApi, IngestionError } from './ingestion';
import {
  assertLibrariesPass,
  configuredPackages,
  listedSubmission,
  notificationEmailFor,
  shipPackages,
} from './ingestionProducts';
import type { Offer } from '../domain/offer';
import type { OrchestrationClient } from './orchestrations';

/**
 * Publish, Go Live and Cancel of the ingestion front door. Each is decided by the API's own
 * handler (functions/publishOffer.ts, goLive.ts, cancelSubmission.ts), called for the same caller
 * and offer, so both doors share every rule and every write.
 */

interface Door {
  services: Services;
  client: OrchestrationClient & { taskHubName?: string };
  context: InvocationContext;
  caller: Caller;
  offer: Offer;
}

/** How long POST /submissions waits for a submission it canceled to be reset (the orchestration does it). */
export const CANCEL_SETTLE_MS = 30_000;

function cancel(door: Door) {
  const handler = makeCancelSubmission(door.services);
  return callApi((r, c) => handler(r, door.client, c), door.context, {
    caller: door.caller,
    offerId: door.offer.offerId,
    route: 'cancel',
  });
}

/** Waits until the canceled submission is no longer active; 409 when it takes too long. */
async function settled(door: Door): Promise<void> {
  const deadline = Date.now() + CANCEL_SETTLE_MS;
  for (;;) {
    const status = await door.services.statuses.get(door.offer.offerId);
    if (!status || !isActive(status.state)) return;
    if (!pendingCancel(status) || Date.now() > deadline) return; // Publish answers 409 submission_active
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * POST /submissions: Publish with the configured packages. A submission waiting at sign-off is
 * canceled first (as Cancel would) and a new one starts; any other active one makes Publish 409.
 */
export async function startSubmission(door: Door): Promise<string> {
  const { services, offer } = door;
  const { main, library } = configuredPackages(await services.ingestion.state(offer.productId ?? ''));
  assertLibrariesPass(library);
  const status = await services.statuses.get(offer.offerId);
  if (status && isAtSignoff(status) && !status.goLiveAt && !pendingCancel(status)) await cancel(door);
  await settled(door);
  const current = await services.statuses.get(offer.offerId);
  if (current && isActive(current.state)) {
    throw new IngestionError(
      409,
      `Submission ${current.submissionId} is in progress (${current.currentStep}); it can be replaced only while it waits at publisher sign-off.`,
      'submission_active',
    );
  }
  const notificationEmail = await notificationEmailFor(services, offer.offerId, door.caller.name, current);
  await shipPackages(services, offer, main, library);
  const publish = makePublishOffer(services, services.clockFor(door.client.taskHubName));
  const response = await callApi((r, c) => publish(r, door.client, c), door.context, {
    caller: door.caller,
    offerId: offer.offerId,
    route: 'publish',
    body: { notificationEmail },
  });
  return (response.jsonBody as { submissionId: string }).submissionId;
}

/** DELETE /submissions/{id}: Cancel, for the current submission only. */
export async function cancelSubmission(door: Door, submissionId: string): Promise<void> {
  await currentOnly(door, submissionId);
  await cancel(door);
}

/** POST /submissions/{id}/promote: Go Live, for the current submission only. */
export async function promoteSubmission(door: Door, submissionId: string): Promise<void> {
  await currentOnly(door, submissionId);
  const handler = makeGoLive(door.services);
  await callApi((r, c) => handler(r, door.client, c), door.context, {
    caller: door.caller,
    offerId: door.offer.offerId,
    route: 'go-live',
  });
}

async function currentOnly(door: Door, submissionId: string): Promise<void> {
  await listedSubmission(door.services, door.offer.offerId, submissionId);
  const status = await door.services.statuses.get(door.offer.offerId);
  if (status?.submissionId !== submissionId) {
    throw new IngestionError(409, `Submission ${submissionId} is not the current submission.`, 'not_current');
  }
}
