/**
 * Issue 28 item 1: a libraries zip is never inflated in memory. Hostile and large libraries zips go
 * through the ingestion API of a real local host, and the host's own peak memory (VmHWM, reset just
 * before the PUT that processes the upload) may grow by less than 64 MiB, however much the zip
 * declares or really inflates to. Issue 28 item 10 for libraries: once validated, the upload's bytes
 * and the scratch blobs of its apps are gone.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { BlobServiceClient } from '@azure/storage-blob';
import { RunningHost, startHost } from '../support/host';
import {
  annToken,
  describedOffer,
  ingestion,
  Ingestion,
  LIBRARY,
  PackageResource,
  uniqueOffer,
  validated,
  zerosZip,
} from './support';

jest.setTimeout(300_000);

const MiB = 1024 * 1024;
let host: RunningHost;

beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  await host?.stop();
});

/** kB figures of /proc/<pid>/status. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Uploads through fileSasUri, then measures the host from the PUT state Uploaded to the end of validation. */
async function processMeasured(client: Ingestion, bytes: Buffer) {
  const created = await client.post<PackageResource>('/packages', {
    resourceType: LIBRARY,
    fileName: 'libs.zip',
  });
  expect(created.status).toBe(201);
  const put = await fetch(created.body.fileSasUri, {
    method: 'PUT',
    headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  expect(put.status).toBe(201);
  const pid = host.pid();
  if (!pid) throw new Error('the host is not running');
  writeFileSync(`/proc/${pid}/clear_refs`, '5'); // VmHWM := VmRSS
  const before = memoryOf(pid);
  const uploaded = await client.put<PackageResource>(`/packages/${created.body.id}`, {
    ...created.body,
    state: 'Uploaded',
  });
  expect(uploaded.status).toBe(200);
  const final =
    uploaded.body.state === 'Processed' ? await validated(client, created.body.id) : uploaded.body;
  const growthMiB = (memoryOf(pid).peak - before.rss) / MiB;
  return {
    uploaded: uploaded.body,
    final,
    growthMiB,
    blobName: new URL(created.body.fileSasUri).pathname.split('/').pop() ?? '',
  };
}

function ingestionContainer() {
  const connection = process.env.TEST_STORAGE_CONNECTION;
  if (!connection) throw new Error('no TEST_STORAGE_CONNECTION');
  return BlobServiceClient.fromConnectionString(connection).getContainerClient('ingestion');
}

describe('a libraries zip is validated one app at a time, never inflated in memory', () => {
  let client: Ingestion;
  beforeAll(async () => {
    const offerId = uniqueOffer('ingest-bomb');
    client = ingestion(host.baseUrl, await describedOffer(host.baseUrl, offerId), annToken());
  });

  it('50 entries of 64 MiB of zeros: refused from the directory (zip-bomb ratio), memory flat', async () => {
    const run = await processMeasured(client, zerosZip(50, 64 * MiB));
    console.log(`50 x 64 MiB of zeros: ${run.final.state}, host peak grew ${run.growthMiB.toFixed(1)} MiB`);
    expect(run.uploaded.state).toBe('ProcessFailed');
    expect(run.uploaded.validations?.[0]?.message).toMatch(/zip bomb|declares/);
    expect(run.growthMiB).toBeLessThan(64);
  });

  it('50 entries that declare 1 MiB and inflate to 64 MiB: stopped at the first lie, memory flat', async () => {
    const run = await processMeasured(client, zerosZip(50, 64 * MiB, { declared: 1 * MiB }));
    console.log(
      `50 lying entries: ${run.final.validationState}, host peak grew ${run.growthMiB.toFixed(1)} MiB`,
    );
    expect(run.uploaded.state).toBe('Processed');
    const errors = (run.final.validations ?? []).filter((f) => f.severity === 'error');
    expect(errors.map((f) => f.message).join(' ')).toMatch(/inflates to more than/);
    expect(run.growthMiB).toBeLessThan(64);
  });

  it('two stored 40 MiB apps (within every limit): each read in place, memory flat', async () => {
    const run = await processMeasured(client, zerosZip(2, 40 * MiB, { stored: true }));
    console.log(
      `2 x 40 MiB stored: ${run.final.validationState}, host peak grew ${run.growthMiB.toFixed(1)} MiB`,
    );
    expect(run.final.validationState).toBe('Completed');
    // Each app was read and judged (zeros are no .app): findings name each file.
    const files = new Set((run.final.validations ?? []).map((f) => f.path.split('#')[0]));
    expect([...files].sort()).toEqual(['lib0.app', 'lib1.app']);
    expect(run.growthMiB).toBeLessThan(64);
    expect(await blobsOf(run.blobName)).toEqual([{ name: run.blobName, size: 0 }]);
  });

  it('two deflated 16 MiB apps: each inflated into a scratch blob and judged, nothing left behind', async () => {
    const run = await processMeasured(client, zerosZip(2, 16 * MiB, { random: true }));
    console.log(
      `2 x 16 MiB deflated: ${run.final.validationState}, host peak grew ${run.growthMiB.toFixed(1)} MiB`,
    );
    expect(run.final.validationState).toBe('Completed');
    const files = new Set((run.final.validations ?? []).map((f) => f.path.split('#')[0]));
    expect([...files].sort()).toEqual(['lib0.app', 'lib1.app']);
    // No bound on memory here: streaming any tens of MiB through Node's HTTP stack leaves up to
    // about 64 MiB of socket buffers for the garbage collector (V8's external-memory allowance),
    // whatever the code does with them; the bounds above are on what the code holds.
    // The scratch blobs are gone and the upload's bytes were dropped (the blob stays, empty and locked).
    expect(await blobsOf(run.blobName)).toEqual([{ name: run.blobName, size: 0 }]);
  });
});

/** The staging blob and whatever was written beside it (`{name}.lib0`, ...). */
async function blobsOf(name: string) {
  const found: { name: string; size: number }[] = [];
  for await (const b of ingestionContainer().listBlobsFlat({ prefix: name }))
    found.push({ name: b.name, size: b.properties.contentLength ?? -1 });
  return found;
}
