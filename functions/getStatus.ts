import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { offerIdSchema } from '../shared/contracts/api';
import { notStartedStatus } from '../shared/domain/status';
import { offerFor } from '../shared/http/access';
import { routeParam } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { callerOf } from '../shared/http/principal';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { statusView } from '../shared/http/statusView';
import { Services, getServices } from '../shared/services';

/** The stored status (kept by the orchestration's transitions), shaped for this caller. */
export function makeGetStatus(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOf(request);
    const offerId = routeParam(request, 'offerId', offerIdSchema);
    const offer = await offerFor(services.offers, offerId, caller, 'read');
    const status = (await services.statuses.get(offerId)) ?? notStartedStatus(offerId, offer.updatedAt);
    return json(200, statusView(status, caller, offer.publisherId, services.settings.PUBLIC_BASE_URL));
  });
}

app.http(FUNCTIONS.getStatus, {
  route: 'offers/{offerId}/status',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeGetStatus(getServices())(request, context),
});
