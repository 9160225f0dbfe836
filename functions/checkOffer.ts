import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { checkOffer } from '../shared/domain/offerCheck';
import { loadStorefront } from '../shared/adapters/storefrontArtifacts';
import { offerRequest } from '../shared/http/access';
import { guarded, json } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * Every check of Publish that needs no submission, on the stored draft, for an editor to show
 * beside its fields. Reads only: nothing is stored and nobody is emailed. The request body, if
 * any, is not read.
 */
export function makeCheckOffer(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const { offerId, offer } = await offerRequest(request, services.offers, 'owner');
    const [artifacts, report, status] = await Promise.all([
      loadStorefront(services.blobs, offer),
      services.packageReports.get(offerId),
      services.statuses.get(offerId),
    ]);
    const findings = checkOffer({ offer, artifacts, report, lastLiveVersion: status?.lastLiveVersion });
    return json(200, { findings });
  });
}

app.http(FUNCTIONS.checkOffer, {
  route: 'offers/{offerId}/check',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeCheckOffer(getServices())(request, context),
});
