import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { ACTIVITIES } from '../shared/contracts/names';
import { RecordTransitionInput, recordTransitionInputSchema } from '../shared/contracts/activities';
import { applyTransition } from '../shared/domain/transitions';
import { notStartedStatus, OfferStatus } from '../shared/domain/status';
import { transitionEmail } from '../shared/domain/notifications';
import { snapshotBlobNameFor } from '../shared/domain/workflow';
import type { SubmissionRecord } from '../shared/ports/stores';
import { getServices, Services } from '../shared/services';
import { deliver } from './support/notify';
import { mailLinks, offerNameOf, readSnapshot } from './support/snapshot';

type Deps = Pick<
  Services,
  'statuses' | 'submissions' | 'history' | 'outbox' | 'blobs' | 'email' | 'settings'
>;

const TERMINAL = ['Failed', 'Canceled', 'Live'];

/**
 * Every step transition goes through here: the history row, the email, the offer status and the
 * submission record. Each write is idempotent by (submission, step, transition), because the
 * runtime may run this activity again after a crash or a retry.
 */
export function recordTransition(deps: Deps) {
  return async (raw: unknown, context?: InvocationContext): Promise<void> => {
    const t = recordTransitionInputSchema.parse(raw);
    await deps.history.append({
      offerId: t.offerId,
      submissionId: t.submissionId,
      step: t.step,
      state: t.transition,
      at: t.at,
      ...(t.message ? { message: t.message } : {}),
      ...(t.actor ? { actor: t.actor } : {}),
    });
    const record = await deps.submissions.get(t.offerId, t.submissionId);
    const to = record?.notificationEmail ?? (await deps.statuses.get(t.offerId))?.notificationEmail;
    // The email is in the outbox before the status shows the transition, so whoever sees the
    // new status (the portal, a script) also finds its notification.
    await notify(deps, t, to, record?.snapshotBlobName, context);
    const status = await updateStatus(deps, t);
    await updateSubmission(deps, t, status);
  };
}

async function updateStatus(deps: Deps, t: RecordTransitionInput): Promise<OfferStatus> {
  return deps.statuses.update(
    t.offerId,
    (current) => {
      const next = applyTransition(current, t);
      return next === current ? undefined : next;
    },
    () => notStartedStatus(t.offerId, t.at),
  );
}

async function updateSubmission(
  deps: Deps,
  t: RecordTransitionInput,
  status: OfferStatus,
): Promise<SubmissionRecord | undefined> {
  const record = await deps.submissions.get(t.offerId, t.submissionId);
  // A newer submission owns the status now: this one's record is left as it was.
  if (!record || status.submissionId !== t.submissionId) return record;
  const next: SubmissionRecord = {
    ...record,
    state: status.state,
    endedAt: TERMINAL.includes(status.state) ? (record.endedAt ?? t.at) : null,
    error: t.error ?? record.error,
  };
  if (JSON.stringify(next) !== JSON.stringify(record)) await deps.submissions.put(next);
  return next;
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
    { outbox: deps.outbox, email: deps.email, log: (m) => context?.warn(m) },
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
