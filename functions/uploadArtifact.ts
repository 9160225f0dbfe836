import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS, CONTAINERS } from '../shared/contracts/names';
import { artifactNameSchema, offerIdSchema } from '../shared/contracts/api';
import { DomainError } from '../shared/domain/errors';
import { offerFor } from '../shared/http/access';
import { mediaTypeOf, readBytes, requireMediaType, routeParam } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { callerOf } from '../shared/http/principal';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** Formats and pixel sizes are checked by AppSource packaging (step 5); here only "an image". */
const isImage = (type: string) => /^image\/[\w.+-]+$/.test(type);

/** Stores a storefront image as blob `storefront/{offerId}/{name}`, the name the offer refers to. */
export function makeUploadArtifact(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOf(request);
    const offerId = routeParam(request, 'offerId', offerIdSchema);
    const name = routeParam(request, 'name', artifactNameSchema);
    await offerFor(services.offers, offerId, caller, 'owner');
    requireMediaType(request, isImage, 'an image type such as image/png');
    const bytes = await readBytes(request, services.settings.MAX_ARTIFACT_BYTES);
    if (bytes.length === 0) {
      throw new DomainError('invalid_request', 'The image is empty.', [
        { path: '(body)', message: 'no bytes' },
      ]);
    }
    const blobName = `${offerId}/${name}`;
    await services.blobs.upload(
      { container: CONTAINERS.storefront, name: blobName },
      bytes,
      mediaTypeOf(request),
    );
    return json(202, { blobName });
  });
}

app.http(FUNCTIONS.uploadArtifact, {
  route: 'offers/{offerId}/artifacts/{name}',
  methods: ['PUT'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeUploadArtifact(getServices())(request, context),
});
