import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { offerRequest } from '../shared/http/access';
import { guarded, json } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** Every submission of the offer, oldest first (earlier submissions stay readable). */
export function makeListSubmissions(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const { offerId } = await offerRequest(request, services.offers, 'read');
    const records = await services.submissions.list(offerId);
    const submissions = records.map(({ submissionId, state, startedAt, endedAt, error }) => ({
      submissionId,
      state,
      startedAt,
      endedAt,
      error,
    }));
    return json(200, { submissions });
  });
}

app.http(FUNCTIONS.listSubmissions, {
  route: 'offers/{offerId}/submissions',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeListSubmissions(getServices())(request, context),
});
