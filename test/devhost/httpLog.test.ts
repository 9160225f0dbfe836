import { RunningHost, startHost } from '../support/host';
import { asPerson } from '../support/principals';
import { fullDraft, uniqueOfferId } from '../api/support';

/**
 * The local host's console, as a developer reads it: one line per request with the status the
 * client got and the error code of api.md (the app streams HTTP, so the status is the relayed
 * answer, not the invocation's result), and one line per email. Never a hidekey.
 */
let host: RunningHost;

beforeAll(async () => {
  host = await startHost({ env: { PUBLIC_BASE_URL: 'https://publish.example' } });
});
afterAll(async () => {
  await host?.stop();
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached');
}

/** The lines printed after `mark` (a length of the output). */
const linesSince = (mark: number) => host.output().slice(mark).split('\n');

describe('local host console', () => {
  it('logs the real HTTP status and error code of each request, never "HTTP 200" for a refusal', async () => {
    const offerId = uniqueOfferId('log');
    const ann = asPerson('ann');
    const cases: [() => Promise<{ status: number }>, string, string][] = [
      [() => host.request('GET', `/api/offers/${offerId}/status`), 'getStatus', 'HTTP 401 unauthenticated'],
      [
        () => host.request('GET', `/api/offers/${offerId}/status`, undefined, ann),
        'getStatus',
        'HTTP 404 offer_not_found',
      ],
      [
        () =>
          host.request('PUT', `/api/offers/${offerId}`, '{"name":', {
            ...ann,
            'content-type': 'application/json',
          }),
        'putOffer',
        'HTTP 400 invalid_request',
      ],
      [() => host.request('PUT', `/api/offers/${offerId}`, fullDraft(), ann), 'putOffer', 'HTTP 201)'],
      [
        () => host.request('POST', `/api/offers/${offerId}/go-live`, undefined, ann),
        'goLive',
        'HTTP 409 not_at_signoff',
      ],
      [() => host.request('GET', `/api/offers/${offerId}/status`, undefined, ann), 'getStatus', 'HTTP 200)'],
      [
        () =>
          host.request('PUT', `/api/offers/${offerId}/artifacts/x.png`, 'GIF89a', {
            ...ann,
            'content-type': 'image/gif',
          }),
        'uploadArtifact',
        'HTTP 415 unsupported_media_type',
      ],
    ];
    for (const [send, name, expected] of cases) {
      const mark = host.output().length;
      const res = await send();
      const line = await until(
        async () => linesSince(mark).find((l) => l.includes(`Executed 'Functions.${name}'`)),
        (l) => l !== undefined,
      );
      expect(String(res.status)).toBe(expected.split(' ')[1]?.replace(')', ''));
      expect(line).toContain(`Succeeded (${expected}`);
    }
  });

  it('logs what the host refused itself, by path only: a hidekey in the query never reaches the console', async () => {
    const mark = host.output().length;
    const missing = await host.request('GET', '/api/nowhere?hidekey=SECRET-HIDEKEY-123');
    expect(missing.status).toBe(404);
    const preview = await host.request(
      'GET',
      `/api/offers/${uniqueOfferId('log')}/preview?hidekey=SECRET-HIDEKEY-456`,
    );
    expect(preview.status).toBe(404);
    const lines = await until(
      async () => linesSince(mark),
      (ls) => ls.some((l) => l.includes("Executed 'Functions.getPreview'")),
    );
    expect(lines).toContainEqual(expect.stringContaining("Refused 'GET /api/nowhere' (HTTP 404 not_found)"));
    expect(lines).toContainEqual(expect.stringMatching(/Functions\.getPreview.*HTTP 404 offer_not_found/));
    expect(host.output()).not.toContain('SECRET-HIDEKEY');
  });

  it('prints one line per email sent, with recipient and subject', async () => {
    const offerId = uniqueOfferId('log');
    const ann = asPerson('ann');
    const { summary: _missing, ...incomplete } = fullDraft();
    expect((await host.request('PUT', `/api/offers/${offerId}`, incomplete, ann)).status).toBe(201);
    const published = await host.request(
      'POST',
      `/api/offers/${offerId}/publish`,
      { notificationEmail: 'ann@contoso.com' },
      ann,
    );
    expect(published.status).toBe(202);
    type Sent = { notifications: { subject: string; to: string }[] };
    const sent = await until(
      async () =>
        (await host.request('GET', `/api/offers/${offerId}/notifications`, undefined, ann)).json<Sent>(),
      (body) => body.notifications.some((n) => / failed$/.test(n.subject)),
    );
    const emailLines = () =>
      host
        .output()
        .split('\n')
        .filter((l) => l.includes('Email to ') && l.includes(`(offer ${offerId})`))
        .map((l) => l.slice(l.indexOf('Email to ')));
    const lines = await until(
      async () => emailLines(),
      (ls) => ls.length >= sent.notifications.length,
    );
    expect(lines.sort()).toEqual(
      sent.notifications.map((n) => `Email to ${n.to}: "${n.subject}" (offer ${offerId})`).sort(),
    );
    // Step 1's start and failure are one step change: one email, one line.
    expect(lines).toHaveLength(1);
  });
});
