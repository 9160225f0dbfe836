import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { isInReview } from '../shared/domain/rules';
import { notStartedStatus } from '../shared/domain/status';
import { offerRequest } from '../shared/http/access';
import { guarded, json } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { statusView } from '../shared/http/statusView';
import { Services, getServices } from '../shared/services';

/** The stored status (kept by the orchestration's transitions), shaped for this caller. */
export function makeGetStatus(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const { caller, offerId, offer } = await offerRequest(request, services.offers, 'read');
    const status = (await services.statuses.get(offerId)) ?? notStartedStatus(offerId, offer.updatedAt);
    // One point read, and only while step 7 runs: the other states show no count.
    const openQuestions =
      isInReview(status) && status.submissionId
        ? await services.questions.openCount(offerId, status.submissionId)
        : undefined;
    return json(
      200,
      statusView(status, caller, offer.publisherId, services.settings.PUBLIC_BASE_URL, openQuestions),
    );
  });
}

app.http(FUNCTIONS.getStatus, {
  route: 'offers/{offerId}/status',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeGetStatus(getServices())(request, context),
});
