import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { offerRequest } from '../shared/http/access';
import { guarded, json } from '../shared/http/errors';
import { questionPage } from '../shared/http/questions';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * The questions of the offer's reviews with their answers, newest question first, a page at a
 * time (`top`, `continuation`, as GET /api/offers).
 */
export function makeListQuestions(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const { offerId } = await offerRequest(request, services.offers, 'read');
    return json(200, await questionPage(services, request, offerId));
  });
}

app.http(FUNCTIONS.listQuestions, {
  route: 'offers/{offerId}/questions',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeListQuestions(getServices())(request, context),
});
