/**
 * npm run demo, against a host of the tests: the offer reaches Live, and its package goes the way
 * api.md tells clients to send packages (issue 14): POST .../package/upload-url, then a PUT of the
 * bytes straight to the returned URL with the returned headers; never through PUT .../package.
 */
import { runDemo } from '../scripts/demo';
import { RunningHost, startHost } from './support/host';

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  status: number;
  body: string;
}

let host: RunningHost;
const sent: Sent[] = [];
const realFetch = globalThis.fetch;

beforeAll(async () => {
  host = await startHost();
  // Records what the demo sends and gets, through the real fetch.
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const res = await realFetch(input, init);
    const url = String(input instanceof Request ? input.url : input);
    const method = init?.method ?? 'GET';
    const body = url.includes('/package/upload-url') ? await res.clone().text() : '';
    sent.push({
      method,
      url,
      headers: { ...(init?.headers as Record<string, string>) },
      status: res.status,
      body,
    });
    return res;
  };
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterAll(async () => {
  globalThis.fetch = realFetch;
  jest.restoreAllMocks();
  await host?.stop();
});

describe('npm run demo', () => {
  it('uploads its package through the upload URL and takes the offer to Live', async () => {
    expect(await runDemo(host.baseUrl)).toBe('Live');
    const asked = sent.filter((s) => s.method === 'POST' && s.url.endsWith('/package/upload-url'));
    expect(asked.map((s) => s.status)).toEqual([201]);
    const granted = JSON.parse(asked[0]!.body) as { uploadUrl: string; headers: Record<string, string> };
    const puts = sent.filter((s) => s.method === 'PUT' && s.url === granted.uploadUrl);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.headers).toMatchObject(granted.headers);
    expect(puts[0]!.status).toBe(201);
    expect(sent.filter((s) => s.method === 'PUT' && /\/api\/offers\/[^/]+\/package$/.test(s.url))).toEqual(
      [],
    );
  }, 180_000);
});
