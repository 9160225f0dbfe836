import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { ACTIVITIES } from '../shared/contracts/names';
import { escalateReviewInputSchema } from '../shared/contracts/activities';
import { reviewEscalationEmail } from '../shared/domain/notifications';
import { isInReview } from '../shared/domain/rules';
import type { OfferStatus } from '../shared/domain/status';
import { getServices, Services } from '../shared/services';
import { deliver, localEcho } from '../shared/notify/delivery';
import { mailLinks, offerNameOf, readSnapshot } from '../shared/notify/snapshot';

type Deps = Pick<Services, 'statuses' | 'outbox' | 'email' | 'blobs' | 'settings'>;

const STEP = 'marketing-technical-validation';

/** The review SLA passed: step 7 shows overdue and the review team gets one escalation email. */
export function escalateReview(deps: Deps) {
  return async (raw: unknown, context?: InvocationContext): Promise<void> => {
    const input = escalateReviewInputSchema.parse(raw);
    const status = await deps.statuses.update(
      input.offerId,
      (current) => markOverdue(current, input.submissionId, input.at),
      () => {
        throw new Error(`offer ${input.offerId} has no status`);
      },
    );
    if (status.submissionId !== input.submissionId) return;
    const snapshot = await readSnapshot(deps.blobs, input.snapshotBlobName);
    const mail = reviewEscalationEmail({ ...input, offerName: offerNameOf(snapshot) }, mailLinks(deps));
    await deliver(
      {
        outbox: deps.outbox,
        email: deps.email,
        log: (m) => context?.warn(m),
        echo: localEcho(deps.settings, (line) => context?.log(line)),
      },
      {
        offerId: input.offerId,
        submissionId: input.submissionId,
        key: `${input.submissionId}|${STEP}|escalated`,
        to: deps.settings.REVIEW_ESCALATION_EMAIL,
        subject: mail.subject,
        text: mail.text,
        step: STEP,
        transition: 'escalated',
        sentAt: input.at,
      },
    );
  };
}

function markOverdue(current: OfferStatus, submissionId: string, at: string): OfferStatus | undefined {
  if (current.submissionId !== submissionId || !isInReview(current)) return undefined;
  if (current.steps.find((s) => s.id === STEP)?.overdue) return undefined;
  return {
    ...current,
    steps: current.steps.map((s) => (s.id === STEP ? { ...s, overdue: true } : s)),
    updatedAt: at,
  };
}

df.app.activity(ACTIVITIES.escalateReview, {
  handler: (input: unknown, context: InvocationContext) => escalateReview(getServices())(input, context),
});
