import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS, CONTAINERS } from '../shared/contracts/names';
import { DomainError } from '../shared/domain/errors';
import { pendingReport } from '../shared/domain/package/report';
import { offerRequest } from '../shared/http/access';
import { readBytes, requireMediaType } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { packageFileName } from '../shared/http/fileName';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

const PACKAGE_TYPES = ['application/octet-stream', 'application/zip', 'application/x-zip-compressed'];

/**
 * Stores the package as blob `packages/{offerId}/{file}`: the same as uploading it directly,
 * so validation runs from the blob trigger, not here. The report reads Pending until it has run.
 */
export function makeUploadPackage(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const { offerId } = await offerRequest(request, services.offers, 'owner');
    requireMediaType(
      request,
      (t) => PACKAGE_TYPES.includes(t),
      'application/octet-stream or application/zip',
    );
    const bytes = await readBytes(request, services.settings.MAX_PACKAGE_BYTES);
    if (bytes.length === 0) {
      throw new DomainError('invalid_request', 'The package is empty.', [
        { path: '(body)', message: 'no bytes' },
      ]);
    }
    const blobName = `${offerId}/${packageFileName(request.headers.get('x-file-name'), bytes)}`;
    // Pending first, so a read right after this 202 never shows the previous package's verdict;
    // written before the blob exists, it cannot overwrite the trigger's report for this upload.
    await services.packageReports.put(offerId, pendingReport(blobName, services.now().toISOString()));
    await services.blobs.upload(
      { container: CONTAINERS.packages, name: blobName },
      bytes,
      'application/octet-stream',
    );
    return json(202, { blobName });
  });
}

app.http(FUNCTIONS.uploadPackage, {
  route: 'offers/{offerId}/package',
  methods: ['PUT'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeUploadPackage(getServices())(request, context),
});
