/**
 * PUT /api/offers/{offerId}/package on the local host with HTTP streaming: an oversized package is
 * refused by its Content-Length before its body is read, a lying chunked one once it passes the
 * limit (nothing committed, the report untouched), and an accepted one is streamed to the blob.
 */
import http from 'node:http';
import { BlobServiceClient } from '@azure/storage-blob';
import { CONTAINERS } from '../../shared/contracts/names';
import { RunningHost, startHost } from '../support/host';
import { noise } from '../support/packages';
import { PEOPLE, asPerson } from '../support/principals';
import { fullDraft, uniqueOfferId } from './support';

const MiB = 1024 * 1024;
const LIMIT = 9 * MiB;
let host: RunningHost;

beforeAll(async () => {
  host = await startHost({ env: { MAX_PACKAGE_BYTES: String(LIMIT) } });
});
afterAll(async () => {
  await host?.stop();
});

const packages = () =>
  BlobServiceClient.fromConnectionString(process.env.TEST_STORAGE_CONNECTION ?? '').getContainerClient(
    CONTAINERS.packages,
  );

/** The names of the blobs under an offer in container packages. */
async function blobsOf(offerId: string): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of packages().listBlobsFlat({ prefix: `${offerId}/` })) names.push(blob.name);
  return names;
}

interface Answer {
  status: number;
  body: { error?: { code: string }; blobName?: string };
}

/**
 * Sends the headers and `sent` bytes, then waits (without ending the request) for an answer;
 * `undefined` when none came while the body was incomplete (bounded wait, so old hosts fail, not hang).
 */
function putPartially(
  offerId: string,
  headers: Record<string, string>,
  sent: Buffer,
): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    const req = http.request(`${host.baseUrl}/api/offers/${offerId}/package`, {
      method: 'PUT',
      headers: {
        'x-ms-client-principal': PEOPLE.ann,
        'content-type': 'application/octet-stream',
        ...headers,
      },
    });
    const giveUp = setTimeout(() => {
      req.destroy();
      resolve(undefined);
    }, 15_000);
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        clearTimeout(giveUp);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] });
      });
    });
    req.on('error', () => undefined);
    req.write(sent);
  });
}

const wait = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms));

/** Sends the whole body chunked (no length) and ends it; resolves with the status. */
function putChunked(offerId: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${host.baseUrl}/api/offers/${offerId}/package`, {
      method: 'PUT',
      headers: {
        'x-ms-client-principal': PEOPLE.ann,
        'content-type': 'application/octet-stream',
        'transfer-encoding': 'chunked',
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error),
    );
    for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
    req.end();
  });
}

async function newOffer(): Promise<string> {
  const offerId = uniqueOfferId('stream');
  expect((await host.request('PUT', `/api/offers/${offerId}`, fullDraft(), asPerson('ann'))).status).toBe(
    201,
  );
  return offerId;
}

describe('PUT /api/offers/{offerId}/package, streamed', () => {
  it('refuses a declared length over the limit before the body is sent', async () => {
    const offerId = await newOffer();
    const answer = await putPartially(
      offerId,
      { 'content-length': String(250 * MiB) },
      Buffer.alloc(64 * 1024),
    );
    expect(answer).toEqual({
      status: 413,
      body: { error: expect.objectContaining({ code: 'payload_too_large' }) },
    });
  });

  it('refuses a chunked body once it passes the limit, commits nothing and leaves the report alone', async () => {
    const offerId = await newOffer();
    const answer = await putPartially(
      offerId,
      { 'transfer-encoding': 'chunked', 'x-file-name': 'liar.app' },
      noise(LIMIT + MiB, 5),
    );
    expect(answer?.status).toBe(413);
    expect(answer?.body.error?.code).toBe('payload_too_large');
    expect(await blobsOf(offerId)).toEqual([]); // nothing committed, under any name
    const report = await host.request(
      'GET',
      `/api/offers/${offerId}/package-validation`,
      undefined,
      asPerson('ann'),
    );
    expect(report.status).toBe(404);
  });

  it('keeps answering after refusals that left bodies unread', async () => {
    const offerId = await newOffer();
    const put = (bytes: Buffer) =>
      host.request('PUT', `/api/offers/${offerId}/package`, bytes, {
        ...asPerson('ann'),
        'content-type': 'application/octet-stream',
      });
    for (let round = 0; round < 5; round++) {
      // A whole chunked body sent and ended, refused once past the limit; then a body refused by
      // its declared length (unread), then ordinary requests: each must still get its answer.
      expect(await putChunked(offerId, noise(LIMIT + 256 * 1024, round))).toBe(413);
      const refused = await Promise.race([put(Buffer.alloc(LIMIT + 1)), wait(20_000)]);
      expect(refused?.status).toBe(413);
      const read = await Promise.race([
        host.request('GET', `/api/offers/${offerId}`, undefined, asPerson('ann')),
        wait(20_000),
      ]);
      expect(read?.status).toBe(200);
    }
  });

  it('streams an accepted package to its blob, byte for byte, in several blocks', async () => {
    const offerId = await newOffer();
    const bytes = noise(LIMIT - 1000, 9);
    const res = await host.request('PUT', `/api/offers/${offerId}/package`, bytes, {
      ...asPerson('ann'),
      'content-type': 'application/octet-stream',
      'x-file-name': 'ok.app',
    });
    expect([res.status, res.json()]).toEqual([202, { blobName: `${offerId}/ok.app` }]);
    // The upload's own blob (shared/domain/uploadOrder.ts): {offerId}/uploads/{sequence}/ok.app.
    const [storedAs] = await blobsOf(offerId);
    expect(storedAs).toMatch(new RegExp(`^${offerId}/uploads/\\d+/ok\\.app$`));
    const stored = await packages()
      .getBlobClient(storedAs ?? '')
      .downloadToBuffer();
    expect(stored.equals(bytes)).toBe(true);
    const empty = await host.request('PUT', `/api/offers/${offerId}/package`, Buffer.alloc(0), {
      ...asPerson('ann'),
      'content-type': 'application/octet-stream',
    });
    expect(empty.status).toBe(400);
  });
});
