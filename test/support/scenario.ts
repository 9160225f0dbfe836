/**
 * A publisher's and the reviewers' moves through the public API, shared by the end-to-end
 * tests, the demo and bench/pipeline. Everything goes over HTTP, as a portal or script would.
 */
import { appJson, OFFER_APP, withOwnAppId, zipPackage } from './packages';
import { png } from './images';
import { PEOPLE } from './principals';

export type Person = keyof typeof PEOPLE;

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

export interface StatusBody {
  state: string;
  currentStep: string | null;
  submissionId: string | null;
  steps: { id: string; state: string; message?: string }[];
  error: { step: string; code: string; message: string; details: unknown[] } | null;
  actions: string[];
  preview?: { url: string };
}

/** How a request reaches the host: global fetch unless a client brings its own (bench/support/politeClient). */
export type Send = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | Buffer },
) => Promise<{ status: number; text: string }>;

export const fetchSend: Send = async (url, init) => {
  const res = await fetch(url, init);
  return { status: res.status, text: await res.text() };
};

/** A client's manners: its transport, and how long it waits before its nth poll (1, 2, ...). */
export interface ClientOptions {
  send?: Send;
  pollDelayMs?: (attempt: number) => number;
}

export function api(baseUrl: string, send: Send = fetchSend) {
  async function call<T>(person: Person | null, method: string, path: string, body?: unknown, type?: string) {
    const headers: Record<string, string> = person ? { 'x-ms-client-principal': PEOPLE[person] } : {};
    let payload: string | Buffer | undefined;
    if (Buffer.isBuffer(body)) {
      payload = body;
      headers['content-type'] = type ?? 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const res = await send(`${baseUrl}${path}`, { method, headers, body: payload });
    const text = res.text;
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T } as ApiResponse<T>;
  }
  return { call };
}

/** An offer that passes every automated step (its package and images are uploaded separately). */
export function completeOffer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Contoso Sales Insights',
    summary: 'Sales dashboards for Business Central',
    description: 'Dashboards and forecasts for your sales team.',
    categories: ['Sales'],
    supportUrl: 'https://contoso.example/support',
    privacyPolicyUrl: 'https://contoso.example/privacy',
    eulaUrl: 'https://contoso.example/eula',
    app: { ...OFFER_APP },
    storefront: { logo: 'logo-216.png', screenshots: ['shot-1.png'] },
    ...overrides,
  };
}

/** The images completeOffer() names, at the sizes step 5 accepts (216x216 logo, 1280x720 screenshot). */
export function storefrontArtifacts(): [string, Buffer][] {
  return [
    ['logo-216.png', png(216, 216)],
    ['shot-1.png', png(1280, 720)],
  ];
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
  delayMs: (attempt: number) => number = () => 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  for (let attempt = 1; !done(last); attempt++) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(delayMs(attempt));
    last = await read();
  }
  return last;
}

export function publisherSteps(
  baseUrl: string,
  offerId: string,
  person: Person = 'ann',
  client: ClientOptions = {},
) {
  const { call } = api(baseUrl, client.send);
  const status = async () => (await call<StatusBody>(person, 'GET', `/api/offers/${offerId}/status`)).body;
  return {
    call,
    status,
    async describe(overrides: Record<string, unknown> = {}) {
      return call(person, 'PUT', `/api/offers/${offerId}`, withOwnAppId(completeOffer(overrides), offerId));
    },
    async uploadArtifacts() {
      for (const [name, bytes] of storefrontArtifacts()) {
        await call(person, 'PUT', `/api/offers/${offerId}/artifacts/${name}`, bytes, 'image/png');
      }
    },
    async uploadPackage(manifest: Record<string, unknown> = appJson()) {
      return call<{ blobName: string }>(
        person,
        'PUT',
        `/api/offers/${offerId}/package`,
        zipPackage(withOwnAppId(manifest, offerId)),
      );
    },
    /**
     * The way api.md tells clients to send packages: ask for an upload URL, then PUT the bytes
     * straight to storage with the headers the answer names (they never pass through the app).
     */
    async uploadPackageThroughUrl(manifest: Record<string, unknown> = appJson(), fileName = 'package.zip') {
      const bytes = zipPackage(withOwnAppId(manifest, offerId));
      const asked = await call<{ uploadUrl: string; blobName: string; headers: Record<string, string> }>(
        person,
        'POST',
        `/api/offers/${offerId}/package/upload-url`,
        { fileName, size: bytes.length },
      );
      if (asked.status !== 201)
        throw new Error(`upload-url answered ${asked.status}: ${JSON.stringify(asked.body)}`);
      const put = await fetch(asked.body.uploadUrl, {
        method: 'PUT',
        headers: { ...asked.body.headers, 'content-type': 'application/zip' },
        body: bytes,
      });
      if (!put.ok) throw new Error(`the upload URL answered ${put.status}: ${await put.text()}`);
      return { status: put.status, body: { blobName: asked.body.blobName, uploadUrl: asked.body.uploadUrl } };
    },
    async packageValidated(timeoutMs = 30_000) {
      const res = await waitFor(
        'package validation',
        () => call<{ state: string }>(person, 'GET', `/api/offers/${offerId}/package-validation`),
        // 404 until the blob trigger has stored a first report.
        (r) => r.status === 200 && r.body.state !== 'Pending',
        timeoutMs,
        client.pollDelayMs,
      );
      return res.body;
    },
    async publish(notificationEmail = 'ann@contoso.com') {
      return call<{ submissionId: string; statusUrl: string }>(
        person,
        'POST',
        `/api/offers/${offerId}/publish`,
        {
          notificationEmail,
        },
      );
    },
    async waitForState(states: string[], timeoutMs = 30_000) {
      return waitFor(
        `state ${states.join('|')}`,
        status,
        (s) => states.includes(s.state),
        timeoutMs,
        client.pollDelayMs,
      );
    },
    goLive: () => call(person, 'POST', `/api/offers/${offerId}/go-live`),
    cancel: () => call(person, 'POST', `/api/offers/${offerId}/cancel`),
    review: (area: 'marketing' | 'technical', decision: Record<string, unknown>) =>
      call(area === 'marketing' ? 'mia' : 'tom', 'POST', `/api/offers/${offerId}/reviews/${area}`, decision),
  };
}

/** Describe, upload and wait for a Passed package report. */
export async function prepareOffer(baseUrl: string, offerId: string, client: ClientOptions = {}) {
  const p = publisherSteps(baseUrl, offerId, 'ann', client);
  await p.describe();
  await p.uploadArtifacts();
  await p.uploadPackage();
  await p.packageValidated();
  return p;
}

/** Publish, Go Live, two approvals; resolves with the final status and the Go Live → Live time. */
export async function driveToLive(
  baseUrl: string,
  offerId: string,
  timeoutMs = 60_000,
  client: ClientOptions = {},
) {
  const p = publisherSteps(baseUrl, offerId, 'ann', client);
  const published = await p.publish();
  if (published.status !== 202)
    throw new Error(`publish answered ${published.status}: ${JSON.stringify(published.body)}`);
  const atSignoff = await p.waitForState(['WaitingForPublisher', 'Failed'], timeoutMs);
  if (atSignoff.state === 'Failed')
    throw new Error(`failed before sign-off: ${JSON.stringify(atSignoff.error)}`);
  const goLiveAt = Date.now();
  await p.goLive();
  await p.waitForState(['WaitingForReview'], timeoutMs);
  await p.review('marketing', { outcome: 'approved' });
  await p.review('technical', { outcome: 'approved' });
  const live = await p.waitForState(['Live', 'Failed'], timeoutMs);
  return { status: live, goLiveToLiveMs: Date.now() - goLiveAt };
}
