import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { DomainError } from '../shared/domain/errors';
import { offerRequest } from '../shared/http/access';
import { guarded, json } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** The latest package report, as the blob trigger stored it. */
export function makeGetPackageValidation(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const { offerId } = await offerRequest(request, services.offers, 'read');
    const report = await services.packageReports.get(offerId);
    // api.md has one 404 code, offer_not_found; the message says it is the package that is missing.
    if (!report) throw new DomainError('offer_not_found', `No package was uploaded for offer '${offerId}'.`);
    const { blobName, state, manifest, findings, validatedAt } = report;
    // api.md's shape always has `manifest`: null while pending or when the archive was unreadable.
    return json(200, { blobName, state, manifest: manifest ?? null, findings, validatedAt });
  });
}

app.http(FUNCTIONS.getPackageValidation, {
  route: 'offers/{offerId}/package-validation',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeGetPackageValidation(getServices())(request, context),
});
