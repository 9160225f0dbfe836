/**
 * Issue 22, "Latest upload wins" (design.md): eight uploads in a row, each a few milliseconds after
 * the last, through PUT .../package and through upload URLs (the real SDK's PUT straight to
 * Azurite), then their validations finish in every order fast-check generates. The stored report
 * is always the eighth upload's. The host serves only the upload routes here, so the test decides
 * when each validation runs (it invokes the package trigger with the blob's event itself).
 */
import { InvocationContext } from '@azure/functions';
import fc from 'fast-check';
import { validatePackageBlob } from '../../functions/validatePackageBlob';
import { CONTAINERS } from '../../shared/contracts/names';
import { RunningHost, startHost } from '../support/host';
import { blobCreatedEvent } from '../support/blobEvents';
import { appJson, zipPackage, withOwnAppId } from '../support/packages';
import { PEOPLE } from '../support/principals';
import { publisherSteps } from '../support/scenario';
import { testServices, uniqueOfferId } from '../steps/helpers';

let host: RunningHost;
const services = testServices();

beforeAll(async () => {
  host = await startHost({
    main: 'dist/functions/{putOffer,uploadPackage,createPackageUploadUrl,getPackageValidation}.js',
  });
});
afterAll(async () => {
  await host?.stop();
});

/** One invocation of the package trigger for `blobName`, as the host makes it from the blob's event. */
async function validate(blobName: string): Promise<void> {
  // An earlier upload's own blob is deleted once a later report is stored: its event (delivered
  // late) then names a blob that is gone, which the trigger skips.
  const event = await blobCreatedEvent(CONTAINERS.packages, blobName).catch(() => ({
    eventType: 'Microsoft.Storage.BlobCreated',
    subject: `/blobServices/default/containers/${CONTAINERS.packages}/blobs/${blobName}`,
  }));
  const context = new InvocationContext({ functionName: 'validatePackageBlob', logHandler: () => undefined });
  await validatePackageBlob(services, () => undefined)(event, context);
}

type Channel = 'api' | 'url';

/** An upload: the name the API answers, and its own blob (shared/domain/uploadOrder.ts). */
interface Uploaded {
  blobName: string;
  storedAs: string;
}

/** Uploads through the API route under a distinct file name. */
async function putNamed(offerId: string, fileName: string, bytes: Buffer): Promise<Uploaded> {
  const res = await fetch(`${host.baseUrl}/api/offers/${offerId}/package`, {
    method: 'PUT',
    headers: {
      'x-ms-client-principal': PEOPLE.ann,
      'content-type': 'application/octet-stream',
      'x-file-name': fileName,
    },
    body: bytes,
  });
  expect(res.status).toBe(202);
  const { blobName } = (await res.json()) as { blobName: string };
  // Its Pending report (the latest so far: no validation ran yet) names its blob.
  return { blobName, storedAs: (await services.packageReports.get(offerId))?.storedAs ?? '' };
}

async function uploadEight(offerId: string, channels: Channel[]): Promise<Uploaded[]> {
  const p = publisherSteps(host.baseUrl, offerId);
  const names: Uploaded[] = [];
  for (const [i, channel] of channels.entries()) {
    const manifest = withOwnAppId(appJson(), offerId);
    if (channel === 'api') names.push(await putNamed(offerId, `p${i}.zip`, zipPackage(manifest)));
    else {
      const { blobName, uploadUrl } = (await p.uploadPackageThroughUrl(manifest, `p${i}.zip`)).body;
      const storedAs = decodeURIComponent(new URL(uploadUrl).pathname).split('/packages/')[1] ?? '';
      names.push({ blobName, storedAs });
    }
  }
  return names;
}

describe('latest upload wins, whatever order the validations finish in', () => {
  it('keeps the eighth upload’s report for uploads milliseconds apart (API and upload URLs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Channel>('api', 'url'), { minLength: 8, maxLength: 8 }),
        fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6, 7], { minLength: 8, maxLength: 8 }),
        async (channels, finishing) => {
          const offerId = uniqueOfferId('order8');
          const p = publisherSteps(host.baseUrl, offerId);
          expect([200, 201]).toContain((await p.describe()).status);
          const names = await uploadEight(offerId, channels);
          for (const i of finishing) await validate(names[i]?.storedAs ?? '');
          const report = await p.call<{ blobName: string; state: string }>(
            'ann',
            'GET',
            `/api/offers/${offerId}/package-validation`,
          );
          expect(report.status).toBe(200);
          expect(report.body.blobName).toBe(names[7]?.blobName);
          expect(report.body.state).toBe('Passed');
        },
      ),
      { numRuns: 8, seed: 2222 },
    );
  });

  it('keeps the eighth upload’s report when all eight go through the API route', async () => {
    const offerId = uniqueOfferId('order-api');
    const p = publisherSteps(host.baseUrl, offerId);
    await p.describe();
    const names = await uploadEight(offerId, Array<Channel>(8).fill('api'));
    for (const i of [7, 6, 5, 4, 3, 2, 1, 0]) await validate(names[i]?.storedAs ?? '');
    const report = await p.call<{ blobName: string }>(
      'ann',
      'GET',
      `/api/offers/${offerId}/package-validation`,
    );
    expect(report.body.blobName).toBe(names[7]?.blobName);
  });

  it('keeps the eighth upload’s report when all eight go through upload URLs', async () => {
    const offerId = uniqueOfferId('order-url');
    const p = publisherSteps(host.baseUrl, offerId);
    await p.describe();
    const names = await uploadEight(offerId, Array<Channel>(8).fill('url'));
    for (const i of [7, 6, 5, 4, 3, 2, 1, 0]) await validate(names[i]?.storedAs ?? '');
    const report = await p.call<{ blobName: string }>(
      'ann',
      'GET',
      `/api/offers/${offerId}/package-validation`,
    );
    expect(report.body.blobName).toBe(names[7]?.blobName);
  });
});
