/**
 * The large-upload path end to end on the local host: the owner asks for an upload URL, PUTs the
 * package straight to storage (Azurite) with the real @azure/storage-blob client in blocks, and the
 * blob trigger validates it. Nothing of the package passes through the function app.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlockBlobClient } from '@azure/storage-blob';
import { RunningHost, startHost } from '../support/host';
import {
  OFFER_APP,
  ZipEntrySpec,
  appIdFor,
  navxAttributes,
  navxManifest,
  writeAppFile,
} from '../support/packages';
import { asPerson } from '../support/principals';
import { fullDraft, uniqueOfferId } from './support';

const MiB = 1024 * 1024;
let host: RunningHost;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'upload-url-'));
  host = await startHost({ env: { PUBLIC_BASE_URL: 'https://publish.example' } });
});
afterAll(async () => {
  await host?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A valid .app of about `bytes`: the manifest of OFFER_APP (with the offer's own app id) and incompressible stored content. */
function* packageEntries(offerId: string, bytes: number): Generator<ZipEntrySpec> {
  const manifest = navxManifest({ ...navxAttributes(), Id: appIdFor(offerId) });
  yield { name: 'NavxManifest.xml', data: Buffer.from(manifest) };
  yield { name: 'logo/contoso.png', data: Buffer.from('89504e470d0a1a0a', 'hex'), method: 0 };
  for (let i = 0, left = bytes; left > 0; i++, left -= 4 * MiB) {
    yield { name: `bin/part${i}.bin`, data: randomBytes(Math.min(4 * MiB, left)), method: 0 };
  }
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, tries = 600): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('condition not reached');
}

interface Report {
  blobName: string;
  state: string;
  findings: { rule: string; severity: string }[];
}

async function uploadThroughUrl(offerId: string, sizeBytes: number): Promise<Report> {
  const file = path.join(dir, `${offerId}.app`);
  await writeAppFile(file, packageEntries(offerId, sizeBytes));
  const size = statSync(file).size;
  const asked = await host.request(
    'POST',
    `/api/offers/${offerId}/package/upload-url`,
    { fileName: 'SalesInsights.app', size },
    asPerson('ann'),
  );
  expect(asked.status).toBe(201);
  const { uploadUrl, blobName, headers } = asked.json<{
    uploadUrl: string;
    blobName: string;
    headers: Record<string, string>;
  }>();
  expect(headers['x-ms-blob-type']).toBe('BlockBlob');
  // Block uploads (Put Block, then Put Block List), as a browser or script does for large files.
  await new BlockBlobClient(uploadUrl).uploadFile(file, {
    blockSize: 8 * MiB,
    maxSingleShotSize: 4 * MiB,
    concurrency: 4,
  });
  rmSync(file);
  const report = await until(
    async () =>
      await host.request('GET', `/api/offers/${offerId}/package-validation`, undefined, asPerson('ann')),
    (res) =>
      res.status === 200 &&
      res.json<Report>().blobName === blobName &&
      res.json<Report>().state !== 'Pending',
  );
  return report.json<Report>();
}

describe('packages uploaded through the upload URL', () => {
  it.each([
    ['5 MB', 5 * 1000 * 1000],
    ['150 MB', 150 * 1000 * 1000],
  ])(
    'validates a %s package uploaded straight to storage',
    async (_label, bytes) => {
      const offerId = uniqueOfferId('big');
      const created = await host.request(
        'PUT',
        `/api/offers/${offerId}`,
        { ...fullDraft(), app: { ...OFFER_APP, id: appIdFor(offerId) } },
        asPerson('ann'),
      );
      expect(created.status).toBe(201);
      const report = await uploadThroughUrl(offerId, bytes);
      expect(report.blobName).toBe(`${offerId}/SalesInsights.app`);
      expect([report.state, report.findings.filter((f) => f.severity === 'error')]).toEqual(['Passed', []]);
    },
    240_000,
  );
});
