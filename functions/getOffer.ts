import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { maskSecrets } from '../shared/domain/offer';
import { offerRequest } from '../shared/http/access';
import { guarded, json } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

export function makeGetOffer(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const { offer } = await offerRequest(request, services.offers, 'read');
    return json(200, maskSecrets(offer));
  });
}

app.http(FUNCTIONS.getOffer, {
  route: 'offers/{offerId}',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeGetOffer(getServices())(request, context),
});
