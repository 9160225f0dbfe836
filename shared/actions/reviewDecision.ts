import { EVENTS } from '../contracts/names';
import type { ReviewDecisionEvent } from '../contracts/orchestration';
import { isActive } from '../domain/states';
import { reviewDecidedEvent } from '../domain/webhooks';
import { ReviewDecision, notStartedStatus } from '../domain/status';
import { instanceIdFor } from '../domain/transitions';
import type { OrchestrationClient } from '../http/orchestrations';
import type { Services } from '../services';

/**
 * Shows a delivered decision in the status (so the view and the rules see it) with its
 * `offer.review.decided` webhook event in the same write: the event exists exactly once, when the
 * decision is first shown (api.md "Webhooks"). False when it was shown already or the submission
 * is not this one any more.
 */
export async function showDecision(
  services: Pick<Services, 'timeline'>,
  offerId: string,
  submissionId: string,
  decision: ReviewDecision,
): Promise<boolean> {
  const { written } = await services.timeline.updateWithEvents(
    offerId,
    (current) =>
      current.submissionId === submissionId && !current.reviews?.[decision.area]
        ? { ...current, reviews: { ...current.reviews, [decision.area]: decision } }
        : undefined,
    () => [reviewDecidedEvent(submissionId, decision)],
    () => notStartedStatus(offerId, decision.decidedAt),
  );
  return written;
}

/**
 * The reconciler's repair of a review request that stopped after its raise (its status write
 * failed, or its process died): every stored decision of the running submission that the status
 * does not show yet is raised again (harmless: the orchestrator counts the first decision per
 * area, as for a repeated request) and shown. With `deliver` false (the request may still be at
 * work) it only counts them.
 */
export async function showStoredDecisions(
  services: Pick<Services, 'timeline' | 'statuses' | 'decisions'>,
  client: Pick<OrchestrationClient, 'raiseEvent'>,
  offerId: string,
  deliver: boolean,
): Promise<{ shown: number; unshown: number }> {
  const status = await services.statuses.get(offerId);
  const submissionId = status?.submissionId;
  if (!status || !submissionId || !isActive(status.state)) return { shown: 0, unshown: 0 };
  const missing = (await services.decisions.list(offerId, submissionId)).filter(
    (d) => !status.reviews?.[d.area],
  );
  if (!deliver) return { shown: 0, unshown: missing.length };
  let shown = 0;
  for (const decision of missing) {
    const event: ReviewDecisionEvent = decision;
    await client.raiseEvent(instanceIdFor(offerId, submissionId), EVENTS.reviewDecision, event);
    if (await showDecision(services, offerId, submissionId, decision)) shown++;
  }
  return { shown, unshown: 0 };
}
