/**
 * POST /api/offers/{offerId}/package/upload-url: a write-only SAS for exactly one blob of
 * container `packages`, valid at most 15 minutes, checked against the tests' Azurite with the
 * real @azure/storage-blob client.
 */
import { BlobClient, BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import { makeCreatePackageUploadUrl } from '../../functions/createPackageUploadUrl';
import { CONTAINERS } from '../../shared/contracts/names';
import { noise } from '../support/packages';
import { Person, call, request, seedOffer, testServices, uniqueOfferId } from './support';

const services = testServices({ MAX_PACKAGE_BYTES: String(200 * 1024 * 1024) });
const handler = makeCreatePackageUploadUrl(services);

interface UploadUrl {
  uploadUrl: string;
  blobName: string;
  expiresAt: string;
  headers: Record<string, string>;
}

const ask = (offerId: string, body: unknown, as: Person | 'nobody' = 'ann') =>
  call(
    handler,
    request('POST', `offers/${offerId}/package/upload-url`, {
      as: as === 'nobody' ? undefined : as,
      params: { offerId },
      body,
    }),
  );

/** The same SAS on another URL path (another blob, the container), as an attacker would try. */
function withSasOf(uploadUrl: string, path: string): string {
  const url = new URL(uploadUrl);
  const other = new URL(url.toString());
  other.pathname = path;
  return other.toString();
}

const statusOf = async (work: Promise<unknown>) =>
  work.then(
    () => 'succeeded',
    (e: { statusCode?: number }) => e.statusCode,
  );

describe('POST /api/offers/{offerId}/package/upload-url', () => {
  it('answers 201 with a URL for packages/{offerId}/{fileName}, valid at most 15 minutes', async () => {
    const offerId = uniqueOfferId('url');
    await seedOffer(services, offerId);
    const before = Date.now();
    const res = await ask(offerId, { fileName: 'SalesInsights_1.2.0.0.app', size: 5 * 1024 * 1024 });
    expect(res.status).toBe(201);
    const body = res.body as UploadUrl;
    expect(body.blobName).toBe(`${offerId}/SalesInsights_1.2.0.0.app`);
    expect(body.headers).toEqual({
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-meta-uploadsequence': expect.any(String),
    });
    const expires = Date.parse(body.expiresAt);
    expect(expires).toBeGreaterThan(before);
    expect(expires - before).toBeLessThanOrEqual(15 * 60 * 1000 + 1000);
    const url = new URL(body.uploadUrl);
    // The upload's own blob (shared/domain/uploadOrder.ts): {offerId}/uploads/{sequence}/{fileName}.
    expect(decodeURIComponent(url.pathname)).toMatch(
      new RegExp(`/${CONTAINERS.packages}/${offerId}/uploads/\\d+/SalesInsights_1\\.2\\.0\\.0\\.app$`),
    );
    expect(url.searchParams.get('sp')).toBe('cw');
    expect(url.searchParams.get('sr')).toBe('b');
    expect(Date.parse(url.searchParams.get('se') ?? '')).toBe(Math.floor(expires / 1000) * 1000);
  });

  it('writes that blob with block uploads, and cannot read, list or write another name', async () => {
    const offerId = uniqueOfferId('url');
    await seedOffer(services, offerId);
    const body = (await ask(offerId, { fileName: 'p.app', size: 5 * 1024 * 1024 })).body as UploadUrl;
    const bytes = noise(5 * 1024 * 1024, 3);
    const writer = new BlockBlobClient(body.uploadUrl);
    // 1 MiB blocks: Put Block x5 then Put Block List, as browsers and the SDK do for large files.
    await writer.uploadData(bytes, { blockSize: 1024 * 1024, maxSingleShotSize: 1024 * 1024 });
    const storedAs = decodeURIComponent(new URL(body.uploadUrl).pathname).split(
      `/${CONTAINERS.packages}/`,
    )[1];
    const stored = await services.blobs.download({ container: CONTAINERS.packages, name: storedAs ?? '' });
    expect(stored?.equals(bytes)).toBe(true);
    // A second upload to the same name (a retry) is allowed: create + write.
    await writer.upload(bytes.subarray(0, 10), 10);

    expect(await statusOf(new BlobClient(body.uploadUrl).downloadToBuffer())).toBe(403);
    expect(await statusOf(new BlobClient(body.uploadUrl).getProperties())).toBe(403);
    const container = new ContainerClient(
      withSasOf(body.uploadUrl, new URL(body.uploadUrl).pathname.replace(/\/[^/]+\/[^/]+$/, '')),
    );
    expect(await statusOf(container.listBlobsFlat().next())).toBe(403);
    const sibling = new BlockBlobClient(
      withSasOf(body.uploadUrl, new URL(body.uploadUrl).pathname.replace(/p\.app$/, 'other.app')),
    );
    expect(await statusOf(sibling.upload('x', 1))).toBe(403);
    const otherOffer = new BlockBlobClient(
      withSasOf(body.uploadUrl, new URL(body.uploadUrl).pathname.replace(offerId, 'someone-else')),
    );
    expect(await statusOf(otherOffer.upload('x', 1))).toBe(403);
    expect(
      await services.blobs.info({ container: CONTAINERS.packages, name: `${offerId}/other.app` }),
    ).toBeUndefined();
  });

  it('is 413 payload_too_large when the declared size is over the limit', async () => {
    const offerId = uniqueOfferId('url');
    await seedOffer(services, offerId);
    const res = await ask(offerId, { fileName: 'big.app', size: 200 * 1024 * 1024 + 1 });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: 'payload_too_large' } });
    const atLimit = await ask(offerId, { fileName: 'big.app', size: 200 * 1024 * 1024 });
    expect(atLimit.status).toBe(201);
  });

  it('validates the body with details, and keeps the name inside the offer', async () => {
    const offerId = uniqueOfferId('url');
    await seedOffer(services, offerId);
    const bad = await ask(offerId, { fileName: '', size: -1, extra: true });
    expect(bad.status).toBe(400);
    const paths = (bad.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path);
    expect(paths.sort()).toEqual(['extra', 'fileName', 'size']);
    const missing = await ask(offerId, {});
    expect(missing.status).toBe(400);
    const climbing = (await ask(offerId, { fileName: '../../other/x.app', size: 10 })).body as UploadUrl;
    expect(climbing.blobName).toBe(`${offerId}/x.app`);
  });

  it('is for the owner only: 401 without a principal, 403 for another publisher, 404 for no offer', async () => {
    const offerId = uniqueOfferId('url');
    await seedOffer(services, offerId);
    const body = { fileName: 'p.app', size: 10 };
    expect((await ask(offerId, body, 'nobody')).status).toBe(401);
    expect((await ask(offerId, body, 'bob')).status).toBe(403);
    expect((await ask(uniqueOfferId('none'), body)).status).toBe(404);
  });
});
