/**
 * design.md "Validation holds no package in memory": a package over the limit that arrives
 * through an upload URL (the SAS cannot cap its size) gets a Failed report `package.too-large`
 * and is deleted, through the local host, its blob events and the real SDK upload to Azurite.
 */
import { randomBytes } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { CONTAINERS } from '../../shared/contracts/names';
import { RunningHost, startHost } from '../support/host';
import { publisherSteps, waitFor } from '../support/scenario';
import { uniqueOfferId } from '../api/support';

const LIMIT = 1024 * 1024;
let host: RunningHost;
beforeAll(async () => {
  host = await startHost({ env: { MAX_PACKAGE_BYTES: String(LIMIT) } });
});
afterAll(async () => {
  await host?.stop();
});

it('gives an over-size upload-URL blob a Failed package.too-large report and deletes it', async () => {
  const offerId = uniqueOfferId('toolarge');
  const p = publisherSteps(host.baseUrl, offerId);
  await p.describe();
  const asked = await p.call<{ uploadUrl: string; blobName: string; headers: Record<string, string> }>(
    'ann',
    'POST',
    `/api/offers/${offerId}/package/upload-url`,
    { fileName: 'big.app', size: 1000 }, // the client says it is small
  );
  expect(asked.status).toBe(201);
  const put = await fetch(asked.body.uploadUrl, {
    method: 'PUT',
    headers: asked.body.headers,
    body: randomBytes(LIMIT + 4096),
  });
  expect(put.status).toBe(201);
  const report = await waitFor(
    'the report of the over-size upload',
    () =>
      p.call<{ blobName: string; state: string; findings: { rule: string }[] }>(
        'ann',
        'GET',
        `/api/offers/${offerId}/package-validation`,
      ),
    (r) => r.status === 200 && r.body.state !== 'Pending',
  );
  expect(report.body.blobName).toBe(asked.body.blobName);
  expect(report.body.state).toBe('Failed');
  expect(report.body.findings.map((f) => f.rule)).toEqual(['package.too-large']);
  const blob = BlobServiceClient.fromConnectionString(process.env.TEST_STORAGE_CONNECTION ?? '')
    .getContainerClient(CONTAINERS.packages)
    .getBlobClient(decodeURIComponent(new URL(asked.body.uploadUrl).pathname).split('/packages/')[1] ?? '');
  expect(blob.name).toMatch(new RegExp(`^${offerId}/uploads/\\d+/big\\.app$`)); // the upload's own blob
  expect(await blob.exists()).toBe(false);
});
