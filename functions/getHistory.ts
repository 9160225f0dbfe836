import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { transitionSentence } from '../shared/domain/notifications';
import { offerRequest } from '../shared/http/access';
import { guarded, json } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** Every step transition of every submission, in order of occurrence. */
export function makeGetHistory(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const { offerId } = await offerRequest(request, services.offers, 'read');
    const events = (await services.history.list(offerId)).map(
      ({ submissionId, step, state, at, message, actor }) => ({
        submissionId,
        step,
        state,
        at,
        message: message ?? transitionSentence(step, state),
        ...(actor !== undefined ? { actor } : {}),
      }),
    );
    return json(200, { events });
  });
}

app.http(FUNCTIONS.getHistory, {
  route: 'offers/{offerId}/history',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeGetHistory(getServices())(request, context),
});
