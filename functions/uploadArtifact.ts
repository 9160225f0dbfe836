import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS, CONTAINERS } from '../shared/contracts/names';
import { artifactNameSchema, offerIdSchema } from '../shared/contracts/api';
import { describeImage } from '../shared/adapters/previewPackage';
import { DomainError } from '../shared/domain/errors';
import { ARTIFACT_MEDIA_TYPES, artifactImageProblem } from '../shared/domain/storefront';
import { offerFor } from '../shared/http/access';
import { mediaTypeOf, readBytes, requireMediaType, routeParam } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { callerOf } from '../shared/http/principal';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

const accepted = (type: string) => (ARTIFACT_MEDIA_TYPES as readonly string[]).includes(type);

/**
 * Stores a storefront image as blob `storefront/{offerId}/{name}`, the name the offer refers to.
 * Only PNG and JPEG are storefront images: another Content-Type is 415, bytes that are not a PNG
 * or JPEG (whatever the header says) are 400, so a bad image is refused here rather than at step 5
 * after a submission's worth of emails. The pixel sizes stay step 5's rules (and check's findings):
 * a draft's images may be replaced before Publish.
 */
export function makeUploadArtifact(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOf(request);
    const offerId = routeParam(request, 'offerId', offerIdSchema);
    const name = routeParam(request, 'name', artifactNameSchema);
    await offerFor(services.offers, offerId, caller, 'owner');
    requireMediaType(request, accepted, 'image/png or image/jpeg');
    const bytes = await readBytes(request, services.settings.MAX_ARTIFACT_BYTES);
    if (bytes.length === 0) {
      throw new DomainError('invalid_request', 'The image is empty.', [
        { path: '(body)', message: 'no bytes' },
      ]);
    }
    const image = describeImage(bytes);
    const problem = artifactImageProblem(mediaTypeOf(request), image);
    if (problem) {
      throw new DomainError('invalid_request', `The upload is not a storefront image: ${problem}.`, [
        { path: '(body)', message: problem },
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
