import { makeUploadArtifact } from '../../functions/uploadArtifact';
import { CONTAINERS } from '../../shared/contracts/names';
import { jpeg, png } from '../support/images';
import { call, request, seedOffer, testServices, uniqueOfferId } from './support';

const services = testServices({ MAX_ARTIFACT_BYTES: String(1024 * 1024) });
const upload = makeUploadArtifact(services);

const put = (offerId: string, name: string, body: Buffer, type: string) =>
  call(
    upload,
    request('PUT', `offers/${offerId}/artifacts/${name}`, {
      as: 'ann',
      params: { offerId, name },
      body,
      headers: { 'content-type': type },
    }),
  );

/** A 1x1 GIF: a real image, but not one the storefront takes. */
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const stored = (offerId: string, name: string) =>
  services.blobs.info({ container: CONTAINERS.storefront, name: `${offerId}/${name}` });

describe('PUT /api/offers/{offerId}/artifacts/{name}: only PNG and JPEG images', () => {
  let offerId = '';
  beforeAll(async () => {
    offerId = uniqueOfferId('img');
    await seedOffer(services, offerId);
  });

  it('accepts a PNG and a JPEG of any size (the sizes are step 5’s and check’s findings)', async () => {
    expect((await put(offerId, 'logo.png', png(100, 50), 'image/png')).status).toBe(202);
    expect((await put(offerId, 'shot.jpg', jpeg(64, 36), 'image/jpeg')).status).toBe(202);
    expect((await stored(offerId, 'shot.jpg'))?.contentType).toBe('image/jpeg');
  });

  it('refuses another image type by its Content-Type: 415 unsupported_media_type', async () => {
    for (const type of ['image/gif', 'image/svg+xml', 'image/webp', 'application/octet-stream']) {
      const res = await put(offerId, 'x.gif', GIF, type);
      expect([type, res.status, res.body.error.code]).toEqual([type, 415, 'unsupported_media_type']);
      expect(res.body.error.message).toMatch(/image\/png or image\/jpeg/);
    }
    expect(await stored(offerId, 'x.gif')).toBeUndefined();
  });

  it('refuses bytes that are not the PNG or JPEG the Content-Type says: 400 with a clear message, nothing stored', async () => {
    const cases: [string, Buffer, string, RegExp][] = [
      ['text.png', Buffer.from('this is not an image'), 'image/png', /not a PNG or JPEG image/],
      ['gif.png', GIF, 'image/png', /GIF image; upload a PNG or JPEG/],
      ['jpeg.png', jpeg(8, 8), 'image/png', /image\/jpeg but Content-Type says image\/png/],
      ['png.jpg', png(8, 8), 'image/jpeg', /image\/png but Content-Type says image\/jpeg/],
      ['cut.png', png(216, 216).subarray(0, 12), 'image/png', /not a PNG or JPEG image/],
    ];
    for (const [name, bytes, type, message] of cases) {
      const res = await put(offerId, name, bytes, type);
      expect([name, res.status, res.body.error.code]).toEqual([name, 400, 'invalid_request']);
      expect(res.body.error.message).toMatch(message);
      expect(res.body.error.details).toEqual([{ path: '(body)', message: expect.stringMatching(message) }]);
      expect(await stored(offerId, name)).toBeUndefined();
    }
  });
});
