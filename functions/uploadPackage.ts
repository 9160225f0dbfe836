import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS, CONTAINERS } from '../shared/contracts/names';
import { DomainError } from '../shared/domain/errors';
import { showPending } from '../shared/actions/packageUpload';
import { SEQUENCE_METADATA, uploadBlobName } from '../shared/domain/uploadOrder';
import { offerRequest } from '../shared/http/access';
import { requireMediaType } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { packageFileName } from '../shared/http/fileName';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * Request bodies reach handlers as streams (the worker's HTTP proxy), not as one buffer: this route
 * writes a package to storage as it arrives, and refuses an oversized one before reading it.
 * The setting is app-wide; every other route reads its (small) body the same way as before.
 */
app.setup({ enableHttpStream: true });

const PACKAGE_TYPES = ['application/octet-stream', 'application/zip', 'application/x-zip-compressed'];

function tooLarge(limit: number): DomainError {
  return new DomainError(
    'payload_too_large',
    `The package is larger than the limit of ${limit} bytes; use POST .../package/upload-url for large packages.`,
  );
}

/** The body's chunks, failing with 413 as soon as more than `limit` bytes arrived (a client may lie). */
async function* bounded(first: Uint8Array, rest: ReadableStreamDefaultReader<Uint8Array>, limit: number) {
  let size = first.byteLength;
  yield first;
  for (;;) {
    const { done, value } = await rest.read();
    if (done) return;
    size += value.byteLength;
    if (size > limit) {
      rest.releaseLock(); // not cancelled: see readBytes in shared/http/body.ts
      throw tooLarge(limit);
    }
    yield value;
  }
}

/** The first non-empty chunk: it names an unnamed package (zip or .app) and tells an empty body. */
async function firstChunk(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Uint8Array | undefined> {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return undefined;
    if (value.byteLength > 0) return value;
  }
}

/**
 * Stores the package for `packages/{offerId}/{file}` (the name answered and shown), in the upload's
 * own blob `{offerId}/uploads/{sequence}/{file}` (shared/domain/uploadOrder.ts), so two uploads of
 * one file name never overwrite each other's bytes. Validation runs from the blob's event, not
 * here, as for a direct upload. The report reads Pending until it has run.
 * For small packages: the Functions host in Azure refuses bodies over 100 MB, so large ones go
 * straight to storage through an upload URL. The body is never held: a declared Content-Length
 * over the limit is refused before reading, and the bytes are staged to storage as they arrive,
 * counted, and refused once past the limit (nothing is committed then).
 */
export function makeUploadPackage(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const { offerId } = await offerRequest(request, services.offers, 'owner');
    requireMediaType(
      request,
      (t) => PACKAGE_TYPES.includes(t),
      'application/octet-stream or application/zip',
    );
    const limit = services.settings.MAX_PACKAGE_BYTES;
    const declared = Number(request.headers.get('content-length') ?? '0');
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
    const reader = request.body?.getReader();
    const first = reader ? await firstChunk(reader) : undefined;
    if (!reader || !first) {
      throw new DomainError('invalid_request', 'The package is empty.', [
        { path: '(body)', message: 'no bytes' },
      ]);
    }
    if (first.byteLength > limit) {
      reader.releaseLock(); // not cancelled: see readBytes in shared/http/body.ts
      throw tooLarge(limit);
    }
    const name = packageFileName(request.headers.get('x-file-name'), Buffer.from(first.subarray(0, 4)));
    const blobName = `${offerId}/${name}`;
    // The upload's place in the offer's upload order, taken when it is accepted (a number left
    // unused by a refused upload is harmless: only the order matters).
    const sequence = await services.packageReports.nextSequence(offerId);
    const ref = { container: CONTAINERS.packages, name: uploadBlobName(offerId, sequence, name) };
    const stored = await services.blobs.uploadStream(ref, bounded(first, reader, limit), {
      contentType: 'application/octet-stream',
      metadata: { [SEQUENCE_METADATA]: String(sequence) },
    });
    await showPending(services, offerId, { blobName, storedAs: ref.name, etag: stored.etag, sequence });
    return json(202, { blobName });
  });
}

app.http(FUNCTIONS.uploadPackage, {
  route: 'offers/{offerId}/package',
  methods: ['PUT'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeUploadPackage(getServices())(request, context),
});
