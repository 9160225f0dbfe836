/**
 * Issue 28 item 10: the staging blobs of the ingestion API. Once a package was processed its
 * fileSasUri can no longer change it (storage refuses the write), and the bytes of packages the
 * product no longer needs are dropped. Through a real local host and Azurite.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { RunningHost, startHost } from '../support/host';
import {
  annToken,
  deliveryApps,
  describedOffer,
  ingestion,
  Ingestion,
  MAIN,
  PackageResource,
  uniqueOffer,
  uploadPackage,
} from './support';

jest.setTimeout(180_000);

let host: RunningHost;
let client: Ingestion;
let productId: string;
let apps: ReturnType<typeof deliveryApps>;

beforeAll(async () => {
  host = await startHost();
  const offerId = uniqueOffer('ingest-blobs');
  productId = await describedOffer(host.baseUrl, offerId);
  client = ingestion(host.baseUrl, productId, annToken());
  apps = deliveryApps(offerId);
});
afterAll(async () => {
  await host?.stop();
});

const writeThrough = (fileSasUri: string, bytes: Buffer) =>
  fetch(fileSasUri, {
    method: 'PUT',
    headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'application/octet-stream' },
    body: bytes,
  });

/** The blob a package's fileSasUri writes: `{productId}-{packageId}`. */
function stagingBlob(packageId: string) {
  const connection = process.env.TEST_STORAGE_CONNECTION ?? '';
  const name = `${productId}-${packageId}`;
  return BlobServiceClient.fromConnectionString(connection)
    .getContainerClient('ingestion')
    .getBlobClient(name);
}

async function created(): Promise<PackageResource> {
  const res = await client.post<PackageResource>('/packages', { resourceType: MAIN, fileName: 'main.app' });
  expect(res.status).toBe(201);
  return res.body;
}

describe('ingestion staging blobs', () => {
  it('a processed package cannot be rewritten through its fileSasUri: storage refuses, the bytes stay', async () => {
    const pkg = await created();
    expect((await writeThrough(pkg.fileSasUri, apps.main)).status).toBe(201);
    const processed = await client.put<PackageResource>(`/packages/${pkg.id}`, { ...pkg, state: 'Uploaded' });
    expect(processed.body.state).toBe('Processed');
    const late = await writeThrough(pkg.fileSasUri, Buffer.from('NAVX but not the processed package'));
    console.log(`a write through fileSasUri after processing answered ${late.status}`);
    expect(late.status).toBe(412);
    expect((await stagingBlob(pkg.id).downloadToBuffer()).equals(apps.main)).toBe(true);
  });

  it('a package processed before its file came is ProcessFailed, and its fileSasUri cannot write it afterwards', async () => {
    const pkg = await created();
    const processed = await client.put<PackageResource>(`/packages/${pkg.id}`, { ...pkg, state: 'Uploaded' });
    expect(processed.body.state).toBe('ProcessFailed');
    expect((await writeThrough(pkg.fileSasUri, apps.main)).status).toBe(412);
    expect((await stagingBlob(pkg.id).getProperties()).contentLength).toBe(0);
  });

  it('a failed upload keeps no bytes, and a package the product let go keeps none either', async () => {
    const junk = await uploadPackage(client, MAIN, 'junk.app', Buffer.from('not a package at all'));
    expect(junk.state).toBe('ProcessFailed');
    expect((await stagingBlob(junk.id).getProperties()).contentLength).toBe(0);
    const first = await created();
    expect((await writeThrough(first.fileSasUri, apps.main)).status).toBe(201);
    const processed = await client.put<PackageResource>(`/packages/${first.id}`, {
      ...first,
      state: 'Uploaded',
    });
    expect(processed.body.state).toBe('Processed');
    expect((await stagingBlob(first.id).getProperties()).contentLength).toBe(apps.main.length);
    // Ten newer packages: the product keeps the last ten (none is configured), so `first` goes.
    for (let i = 0; i < 10; i++) await created();
    expect((await client.get(`/packages/${first.id}`)).status).toBe(404);
    // Its fileSasUri is still valid for minutes: the blob stays, empty and locked, for the lifecycle rule.
    expect((await stagingBlob(first.id).getProperties()).contentLength).toBe(0);
    expect((await writeThrough(first.fileSasUri, apps.main)).status).toBe(412);
  });
});
