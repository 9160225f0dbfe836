import type { InvocationContext } from '@azure/functions';
import { cancelSubmission as cancel } from '../actions/cancel';
import { goLive } from '../actions/goLive';
import { publishOffer } from '../actions/publish';
import { publishRequestSchema } from '../contracts/api';
import type { Caller } from '../domain/identity';
import { isAtSignoff, pendingCancel } from '../domain/rules';
import { isActive } from '../domain/states';
import type { Services } from '../services';
import { IngestionError } from './ingestion';
import { invalidRequest } from './errors';
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
 * Publish, Go Live and Cancel of the ingestion front door. Each is decided by the same action as
 * the /api/offers route (shared/actions/), for the caller and offer productRequest resolved and
 * checked, so both doors share every rule and every write; a refusal is the same error.
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
  if (status && isAtSignoff(status) && !status.goLiveAt && !pendingCancel(status))
    await cancel(services, door.client, door);
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
  // The route's rule for the address (the token's name, or the last submission's address).
  const parsed = publishRequestSchema.safeParse({ notificationEmail });
  if (!parsed.success) throw invalidRequest(parsed.error);
  await shipPackages(services, offer, main, library);
  const clock = services.clockFor(door.client.taskHubName);
  return publishOffer(services, clock, door.client, door.context, { offer, notificationEmail });
}

/** DELETE /submissions/{id}: Cancel, for the current submission only. */
export async function cancelSubmission(door: Door, submissionId: string): Promise<void> {
  await currentOnly(door, submissionId);
  await cancel(door.services, door.client, door);
}

/** POST /submissions/{id}/promote: Go Live, for the current submission only. */
export async function promoteSubmission(door: Door, submissionId: string): Promise<void> {
  await currentOnly(door, submissionId);
  await goLive(door.services, door.client, door.context, door);
}

async function currentOnly(door: Door, submissionId: string): Promise<void> {
  await listedSubmission(door.services, door.offer.offerId, submissionId);
  const status = await door.services.statuses.get(door.offer.offerId);
  if (status?.submissionId !== submissionId) {
    throw new IngestionError(409, `Submission ${submissionId} is not the current submission.`, 'not_current');
  }
}
