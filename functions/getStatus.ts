import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { isInReview } from '../shared/domain/rules';
import { notStartedStatus } from '../shared/domain/status';
import { offerIdSchema } from '../shared/contracts/api';
import { canRead, type Caller } from '../shared/domain/identity';
import { DomainError } from '../shared/domain/errors';
import { offerFor } from '../shared/http/access';
import { routeParam } from '../shared/http/body';
import { callerOf } from '../shared/http/principal';
import { guarded, json } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { statusView } from '../shared/http/statusView';
import { Services, getServices } from '../shared/services';

/**
 * The stored status (kept by the orchestration's step changes), shaped for this caller. One point
 * read: the status row names its owner. Only an offer never published (no status row yet, or one
 * written before it named its owner) costs a second read, of the offer.
 */
export function makeGetStatus(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOf(request);
    const offerId = routeParam(request, 'offerId', offerIdSchema);
    const stored = await services.statuses.get(offerId);
    const offer = stored?.publisherId ? undefined : await offerFor(services.offers, offerId, caller, 'read');
    const publisherId = offer?.publisherId ?? ownerChecked(stored?.publisherId ?? '', offerId, caller);
    const status = stored ?? notStartedStatus(offerId, offer?.updatedAt ?? new Date(0).toISOString());
    // One point read, and only while step 7 runs: the other states show no count.
    const openQuestions =
      isInReview(status) && status.submissionId
        ? await services.questions.openCount(offerId, status.submissionId)
        : undefined;
    return json(
      200,
      statusView(status, caller, publisherId, services.settings.PUBLIC_BASE_URL, openQuestions),
    );
  });
}

/** The same answer offerFor gives for an existing offer of another publisher (403). */
function ownerChecked(publisherId: string, offerId: string, caller: Caller): string {
  if (!canRead(caller, publisherId))
    throw new DomainError('forbidden', `Offer '${offerId}' belongs to another publisher.`);
  return publisherId;
}

app.http(FUNCTIONS.getStatus, {
  route: 'offers/{offerId}/status',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeGetStatus(getServices())(request, context),
});
