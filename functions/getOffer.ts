import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { offerIdSchema } from '../shared/contracts/api';
import { maskSecrets } from '../shared/domain/offer';
import { offerFor } from '../shared/http/access';
import { routeParam } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { callerOf } from '../shared/http/principal';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

export function makeGetOffer(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOf(request);
    const offerId = routeParam(request, 'offerId', offerIdSchema);
    const offer = await offerFor(services.offers, offerId, caller, 'read');
    return json(200, maskSecrets(offer));
  });
}

app.http(FUNCTIONS.getOffer, {
  route: 'offers/{offerId}',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeGetOffer(getServices())(request, context),
});
