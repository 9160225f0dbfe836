import { makeGetPackageValidation } from '../../functions/getPackageValidation';
import { makeGetPreview } from '../../functions/getPreview';
import { makeGetPreviewPackage } from '../../functions/getPreviewPackage';
import { makeUploadArtifact } from '../../functions/uploadArtifact';
import { png } from '../support/images';
import { makeUploadPackage } from '../../functions/uploadPackage';
import { CONTAINERS } from '../../shared/contracts/names';
import { completedReport } from '../../shared/domain/package/report';
import {
  answer,
  at,
  call,
  context,
  request,
  seedOffer,
  seedStatus,
  testServices,
  uniqueOfferId,
} from './support';

const services = testServices();
const uploadPackage = makeUploadPackage(services);
const uploadArtifact = makeUploadArtifact(services);
const getReport = makeGetPackageValidation(services);
const getPreview = makeGetPreview(services);
const getPreviewPackage = makeGetPreviewPackage(services);

const ZIP = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(60, 1)]);
const APP = Buffer.concat([Buffer.from('NAVX'), Buffer.alloc(60, 2)]);

const putPackage = (offerId: string, body: Buffer, headers: Record<string, string>) =>
  call(
    uploadPackage,
    request('PUT', `offers/${offerId}/package`, { as: 'ann', params: { offerId }, body, headers }),
  );

describe('PUT /api/offers/{offerId}/package', () => {
  it('stores the bytes in container packages under the offer and answers 202 {blobName}', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const res = await putPackage(offerId, APP, {
      'content-type': 'application/octet-stream',
      'x-file-name': 'Contoso_Sales_1.2.0.0.app',
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ blobName: `${offerId}/Contoso_Sales_1.2.0.0.app` });
    // The upload's own blob (shared/domain/uploadOrder.ts), named by its Pending report.
    const storedAs = (await services.packageReports.get(offerId))?.storedAs ?? '';
    expect(storedAs).toMatch(new RegExp(`^${offerId}/uploads/\\d+/Contoso_Sales_1\\.2\\.0\\.0\\.app$`));
    const stored = await services.blobs.download({ container: CONTAINERS.packages, name: storedAs });
    expect(stored?.equals(APP)).toBe(true);
  });

  it('keeps only a plain file name, and names it by its bytes without one', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const traversal = await putPackage(offerId, ZIP, {
      'content-type': 'application/zip',
      'x-file-name': '../../other/evil name.zip',
    });
    expect(traversal.body.blobName).toBe(`${offerId}/evil-name.zip`);
    const zip = await putPackage(offerId, ZIP, { 'content-type': 'application/zip' });
    expect(zip.body.blobName).toBe(`${offerId}/package.zip`);
    const app = await putPackage(offerId, APP, {
      'content-type': 'application/octet-stream',
      'x-file-name': '..',
    });
    expect(app.body.blobName).toBe(`${offerId}/package.app`);
  });

  it('is 415 for another content type, 413 over the limit, 400 when empty', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const json = await putPackage(offerId, ZIP, { 'content-type': 'application/json' });
    expect([json.status, json.body.error.code]).toEqual([415, 'unsupported_media_type']);
    const big = await putPackage(offerId, Buffer.alloc(5000), { 'content-type': 'application/octet-stream' });
    expect([big.status, big.body.error.code]).toEqual([413, 'payload_too_large']);
    const empty = await putPackage(offerId, Buffer.alloc(0), { 'content-type': 'application/octet-stream' });
    expect([empty.status, empty.body.error.code]).toEqual([400, 'invalid_request']);
  });

  it("is 403 for another publisher's offer and 404 for an unknown one", async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId, 'fabrikam');
    const other = await putPackage(offerId, APP, { 'content-type': 'application/octet-stream' });
    expect([other.status, other.body.error.code]).toEqual([403, 'forbidden']);
    const unknown = await putPackage(uniqueOfferId(), APP, { 'content-type': 'application/octet-stream' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'offer_not_found']);
  });
});

describe('PUT /api/offers/{offerId}/artifacts/{name}', () => {
  const put = (offerId: string, name: string, body: Buffer, type: string) =>
    call(
      uploadArtifact,
      request('PUT', `offers/${offerId}/artifacts/${name}`, {
        as: 'ann',
        params: { offerId, name },
        body,
        headers: { 'content-type': type },
      }),
    );

  it('stores an image in container storefront under the offer', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const image = png(216, 216);
    const res = await put(offerId, 'logo-216.png', image, 'image/png');
    expect([res.status, res.body]).toEqual([202, { blobName: `${offerId}/logo-216.png` }]);
    expect(
      (await services.blobs.info({ container: CONTAINERS.storefront, name: res.body.blobName }))?.size,
    ).toBe(image.length);
  });

  it('is 400 for a bad name, 415 for a non-image, 413 over the limit', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const name = await put(offerId, '..%2Fx.png', Buffer.alloc(10), 'image/png');
    expect([name.status, name.body.error.details[0].path]).toEqual([400, 'name']);
    const text = await put(offerId, 'logo.png', Buffer.alloc(10), 'text/plain');
    expect(text.status).toBe(415);
    const big = await put(offerId, 'logo.png', Buffer.alloc(3000), 'image/png');
    expect(big.status).toBe(413);
  });
});

describe('GET /api/offers/{offerId}/package-validation', () => {
  const get = (offerId: string, as: 'ann' | 'tom' | 'bob' = 'ann') =>
    call(getReport, request('GET', `offers/${offerId}/package-validation`, { as, params: { offerId } }));

  it('is 404 before any package and the stored report after', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const none = await get(offerId);
    expect(none.status).toBe(404);
    // api.md: 404 is `offer_not_found`, the one 404 code of the contract.
    expect(none.body.error.code).toBe('offer_not_found');
    const report = completedReport({
      blobName: `${offerId}/package.app`,
      now: '2030-01-01T00:00:00.000Z',
      findings: [
        { rule: 'manifest.version-mismatch', severity: 'error', message: 'version 1.0.0.0 is not 1.2.0.0' },
      ],
      manifest: { format: 'app', id: 'x', version: '1.0.0.0', idRanges: [], dependencies: [] },
    });
    await services.packageReports.put(offerId, report);
    const res = await get(offerId, 'tom');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      blobName: `${offerId}/package.app`,
      state: 'Failed',
      findings: [{ rule: 'manifest.version-mismatch', severity: 'error' }],
      manifest: { version: '1.0.0.0' },
      validatedAt: '2030-01-01T00:00:00.000Z',
    });
    expect((await get(offerId, 'bob')).status).toBe(403);
  });

  it('always has the manifest field of api.md: null when the archive could not be read', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const report = completedReport({
      blobName: `${offerId}/garbage.app`,
      now: '2030-01-01T00:00:00.000Z',
      findings: [{ rule: 'navx.bad-magic', severity: 'error', message: 'not a .app' }],
    });
    await services.packageReports.put(offerId, report);
    const res = await get(offerId);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      blobName: `${offerId}/garbage.app`,
      state: 'Failed',
      manifest: null,
      findings: [{ rule: 'navx.bad-magic', severity: 'error', message: 'not a .app' }],
      validatedAt: '2030-01-01T00:00:00.000Z',
    });
  });
});

describe('GET /api/offers/{offerId}/preview?hidekey=K', () => {
  const preview = (offerId: string, hidekey?: string) =>
    call(
      getPreview,
      request('GET', `offers/${offerId}/preview`, { params: { offerId }, query: hidekey ? { hidekey } : {} }),
    );

  async function atSignoff(): Promise<string> {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    await services.blobs.upload(
      { container: CONTAINERS.previews, name: `${offerId}/1/preview.zip` },
      ZIP,
      'application/zip',
    );
    await seedStatus(
      services,
      offerId,
      at('WaitingForPublisher', 'publisher-signoff', {
        hidekey: 'right-key',
        previewBlobName: `${offerId}/1/preview.zip`,
      }),
    );
    return offerId;
  }

  it('answers the preview manifest and a download link without identity, never the secrets', async () => {
    const offerId = await atSignoff();
    const res = await preview(offerId, 'right-key');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      offerId,
      submissionId: '1',
      manifest: { name: 'Contoso Sales Insights', app: { version: '1.2.0.0' } },
      package: { url: `https://publish.example/api/offers/${offerId}/preview/package?hidekey=right-key` },
    });
    expect(JSON.stringify(res.body)).not.toContain('UseDevelopmentStorage');
    const download = answer(
      await getPreviewPackage(
        request('GET', `offers/${offerId}/preview/package`, {
          params: { offerId },
          query: { hidekey: 'right-key' },
        }),
        context().context,
      ),
    );
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/zip');
  });

  it('answers a wrong, missing or outdated key exactly like an unknown offer', async () => {
    const offerId = await atSignoff();
    const unknownBody = (id: string) => ({
      error: { code: 'offer_not_found', message: `No offer '${id}' exists.` },
    });
    for (const key of ['wrong-key', undefined, 'right-ke', 'right-key-and-more']) {
      const res = await preview(offerId, key);
      expect([res.status, res.body]).toEqual([404, unknownBody(offerId)]);
    }
    const unknownId = uniqueOfferId();
    expect((await preview(unknownId, 'right-key')).body).toEqual(unknownBody(unknownId));
    // A new submission retires the old key.
    await seedStatus(services, offerId, at('Running', 'validate-prerequisites', {}, '2'));
    expect((await preview(offerId, 'right-key')).status).toBe(404);
    const pkg = await getPreviewPackage(
      request('GET', `offers/${offerId}/preview/package`, {
        params: { offerId },
        query: { hidekey: 'right-key' },
      }),
      context().context,
    );
    expect(pkg.status).toBe(404);
  });
});
