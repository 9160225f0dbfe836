import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { offerIdSchema } from '../shared/contracts/api';
import { offerFor } from '../shared/http/access';
import { routeParam } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { callerOf } from '../shared/http/principal';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** Every step transition of every submission, in order of occurrence. */
export function makeGetHistory(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOf(request);
    const offerId = routeParam(request, 'offerId', offerIdSchema);
    await offerFor(services.offers, offerId, caller, 'read');
    const events = (await services.history.list(offerId)).map(
      ({ submissionId, step, state, at, message, actor }) => ({
        submissionId,
        step,
        state,
        at,
        ...(message !== undefined ? { message } : {}),
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
