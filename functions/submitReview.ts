import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { EVENTS, FUNCTIONS } from '../shared/contracts/names';
import { offerIdSchema, reviewAreaSchema, reviewRequestSchema } from '../shared/contracts/api';
import { ReviewDecisionEvent } from '../shared/contracts/orchestration';
import { DomainError } from '../shared/domain/errors';
import { assertCanReview, canReviewArea } from '../shared/domain/rules';
import { ReviewDecision, notStartedStatus } from '../shared/domain/status';
import { instanceIdFor } from '../shared/domain/transitions';
import { offerFor } from '../shared/http/access';
import { readJson, routeParam } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import type { OrchestrationClient } from '../shared/http/orchestrations';
import { callerOf } from '../shared/http/principal';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** Records the decision in the status (so the view and the rules see it); a stale submission is left alone. */
async function recordInStatus(
  services: Services,
  offerId: string,
  submissionId: string,
  decision: ReviewDecision,
) {
  await services.statuses.update(
    offerId,
    (current) =>
      current.submissionId === submissionId && !current.reviews?.[decision.area]
        ? { ...current, reviews: { ...current.reviews, [decision.area]: decision } }
        : undefined,
    () => notStartedStatus(offerId, decision.decidedAt),
  );
}

/** The same decision sent again (a retry), as opposed to another one for the same area. */
function sameDecision(a: ReviewDecision, b: ReviewDecision): boolean {
  return (
    a.area === b.area &&
    a.reviewer === b.reviewer &&
    a.outcome === b.outcome &&
    (a.comments ?? '') === (b.comments ?? '') &&
    (a.publishDate ?? '') === (b.publishDate ?? '')
  );
}

/**
 * The decision that counts for this area: this one when it is the first stored (insert-if-absent
 * per submission and area makes "once per area" hold under races), else the one stored first.
 */
async function firstDecision(
  services: Services,
  offerId: string,
  submissionId: string,
  decision: ReviewDecision,
): Promise<ReviewDecision> {
  if (await services.decisions.add(offerId, submissionId, decision)) return decision;
  const stored = (await services.decisions.list(offerId, submissionId)).find((d) => d.area === decision.area);
  if (!stored) throw new Error(`the ${decision.area} decision of ${offerId}/${submissionId} vanished`);
  return stored;
}

/**
 * A reviewer's decision, raise or fail: stored first, then told to the orchestration, and only
 * then shown in the status, which is what refuses later decisions once one is delivered. Until
 * then (its request failed with a 500, or is still running) every request for the area delivers
 * the decision stored first, so it is never stuck undelivered: the same decision repeated is
 * answered 202, another one 409 already_decided. Repeated events are harmless: the orchestrator
 * counts the first decision per area.
 */
export function makeSubmitReview(services: Services) {
  return guarded(
    async (
      request: HttpRequest,
      client: OrchestrationClient,
      _context: InvocationContext,
    ): Promise<HttpResponseInit> => {
      const caller = callerOf(request);
      const offerId = routeParam(request, 'offerId', offerIdSchema);
      const area = routeParam(request, 'area', reviewAreaSchema);
      if (!canReviewArea(caller, area)) {
        throw new DomainError(
          'forbidden',
          `Only a ${area} reviewer (or Admin) may decide the ${area} review.`,
        );
      }
      const offer = await offerFor(services.offers, offerId, caller, 'read');
      const body = await readJson(request, reviewRequestSchema, services.settings.MAX_JSON_BODY_BYTES);
      const status = (await services.statuses.get(offerId)) ?? notStartedStatus(offerId, offer.updatedAt);
      assertCanReview(status, area);
      const submissionId = status.submissionId ?? '';
      const requested: ReviewDecision = {
        area,
        outcome: body.outcome,
        ...(body.comments ? { comments: body.comments } : {}),
        ...(body.publishDate ? { publishDate: body.publishDate } : {}),
        reviewer: caller.name,
        decidedAt: services.now().toISOString(),
      };
      const decision = await firstDecision(services, offerId, submissionId, requested);
      const event: ReviewDecisionEvent = decision;
      await client.raiseEvent(instanceIdFor(offerId, submissionId), EVENTS.reviewDecision, event);
      await recordInStatus(services, offerId, submissionId, decision);
      if (decision !== requested && !sameDecision(decision, requested)) {
        throw new DomainError(
          'already_decided',
          `The ${area} review of submission ${submissionId} is already decided.`,
        );
      }
      return json(202, { offerId, submissionId });
    },
  );
}

df.app.client.http(FUNCTIONS.submitReview, {
  route: 'offers/{offerId}/reviews/{area}',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, client, context) => makeSubmitReview(getServices())(request, client, context),
});
