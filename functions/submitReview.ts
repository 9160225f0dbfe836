import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { EVENTS, FUNCTIONS } from '../shared/contracts/names';
import { offerIdSchema, reviewAreaSchema, reviewRequestSchema } from '../shared/contracts/api';
import { ReviewDecisionEvent } from '../shared/contracts/orchestration';
import { DomainError } from '../shared/domain/errors';
import { assertCanReview, canReviewArea } from '../shared/domain/rules';
import type { ReviewDecision } from '../shared/domain/status';
import { instanceIdFor } from '../shared/domain/transitions';
import { showDecision } from '../shared/actions/reviewDecision';
import { statusFor } from '../shared/http/access';
import { readJson, routeParam } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { OrchestrationClient, assertAlive } from '../shared/http/orchestrations';
import { callerOf } from '../shared/http/principal';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import type { Clock } from '../shared/ports/stores';
import { Services, getServices } from '../shared/services';
import { assertPlausibleDate } from '../shared/http/publishDate';

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

const UNDO_ATTEMPTS = 3;

/** Takes back a decision this request stored but could not deliver; retried, as it follows a failure. */
async function undoDecision(
  services: Services,
  offerId: string,
  submissionId: string,
  decision: ReviewDecision,
  context: InvocationContext,
) {
  for (let attempt = 1; attempt <= UNDO_ATTEMPTS; attempt++) {
    try {
      await services.decisions.remove(offerId, submissionId, decision);
      return;
    } catch (error) {
      if (attempt === UNDO_ATTEMPTS)
        context.warn(`review of ${offerId}: undoing an undelivered decision failed: ${String(error)}`);
    }
  }
}

/**
 * A reviewer's decision, complete or leave no trace. Order: stored first (insert-if-absent per
 * submission and area, which decides "once per area" under races), then told to the orchestration,
 * and only then shown in the status, which is what refuses later decisions once one is delivered.
 * - The raise fails: the decision this request stored is deleted again (if still unchanged) and
 *   the answer is 500, so a refused decision blocks no other one; the repeat stores it anew.
 * - The raise succeeded: the decision has taken effect, so a failure of the status write after it
 *   is logged and the answer is still 202. The offer was marked stale before the decision was
 *   stored, and the mark is taken back only once the status shows it: after a failure or a crash
 *   the reconciler's stale pass shows the decision and sends its event
 *   (shared/actions/reviewDecision.ts).
 * While a stored decision is not shown in the status (its request is still running, or its undo
 * failed), every request for the area delivers that decision, so none is stuck undelivered: the
 * same decision repeated is answered 202, another one 409 already_decided. Repeated events are
 * harmless: the orchestrator counts the first decision per area. An instance that is no longer
 * running takes no decision: 409 not_in_review before anything is stored.
 */
export function makeSubmitReview(services: Services, clock: Clock = services.clockFor(undefined)) {
  return guarded(
    async (
      request: HttpRequest,
      client: OrchestrationClient,
      context: InvocationContext,
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
      // Access is decided on the status row (it names the owner): no read of the offer.
      const { status, publisherId } = await statusFor(services, offerId, caller, 'read');
      const body = await readJson(request, reviewRequestSchema, services.settings.MAX_JSON_BODY_BYTES);
      // The workflow's clock judges how far ahead a date is, and stamps the decision (and its event).
      const now = await clock.now();
      if (body.publishDate) assertPlausibleDate(body.publishDate, now);
      assertCanReview(status, area);
      const submissionId = status.submissionId ?? '';
      const instanceId = instanceIdFor(offerId, submissionId);
      await assertAlive(client, instanceId, 'not_in_review', 'a review decision');
      const comments = body.comments?.trim() ? body.comments : undefined;
      const requested: ReviewDecision = {
        area,
        outcome: body.outcome,
        ...(comments ? { comments } : {}),
        ...(body.publishDate ? { publishDate: body.publishDate } : {}),
        reviewer: caller.name,
        decidedAt: now.toISOString(),
      };
      // Marked before anything is stored: from here on a failure or a crash leaves the offer in
      // the reconciler's stale list, whose pass shows a delivered decision and sends its event.
      const mark = await services.activeSubmissions.markStale(offerId, new Date().toISOString());
      const decision = await firstDecision(services, offerId, submissionId, requested);
      const event: ReviewDecisionEvent = decision;
      try {
        await client.raiseEvent(instanceId, EVENTS.reviewDecision, event);
      } catch (error) {
        if (decision === requested) await undoDecision(services, offerId, submissionId, decision, context);
        throw error;
      }
      try {
        if (await showDecision(services, offerId, submissionId, decision))
          await services.webhookDispatch(client).kick(offerId, publisherId);
        await services.activeSubmissions.removeStale(mark);
      } catch (error) {
        // Delivered, so it stands (202): the stale mark stays, and the reconciler shows it.
        context.warn(`review of ${offerId}: delivered, but not yet shown in the status: ${String(error)}`);
      }
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
  handler: guarded(async (request, client, context) => {
    // The workflow's clock (the local host's one locally) judges how far ahead a date is.
    const services = getServices();
    return makeSubmitReview(services, services.clockFor(client.taskHubName))(request, client, context);
  }),
});
