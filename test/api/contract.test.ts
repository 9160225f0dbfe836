/**
 * api.md as a client sees it through the running local host: what an acceptance scenario written
 * from api.md alone would send, including the hostile requests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHost, type RunningHost } from '../support/host';
import { PEOPLE } from '../support/principals';

let host: RunningHost;

beforeAll(async () => {
  host = await startHost();
});

afterAll(async () => {
  await host?.stop();
});

/**
 * Sends the file with curl, as the README's walk-through does: curl streams the body from disk, so
 * the server answers (and closes) while it is still sending; a Node client that hands over the
 * whole buffer at once did not show the reset this guards against.
 */
function curl(method: string, urlPath: string, file: string, headers: Record<string, string>) {
  const args = ['-s', '-o', '-', '-w', '\n%{http_code}', '-X', method, `${host.baseUrl}${urlPath}`];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  args.push('--data-binary', `@${file}`);
  const out = execFileSync('curl', args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  const cut = out.lastIndexOf('\n');
  return { status: Number(out.slice(cut + 1)), text: out.slice(0, cut) };
}

describe('a refused body is answered with its 4xx, never a 500', () => {
  const offerId = `big-body-${Date.now().toString(36)}`;
  const ann = { 'x-ms-client-principal': PEOPLE.ann };
  const dir = mkdtempSync(path.join(tmpdir(), 'contract-'));
  const bigJson = path.join(dir, 'big.json');
  const bigBytes = path.join(dir, 'big.bin');
  const hugeJson = path.join(dir, 'huge.json');

  beforeAll(async () => {
    writeFileSync(bigJson, JSON.stringify({ name: 'a'.repeat(3_000_000) }));
    writeFileSync(bigBytes, Buffer.alloc(3_000_000, 0x61));
    writeFileSync(hugeJson, JSON.stringify({ name: 'a'.repeat(40_000_000) }));
    const created = await host.request('PUT', `/api/offers/${offerId}`, {}, ann);
    expect(created.status).toBe(201);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a JSON body over the 1 MiB limit is 413 payload_too_large, every time', () => {
    const answers = Array.from({ length: 10 }, () =>
      curl('PUT', `/api/offers/${offerId}`, bigJson, { ...ann, 'content-type': 'application/json' }),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(413));
    expect(JSON.parse(answers[0]?.text ?? '{}').error.code).toBe('payload_too_large');
  });

  it('a 40 MB body sent chunked, with no length to refuse it by, is 413 every time', () => {
    const statuses = Array.from(
      { length: 5 },
      () =>
        curl('PUT', `/api/offers/${offerId}`, hugeJson, {
          ...ann,
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
        }).status,
    );
    expect(statuses).toEqual(Array(5).fill(413));
  });

  it('a large body of the wrong type is 415, and one for another publisher 403, every time', () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        curl('PUT', `/api/offers/${offerId}/package`, bigBytes, { ...ann, 'content-type': 'text/plain' })
          .status,
        curl('PUT', `/api/offers/${offerId}/package`, bigBytes, {
          'x-ms-client-principal': PEOPLE.bob,
          'content-type': 'application/octet-stream',
        }).status,
      );
    }
    expect(statuses).toEqual(Array(5).fill([415, 403]).flat());
  });
});
