import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { CONTAINERS, FUNCTIONS } from '../shared/contracts/names';
import { guarded } from '../shared/http/errors';
import { offerNotFound } from '../shared/http/access';
import { statusForHidekey } from '../shared/http/preview';
import { PUBLIC_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** The preview package (zip) behind the preview's download link; the same hidekey opens it. */
export function makeGetPreviewPackage(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const status = await statusForHidekey(services.statuses, request);
    const blobName = status.previewBlobName ?? '';
    const bytes = await services.blobs.download({ container: CONTAINERS.previews, name: blobName });
    if (!bytes) throw offerNotFound(status.offerId);
    const fileName = blobName.split('/').pop() || 'preview.zip';
    return {
      status: 200,
      body: bytes,
      headers: {
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      },
    };
  });
}

app.http(FUNCTIONS.getPreviewPackage, {
  route: 'offers/{offerId}/preview/package',
  methods: ['GET'],
  authLevel: PUBLIC_AUTH_LEVEL,
  handler: (request, context) => makeGetPreviewPackage(getServices())(request, context),
});
