import { InvocationContext } from '@azure/functions';
import { validatePackageBlob } from '../../functions/validatePackageBlob';
import { showPending } from '../../shared/actions/packageUpload';
import { CONTAINERS } from '../../shared/contracts/names';
import { uploadBlobName } from '../../shared/domain/uploadOrder';
import { blobCreatedEvent } from '../support/blobEvents';
import { OFFER_APP, appIdFor, appJson, withOwnAppId, zipPackage } from '../support/packages';
import { productServices, testStorageConnection } from '../faults/support';
import { startStorageProxy, type StorageProxy } from '../support/storageProxy';
import { uniqueOfferId } from './helpers';

/**
 * What the package trigger costs in storage requests (issue 29, docs/operations.md), counted by a
 * proxy in front of Azurite: an upload through the app (its sequence, its own blob, its Pending),
 * then its BlobCreated event handled by the real trigger. The trigger reads the version's receipt,
 * the upload counter, its attempts and the stored report in one query, keeps the route's Pending,
 * and stores the final report under the ETag of the report it read.
 */
let proxy: StorageProxy;

beforeAll(async () => {
  proxy = await startStorageProxy(testStorageConnection());
});

afterAll(async () => {
  await proxy.close();
});

it('reads the package report table once (one query) and writes it three times for an upload it validates', async () => {
  const services = productServices(proxy.connectionString);
  const offerId = uniqueOfferId('trigcost');
  const app = { ...OFFER_APP, id: appIdFor(offerId) };
  const at = new Date().toISOString();
  await services.offers.put({ offerId, publisherId: 'contoso', createdAt: at, updatedAt: at, app });
  const sequence = await services.packageReports.nextSequence(offerId);
  const storedAs = uploadBlobName(offerId, sequence, 'p.zip');
  const uploaded = await services.blobs.upload(
    { container: CONTAINERS.packages, name: storedAs },
    zipPackage(withOwnAppId(appJson(), offerId)),
  );
  await showPending(services, offerId, {
    blobName: `${offerId}/p.zip`,
    storedAs,
    etag: uploaded.etag,
    sequence,
  });
  const event = await blobCreatedEvent(CONTAINERS.packages, storedAs);
  const context = new InvocationContext({ functionName: 'validatePackageBlob', logHandler: () => undefined });

  const mark = proxy.operations.length;
  await validatePackageBlob(services, () => undefined)(event, context);
  const reports = proxy.operations
    .slice(mark)
    .filter((op) => op.table === 'PackageReports')
    .map(
      (op) =>
        `${op.method} ${op.path.includes("RowKey='latest'") ? 'latest' : op.path.includes('()') ? 'query' : 'row'}`,
    );

  expect((await services.packageReports.get(offerId))?.state).toBe('Passed');
  // One query (receipt, counter, attempts, report), the try's row, the final report, the receipt.
  expect(reports).toEqual(['GET query', 'PUT row', 'PUT latest', 'POST row']);
});

it("an upload's sequence and its Pending cost one query and two writes: the report is read with the counter", async () => {
  const services = productServices(proxy.connectionString);
  const offerId = uniqueOfferId('upcost');
  const at = new Date().toISOString();
  await services.offers.put({ offerId, publisherId: 'contoso', createdAt: at, updatedAt: at });
  for (const round of [1, 2]) {
    const mark = proxy.operations.length;
    const sequence = await services.packageReports.nextSequence(offerId);
    const storedAs = uploadBlobName(offerId, sequence, 'p.zip');
    await showPending(services, offerId, {
      blobName: `${offerId}/p.zip`,
      storedAs,
      etag: `"e${round}"`,
      sequence,
    });
    const reports = proxy.operations
      .slice(mark)
      .filter((op) => op.table === 'PackageReports')
      .map((op) => `${op.method} ${op.path.includes('()') ? 'query' : 'row'}`);
    expect([round, reports]).toEqual([
      round,
      ['GET query', expect.stringMatching(/^(POST|PUT) row$/), expect.stringMatching(/^(POST|PUT) row$/)],
    ]);
    expect(await services.packageReports.get(offerId)).toMatchObject({ state: 'Pending', sequence: round });
  }
});

it("another process's report stored between an upload's sequence and its Pending is read and compared, not overwritten", async () => {
  const services = productServices(proxy.connectionString);
  const offerId = uniqueOfferId('uprace');
  const sequence = await services.packageReports.nextSequence(offerId);
  // A later upload, in another process, stores its report first.
  const other = productServices(proxy.connectionString);
  const later = await other.packageReports.nextSequence(offerId);
  const laterAs = uploadBlobName(offerId, later, 'q.zip');
  await showPending(other, offerId, {
    blobName: `${offerId}/q.zip`,
    storedAs: laterAs,
    etag: '"later"',
    sequence: later,
  });
  const storedAs = uploadBlobName(offerId, sequence, 'p.zip');
  await showPending(services, offerId, {
    blobName: `${offerId}/p.zip`,
    storedAs,
    etag: '"earlier"',
    sequence,
  });
  expect(await services.packageReports.get(offerId)).toMatchObject({
    blobName: `${offerId}/q.zip`,
    sequence: later,
  });
});

it('a package that fits one block is written with one request; a larger one in blocks', async () => {
  const services = productServices(proxy.connectionString);
  const offerId = uniqueOfferId('putcost');
  await services.blobs.upload({ container: CONTAINERS.packages, name: `${offerId}/warm` }, Buffer.from('x'));
  async function* chunks(total: number) {
    for (let sent = 0; sent < total; sent += 1024 * 1024)
      yield Buffer.alloc(Math.min(1024 * 1024, total - sent), 7);
  }
  for (const [bytes, expected] of [
    [3 * 1024 * 1024, 1],
    [5 * 1024 * 1024, 3],
  ] as const) {
    const ref = { container: CONTAINERS.packages, name: `${offerId}/p-${bytes}.zip` };
    const mark = proxy.operations.length;
    const stored = await services.blobs.uploadStream(ref, chunks(bytes), { contentType: 'application/zip' });
    const writes = proxy.operations.slice(mark).filter((op) => op.path.endsWith(ref.name));
    expect([bytes, writes.length]).toEqual([bytes, expected]);
    expect((await services.blobs.info(ref))?.etag).toBe(stored.etag);
    expect((await services.blobs.download(ref))?.equals(Buffer.alloc(bytes, 7))).toBe(true);
  }
});
