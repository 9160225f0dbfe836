import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { ACTIVITIES } from '../shared/contracts/names';
import {
  RecordTransitionInput,
  RecordTransitionResult,
  recordTransitionInputSchema,
} from '../shared/contracts/activities';
import { pendingCancel } from '../shared/domain/rules';
import { isEnded } from '../shared/domain/states';
import { applyTransition, endedBefore, instanceIdFor } from '../shared/domain/transitions';
import { notStartedStatus, OfferStatus } from '../shared/domain/status';
import { transitionEmail } from '../shared/domain/notifications';
import { snapshotBlobNameFor } from '../shared/domain/workflow';
import type { SubmissionRecord } from '../shared/ports/stores';
import { getServices, Services } from '../shared/services';
import { deliver, localEcho } from './support/notify';
import { mailLinks, offerNameOf, readSnapshot } from './support/snapshot';

type Deps = Pick<
  Services,
  'statuses' | 'submissions' | 'history' | 'outbox' | 'blobs' | 'email' | 'settings' | 'appClaims'
>;

/**
 * Every step transition goes through here: the history row, the email, the offer status and the
 * submission record. Each write is idempotent by (submission, step, transition), because the
 * runtime may run this activity again after a crash or a retry.
 *
 * Step 8's start is the one transition that can be refused: Cancel is accepted until step 8
 * starts, and both are decided on the status row, so the status goes first there. If the Cancel
 * route wrote its request on the row first, step 8 does not start (no history row, no email) and
 * the orchestrator is told, even if the Cancel's event has not reached it yet.
 */
export function recordTransition(deps: Deps) {
  return async (raw: unknown, context?: InvocationContext): Promise<RecordTransitionResult> => {
    const t = recordTransitionInputSchema.parse(raw);
    const stored = await deps.statuses.get(t.offerId);
    // The reconciler may have ended a submission whose orchestration then went on (an instance
    // that answered late): what it records now is not shown, emailed or kept.
    const ended = stored && endedBefore(stored, t);
    if (ended) {
      context?.warn(
        `${t.offerId} submission ${t.submissionId} ended before ${t.step} ${t.transition}: ignored`,
      );
      return { ended };
    }
    if (t.step === 'publish' && t.transition === 'started') {
      const refused = await startPublishing(deps, t);
      if (refused.cancelRequested) return refused;
    }
    await deps.history.append({
      offerId: t.offerId,
      submissionId: t.submissionId,
      step: t.step,
      state: t.transition,
      at: t.at,
      ...(t.message ? { message: t.message } : {}),
      ...(t.actor ? { actor: t.actor } : {}),
      ...(t.revision ? { revision: t.revision } : {}),
    });
    const record = await deps.submissions.get(t.offerId, t.submissionId);
    const to = record?.notificationEmail ?? stored?.notificationEmail;
    // The email is in the outbox before the status shows the transition, so whoever sees the
    // new status (the portal, a script) also finds its notification.
    await notify(deps, t, to, record?.snapshotBlobName, context);
    // Likewise the submission record: whoever sees `Live` in the status finds it Live in the list.
    await updateSubmission(deps, t, expectedStatus(stored, t));
    const status = await updateStatus(deps, t);
    await updateSubmission(deps, t, status); // a no-op unless the status write saw something newer
    // After the status: once the submission shows it ended, its app id is free for another offer.
    // A failed release throws and the activity is retried; reconcileAppClaims repairs the rest.
    if (t.transition === 'failed' || t.transition === 'canceled') {
      await releaseClaim(deps, t, record?.snapshotBlobName);
    }
    return {};
  };
}

/** The status this transition will produce from the one read first (the write itself may still find a newer). */
function expectedStatus(stored: OfferStatus | undefined, t: RecordTransitionInput): OfferStatus {
  return applyTransition(stored ?? initialFor(t)(), t);
}

async function updateStatus(deps: Deps, t: RecordTransitionInput): Promise<OfferStatus> {
  return deps.statuses.update(t.offerId, (current) => transitioned(current, t), initialFor(t));
}

/** The status after the transition, or undefined when it already shows it (a retry, a stale one). */
function transitioned(current: OfferStatus, t: RecordTransitionInput): OfferStatus | undefined {
  const next = applyTransition(current, t);
  return next === current || JSON.stringify(next) === JSON.stringify(current) ? undefined : next;
}

function initialFor(t: RecordTransitionInput): () => OfferStatus {
  return () => notStartedStatus(t.offerId, t.at);
}

/** Step 8 starts on the status row only if no Cancel of this submission is on it (same ETag-checked write). */
async function startPublishing(deps: Deps, t: RecordTransitionInput): Promise<RecordTransitionResult> {
  const seen: RecordTransitionResult = {};
  await deps.statuses.update(
    t.offerId,
    (current) => {
      const cancel = pendingCancel(current, t.submissionId);
      seen.cancelRequested = cancel && { actor: cancel.actor, at: cancel.at };
      if (!cancel) return transitioned(current, t);
      // Marked as honoured on the row, so a Cancel route whose raise failed meanwhile knows its
      // Cancel took effect and answers 202 instead of undoing it (cancelSubmission.ts).
      return cancel.honored ? undefined : { ...current, cancelRequest: { ...cancel, honored: true } };
    },
    initialFor(t),
  );
  return seen.cancelRequested ? seen : {};
}

async function updateSubmission(
  deps: Deps,
  t: RecordTransitionInput,
  status: OfferStatus,
): Promise<SubmissionRecord | undefined> {
  const stored = await deps.submissions.get(t.offerId, t.submissionId);
  // A newer submission owns the status now: this one's record is left as it was.
  if (status.submissionId !== t.submissionId) return stored;
  // No record, yet the status shows this submission: a Publish whose claim could not be undone
  // (design.md "Nothing stays stuck"). The reconciler ends it; the list must show it too.
  const record = stored ?? recordFromStatus(t, status);
  const next: SubmissionRecord = {
    ...record,
    state: status.state,
    endedAt: isEnded(status.state) ? (record.endedAt ?? t.at) : null,
    error: t.error ?? record.error,
  };
  if (JSON.stringify(next) !== JSON.stringify(stored)) await deps.submissions.put(next);
  return next;
}

function recordFromStatus(t: RecordTransitionInput, status: OfferStatus): SubmissionRecord {
  return {
    offerId: t.offerId,
    submissionId: t.submissionId,
    instanceId: instanceIdFor(t.offerId, t.submissionId),
    state: status.state,
    notificationEmail: status.notificationEmail ?? '',
    startedAt: status.steps[0]?.startedAt ?? status.updatedAt,
    endedAt: null,
    error: null,
  };
}

/** The submission ended without going live: the app id its step 2 claimed is released (design.md). */
async function releaseClaim(
  deps: Deps,
  t: RecordTransitionInput,
  snapshotBlobName: string | undefined,
): Promise<void> {
  const snapshot = await readSnapshot(
    deps.blobs,
    snapshotBlobName ?? snapshotBlobNameFor(t.offerId, t.submissionId),
  );
  const appId = (snapshot as { app?: { id?: unknown } } | undefined)?.app?.id;
  if (typeof appId === 'string' && appId !== '')
    await deps.appClaims.release(appId, t.offerId, t.submissionId);
}

async function notify(
  deps: Deps,
  t: RecordTransitionInput,
  to: string | null | undefined,
  snapshotBlobName: string | undefined,
  context?: InvocationContext,
): Promise<void> {
  if (!to) return;
  const snapshot = await readSnapshot(
    deps.blobs,
    snapshotBlobName ?? snapshotBlobNameFor(t.offerId, t.submissionId),
  );
  const mail = transitionEmail({ ...t, offerName: offerNameOf(snapshot) }, mailLinks(deps));
  await deliver(
    {
      outbox: deps.outbox,
      email: deps.email,
      log: (m) => context?.warn(m),
      echo: localEcho(deps.settings, (line) => context?.log(line)),
    },
    {
      offerId: t.offerId,
      submissionId: t.submissionId,
      key: `${t.submissionId}|${t.step}|${t.transition}`,
      to,
      subject: mail.subject,
      text: mail.text,
      step: t.step,
      transition: t.transition,
      sentAt: t.at,
    },
  );
}

df.app.activity(ACTIVITIES.recordTransition, {
  handler: (input: unknown, context: InvocationContext) => recordTransition(getServices())(input, context),
});
