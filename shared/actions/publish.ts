import type { InvocationContext } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { CONTAINERS, ORCHESTRATORS } from '../contracts/names';
import { PublishInput, publishInputSchema } from '../contracts/orchestration';
import type { Offer } from '../domain/offer';
import { DomainError } from '../domain/errors';
import { assertCanPublish } from '../domain/rules';
import { OfferStatus, notStartedStatus } from '../domain/status';
import { instanceIdFor, startSubmission } from '../domain/transitions';
import { snapshotBlobNameFor } from '../domain/workflow';
import { OrchestrationClient, orchestrationAlive } from '../http/orchestrations';
import type { Clock, SubmissionRecord } from '../ports/stores';
import type { Services } from '../services';

/** What a claim wrote on the status row, and what was there before: enough to undo it. */
interface Claim {
  submissionId: string;
  before: OfferStatus;
  written: OfferStatus;
}

const sameStatus = (a: OfferStatus, b: OfferStatus) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Claims the next submission id under the status row's ETag: of two concurrent Publish clicks
 * one wins and the other re-reads an active submission and gets 409 submission_active.
 * `claimed` is filled as soon as the write is decided, so that a failure after the write can
 * still be undone by the caller. A write that landed although its answer was lost comes back
 * as a 412 and a re-read showing exactly that claim, this Publish's own `claimId` included.
 */
async function claimSubmission(
  services: Services,
  { offerId, publisherId }: Pick<Offer, 'offerId' | 'publisherId'>,
  email: string,
  now: string,
  claimed: { claim?: Claim },
): Promise<string> {
  const claimId = randomUUID();
  const status = await services.statuses.update(
    offerId,
    (current) => {
      if (claimed.claim && sameStatus(current, claimed.claim.written)) return undefined;
      claimed.claim = undefined; // a retried mutation decides anew
      assertCanPublish(current);
      const submissionId = String(Number(current.submissionId ?? '0') + 1);
      const written = startSubmission(current, submissionId, email, now, publisherId, claimId);
      claimed.claim = { submissionId, before: current, written };
      return written;
    },
    () => notStartedStatus(offerId, now),
  );
  return status.submissionId ?? '';
}

const UNDO_ATTEMPTS = 3;

/**
 * Deletes the submission record and puts the status row back as it was before the claim, each
 * only while it is exactly what this Publish wrote (a write that never landed, one already undone,
 * or one the reconciler has since ended, is left alone). Retried a few times: the undo follows a
 * storage failure and may meet the same trouble. If it cannot be done, the row says Running with
 * no orchestration behind it, which the reconciler repairs (design.md "Nothing stays stuck").
 */
async function undoClaim(
  services: Services,
  offerId: string,
  claim: Claim,
  record: SubmissionRecord,
  context: InvocationContext,
) {
  for (let attempt = 1; attempt <= UNDO_ATTEMPTS; attempt++) {
    try {
      // The record first: a claim left on the row (the row's write fails) is ended Failed by the
      // reconciler, which writes the record anew; a record left behind a restored row would list
      // a Running submission nothing ever ends.
      await services.submissions.removeIfUnchanged(record);
      await services.statuses.update(
        offerId,
        (current) => (sameStatus(current, claim.written) ? claim.before : undefined),
        () => claim.before,
      );
      return;
    } catch (error) {
      if (attempt === UNDO_ATTEMPTS)
        context.warn(
          `publish of ${offerId}: undoing submission ${claim.submissionId} failed: ${String(error)}`,
        );
    }
  }
}

function inputFor(
  services: Services,
  offer: Offer,
  submissionId: string,
  email: string,
  snapshot: string,
): PublishInput {
  const s = services.settings;
  return publishInputSchema.parse({
    offerId: offer.offerId,
    submissionId,
    snapshotBlobName: snapshot,
    notificationEmail: email,
    ...(offer.name?.trim() ? { offerName: offer.name } : {}),
    settings: {
      packageValidationTimeout: s.PACKAGE_VALIDATION_TIMEOUT,
      signoffReminderInterval: s.SIGNOFF_REMINDER_INTERVAL,
      reviewSlaBusinessDays: s.REVIEW_SLA_BUSINESS_DAYS,
    },
  });
}

/** The record of a submission as Publish writes it (and as its undo expects to find it). */
function runningRecord(offerId: string, submissionId: string, notificationEmail: string, now: string) {
  return {
    offerId,
    submissionId,
    instanceId: instanceIdFor(offerId, submissionId),
    state: 'Running',
    notificationEmail,
    startedAt: now,
    endedAt: null,
    error: null,
    snapshotBlobName: snapshotBlobNameFor(offerId, submissionId),
  } satisfies SubmissionRecord;
}

/** The offer snapshot the running submission keeps (even when the draft is replaced meanwhile) and its record. */
async function storeSubmission(
  services: Services,
  offer: Offer,
  record: ReturnType<typeof runningRecord>,
): Promise<void> {
  await services.blobs.upload(
    { container: CONTAINERS.submissions, name: record.snapshotBlobName },
    Buffer.from(JSON.stringify(offer)),
    'application/json',
  );
  // Create-only: the reconciler may have ended this claim already (a Publish slowed by a storage
  // outage past the reconciler's grace), and its Failed record must not be made Running again,
  // nor the instance started (the caller undoes what is still its own and answers 500).
  const stored = await services.submissions.create(record);
  if (JSON.stringify(stored) !== JSON.stringify(record))
    throw new Error(
      `submission ${record.submissionId} of ${record.offerId} was ended meanwhile (${stored.state})`,
    );
}

/**
 * Whether a start whose call failed created the instance all the same. When the durable client
 * cannot even tell, the claim is kept (Running): undoing it under a live instance would hide a
 * running submission, while a claim without one is found by the reconciler.
 */
async function startedAnyway(
  client: OrchestrationClient,
  offerId: string,
  submissionId: string,
): Promise<'yes' | 'no' | 'unknown'> {
  try {
    return (await orchestrationAlive(client, instanceIdFor(offerId, submissionId))) ? 'yes' : 'no';
  } catch {
    return 'unknown';
  }
}

/** What a Publish is asked: the offer, and the address named by the caller (if any). */
export interface PublishRequest {
  offer: Offer;
  /** Absent: the offer's own `notificationEmail` (api.md); with neither, 400. */
  notificationEmail?: string | undefined;
  /**
   * Runs once the submission is claimed and recorded, right before its orchestration starts: the
   * ingestion API ships its packages here, so nothing is shipped for a Publish that is refused.
   * A failure undoes the claim, as any failure before the start does.
   */
  beforeStart?: () => Promise<void>;
}

/** The address a Publish notifies: the one named, else the offer's own; 400 with neither. */
export function notificationEmailOf({ offer, notificationEmail }: PublishRequest): string {
  const email = notificationEmail ?? offer.notificationEmail;
  if (email) return email;
  throw new DomainError('invalid_request', 'The request is not valid; see details.', [
    {
      path: 'notificationEmail',
      message: "required: the offer has no notificationEmail yet (set the offer's notification email)",
    },
  ]);
}

/**
 * Publish, complete or leave no trace (design.md "A refused request leaves nothing behind").
 * Order: claim on the status row first (it is what serialises concurrent Publish clicks and gives
 * the submission id), then the snapshot and the submission record, then the start. The claim must
 * come first, so it is the one write that needs an undo: any failure after it (its own index
 * refresh, the snapshot, the record, `beforeStart`, the start) puts the row back as it was and
 * deletes the record, and the answer is 500; a repeat claims the same id again. The one exception
 * is a start that failed to answer but happened: then the Publish took effect and is answered 202.
 * The snapshot blob of an undone claim stays unreferenced and is overwritten by the next claim.
 * A started Publish that named another email than the offer's makes it the offer's default.
 *
 * `clock` is the workflow's clock (the local host's one locally), so the submission's startedAt
 * agrees with its steps' times and its endedAt, however far the host clock was moved.
 * Resolves with the submission id once it is started (the route's 202).
 */
export async function publishOffer(
  services: Services,
  clock: Clock,
  client: OrchestrationClient,
  context: InvocationContext,
  request: PublishRequest,
): Promise<string> {
  const { offer, beforeStart } = request;
  const notificationEmail = notificationEmailOf(request);
  const { offerId } = offer;
  const now = (await clock.now()).toISOString();
  const recordOf = (submissionId: string) => runningRecord(offerId, submissionId, notificationEmail, now);
  const claimed: { claim?: Claim } = {};
  let startAttempted = false;
  let submissionId: string;
  try {
    submissionId = await claimSubmission(services, offer, notificationEmail, now, claimed);
    const record = recordOf(submissionId);
    await storeSubmission(services, offer, record);
    const input = inputFor(services, offer, submissionId, notificationEmail, record.snapshotBlobName);
    await beforeStart?.();
    startAttempted = true;
    await client.startNew(ORCHESTRATORS.publishSubmission, {
      instanceId: instanceIdFor(offerId, submissionId),
      input,
    });
  } catch (error) {
    const { claim } = claimed;
    if (!claim) throw error;
    // The start may have happened although its answer was lost: then the Publish took effect.
    const started = startAttempted ? await startedAnyway(client, offerId, claim.submissionId) : 'no';
    if (started === 'unknown') throw error;
    if (started === 'no') {
      await undoClaim(services, offerId, claim, recordOf(claim.submissionId), context);
      throw error;
    }
    submissionId = claim.submissionId;
  }
  await rememberEmail(services, offerId, notificationEmail, context);
  return submissionId;
}

/**
 * The address of a started Publish becomes the offer's default when it differs (api.md). The
 * Publish has taken effect whatever happens here: a failure is logged, never answered.
 */
async function rememberEmail(services: Services, offerId: string, email: string, context: InvocationContext) {
  try {
    // On the draft as stored now (it may have been saved since the Publish read it); the email is
    // not in the offer lists, so they need no refresh.
    await services.offers.updateUnlisted(offerId, (current) =>
      current.notificationEmail === email ? undefined : { ...current, notificationEmail: email },
    );
  } catch (error) {
    context.warn(
      `publish of ${offerId}: keeping its notification email as the default failed: ${String(error)}`,
    );
  }
}
