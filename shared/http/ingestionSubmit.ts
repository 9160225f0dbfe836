import type { InvocationContext } from '@azure/functions';
import { cancelSubmission as cancel } from '../actions/cancel';
import { goLive } from '../actions/goLive';
import { publishOffer } from '../actions/publish';
import type { Caller } from '../domain/identity';
import { isAtSignoff, pendingCancel } from '../domain/rules';
import { isActive } from '../domain/states';
import type { OfferStatus } from '../domain/status';
import type { Services } from '../services';
import { IngestionError } from './ingestion';
import {
  assertLibrariesPass,
  completedLibrary,
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

/** Waits until the canceled submission is no longer active; false when it takes too long. */
async function settled(door: Door): Promise<boolean> {
  const deadline = Date.now() + CANCEL_SETTLE_MS;
  for (;;) {
    const status = await door.services.statuses.get(door.offer.offerId);
    if (!status || !isActive(status.state)) return true;
    if (!pendingCancel(status) || Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Whether a new submission may replace this one: it waits at sign-off (or is being canceled). */
function replaceable(status: OfferStatus): boolean {
  return (isAtSignoff(status) && !status.goLiveAt) || !!pendingCancel(status);
}

/**
 * POST /submissions: Publish with the configured packages. A submission waiting at sign-off is
 * canceled first (as Cancel would) and a new one starts; any other active one makes it 409.
 * A refused request leaves nothing behind (design.md): every refusal of the client's request (the
 * packages, the libraries' findings, the email, an active submission) is decided before anything
 * is written, and the packages are shipped only once the Publish has claimed its submission.
 */
export async function startSubmission(door: Door): Promise<string> {
  const { services, offer } = door;
  const productId = offer.productId ?? '';
  const log = (message: string) => door.context.warn(message);
  const configured = configuredPackages(await services.ingestion.state(productId));
  const library =
    configured.library &&
    (await completedLibrary(services, productId, offer.offerId, configured.library, log));
  assertLibrariesPass(library);
  const status = await services.statuses.get(offer.offerId);
  const notificationEmail = await notificationEmailFor(services, offer, door.caller.name, status);
  if (status && isActive(status.state)) {
    if (!replaceable(status)) throw activeSubmission(status);
    if (!pendingCancel(status))
      await cancel(services, door.client, { caller: door.caller, offerId: offer.offerId });
    if (!(await settled(door))) {
      // The Cancel stands (it was accepted); only the new submission could not start yet.
      throw new IngestionError(
        503,
        `Submission ${status.submissionId} was canceled but has not ended yet; create the submission again in a minute.`,
        'cancel_pending',
      );
    }
  }
  const clock = services.clockFor(door.client.taskHubName);
  return publishOffer(services, clock, door.client, door.context, {
    offer,
    notificationEmail,
    beforeStart: () => shipPackages(services, offer, configured.main, library),
  });
}

function activeSubmission(status: OfferStatus): IngestionError {
  return new IngestionError(
    409,
    `Submission ${status.submissionId} is in progress (${status.currentStep}); it can be replaced only while it waits at publisher sign-off.`,
    'submission_active',
  );
}

/** DELETE /submissions/{id}: Cancel, for the current submission only. */
export async function cancelSubmission(door: Door, submissionId: string): Promise<void> {
  await currentOnly(door, submissionId);
  await cancel(door.services, door.client, { caller: door.caller, offerId: door.offer.offerId });
}

/** POST /submissions/{id}/promote: Go Live, for the current submission only. */
export async function promoteSubmission(door: Door, submissionId: string): Promise<void> {
  await currentOnly(door, submissionId);
  await goLive(door.services, door.client, door.context, {
    caller: door.caller,
    offerId: door.offer.offerId,
  });
}

async function currentOnly(door: Door, submissionId: string): Promise<void> {
  await listedSubmission(door.services, door.offer.offerId, submissionId);
  const status = await door.services.statuses.get(door.offer.offerId);
  if (status?.submissionId !== submissionId) {
    throw new IngestionError(409, `Submission ${submissionId} is not the current submission.`, 'not_current');
  }
}
