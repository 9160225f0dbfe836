import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { uploadUrlRequestSchema } from '../shared/contracts/api';
import { CONTAINERS, FUNCTIONS } from '../shared/contracts/names';
import { DomainError } from '../shared/domain/errors';
import { offerRequest } from '../shared/http/access';
import { readJson } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { packageFileName } from '../shared/http/fileName';
import { SEQUENCE_METADATA, uploadBlobName } from '../shared/domain/uploadOrder';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** How long an upload URL stays valid: api.md allows at most 15 minutes. */
export const UPLOAD_URL_LIFETIME_MS = 15 * 60 * 1000;

/**
 * `POST /api/offers/{offerId}/package/upload-url` (owner): a URL that can write exactly one blob
 * for 15 minutes and nothing else: this upload's own blob `{offerId}/uploads/{sequence}/{fileName}`
 * (shared/domain/uploadOrder.ts), shown and answered as `{offerId}/{fileName}`, so no other upload
 * of that file name can overwrite its bytes. The client PUTs the bytes
 * straight to storage (block uploads for large files), so packages never pass through the app,
 * and validation runs from the blob's event as for any other upload. The size is checked here
 * against the limit; storage cannot enforce it on a SAS, so the trigger checks the blob's size
 * before reading it: a blob over the limit gets a Failed report (`package.too-large`) and is deleted.
 * The answer's `headers` carry the upload's sequence (latest upload wins, uploadOrder.ts).
 */
export function makeCreatePackageUploadUrl(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const { offerId } = await offerRequest(request, services.offers, 'owner');
    const body = await readJson(request, uploadUrlRequestSchema, services.settings.MAX_JSON_BODY_BYTES);
    const limit = services.settings.MAX_PACKAGE_BYTES;
    if (body.size > limit) {
      throw new DomainError(
        'payload_too_large',
        `The package is ${body.size} bytes; the limit is ${limit} bytes.`,
        [{ path: 'size', message: `at most ${limit}` }],
      );
    }
    const fileName = packageFileName(body.fileName, Buffer.alloc(0));
    const blobName = `${offerId}/${fileName}`;
    const expiresAt = new Date(services.now().getTime() + UPLOAD_URL_LIFETIME_MS);
    // The upload's place in the offer's upload order, taken when it is accepted: its blob's name
    // carries it. (The metadata header repeats it, for clients of the earlier answer.)
    const sequence = await services.packageReports.nextSequence(offerId);
    const uploadUrl = await services.blobs.writeOnlyUrl(
      { container: CONTAINERS.packages, name: uploadBlobName(offerId, sequence, fileName) },
      expiresAt,
    );
    return json(201, {
      uploadUrl,
      blobName,
      expiresAt: expiresAt.toISOString(),
      headers: { 'x-ms-blob-type': 'BlockBlob', [`x-ms-meta-${SEQUENCE_METADATA}`]: String(sequence) },
      uploadSequence: sequence,
    });
  });
}

app.http(FUNCTIONS.createPackageUploadUrl, {
  route: 'offers/{offerId}/package/upload-url',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeCreatePackageUploadUrl(getServices())(request, context),
});
