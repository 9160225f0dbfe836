import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OrchestrationClient } from '../../shared/http/orchestrations';
import { LOCAL_POLICY } from '../../shared/adapters/outbound';
import { sendWebhook, signedMessage } from '../../shared/adapters/webhookSender';
import { pingEvent } from '../../shared/domain/webhooks';
import { createWebhook, getWebhook, listWebhooks, rotateWebhookSecret } from '../../shared/webhooks/routes';
import { guarded } from '../../shared/http/errors';
import { context, request, testServices } from '../api/support';

afterAll(() => removeAdminEndpoints());
import { removeAdminEndpoints } from './cleanup';
import type { HttpResponseInit } from '@azure/functions';

/** Red-team style: where an endpoint may point, what a delivery follows, where a secret shows. */
const client: OrchestrationClient & { taskHubName?: string } = {
  startNew: () => Promise.reject(new Error('not used')),
  raiseEvent: () => Promise.reject(new Error('not used')),
  getStatus: () => Promise.reject(new Error('not used')),
};
const body = async (res: { jsonBody?: unknown }) => res.jsonBody as Record<string, unknown>;
/** Through the same error mapping as the registered functions. */
const answered = (run: () => Promise<HttpResponseInit>) =>
  guarded(async (_c: unknown) => run())(context().context);

describe('webhook endpoints in Azure mode', () => {
  const azure = testServices({ OUTBOUND_ALLOW_LOOPBACK: 'false' });
  it.each([
    ['http://example.com/hook', /https/],
    ['https://127.0.0.1/hook', /loopback/],
    ['https://localhost/hook', /loopback/],
    ['https://[::1]/hook', /loopback|not a public/],
    ['https://[::ffff:127.0.0.1]/hook', /loopback/],
    ['https://10.1.2.3/hook', /private/],
    ['https://192.168.0.10/hook', /private/],
    ['https://169.254.169.254/metadata/instance', /link-local/],
    ['https://168.63.129.16/machine', /platform/],
    ['https://0.0.0.0/hook', /not a public/],
  ])('refuses %s with 400 naming the url', async (url, why) => {
    const res = await answered(() =>
      createWebhook(azure, client, request('POST', 'webhooks', { as: 'ann', body: { url, events: ['*'] } })),
    );
    expect(res.status).toBe(400);
    const error = (await body(res)).error as { code: string; details: { path: string; message: string }[] };
    expect(error.code).toBe('invalid_request');
    expect(error.details[0]?.path).toBe('url');
    expect(error.details[0]?.message).toMatch(why);
  });

  it.each([
    ['local', testServices()],
    ['Azure', azure],
  ])(
    'takes, in %s mode, a host name that does not resolve now (no address to judge yet)',
    async (_mode, services) => {
      const url = 'https://hooks.contoso.example/wh'; // `.example` never resolves (RFC 2606)
      const res = await answered(() =>
        createWebhook(
          services,
          client,
          request('POST', 'webhooks', { as: 'ann', body: { url, events: ['*'] } }),
        ),
      );
      expect([res.status, (await body(res)).url]).toEqual([201, url]);
    },
  );

  it('answers api.md error bodies for bad input, never 500', async () => {
    const bad = await answered(() =>
      createWebhook(
        azure,
        client,
        request('POST', 'webhooks', {
          as: 'ann',
          body: { url: 'nope', events: ['offer.nothing'], extra: 1 },
        }),
      ),
    );
    expect(bad.status).toBe(400);
    const paths = ((await body(bad)).error as { details: { path: string }[] }).details
      .map((d) => d.path)
      .sort();
    expect(paths).toEqual(expect.arrayContaining(['url', 'events[0]']));
    const reviewer = await answered(() =>
      createWebhook(
        azure,
        client,
        request('POST', 'webhooks', { as: 'mia', body: { url: 'https://example.com', events: ['*'] } }),
      ),
    );
    expect(reviewer.status).toBe(403);
    const other = await answered(() =>
      createWebhook(
        azure,
        client,
        request('POST', 'webhooks', {
          as: 'ann',
          body: { url: 'https://example.com/h', events: ['*'], offerIds: ['not-annsoffer'] },
        }),
      ),
    );
    expect(other.status).toBe(400);
  });
});

describe('secrets are write-only', () => {
  it('shows the secret on create and rotation only, *** on every read, and never logs it', async () => {
    const services = testServices();
    const lines: string[] = [];
    const spy = jest
      .spyOn(console, 'log')
      .mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    const created = await body(
      await answered(() =>
        createWebhook(
          services,
          client,
          request('POST', 'webhooks', { as: 'bob', body: { url: 'http://127.0.0.1:9/h', events: ['*'] } }),
        ),
      ),
    );
    const webhookId = String(created.webhookId);
    const secrets = [String(created.secret)];
    expect(secrets[0]).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const rotated = await body(
      await answered(() =>
        rotateWebhookSecret(
          services,
          client,
          request('POST', `webhooks/${webhookId}/rotate-secret`, { as: 'bob', params: { webhookId } }),
        ),
      ),
    );
    secrets.push(String(rotated.secret));
    const reads = [
      await answered(() =>
        getWebhook(services, request('GET', `webhooks/${webhookId}`, { as: 'bob', params: { webhookId } })),
      ),
      await answered(() => listWebhooks(services, request('GET', 'webhooks', { as: 'bob' }))),
      await answered(() =>
        getWebhook(services, request('GET', `webhooks/${webhookId}`, { as: 'root', params: { webhookId } })),
      ),
    ];
    spy.mockRestore();
    for (const read of reads) {
      expect(read.status).toBe(200);
      const text = JSON.stringify(read.jsonBody);
      expect(text).toContain('"secret":"***"');
      for (const s of secrets) expect(text).not.toContain(s.slice(6));
    }
    for (const s of secrets) expect(lines.join('\n')).not.toContain(s.slice(6));
    // Another publisher cannot see it at all.
    const stranger = await answered(() =>
      getWebhook(services, request('GET', `webhooks/${webhookId}`, { as: 'ann', params: { webhookId } })),
    );
    expect(stranger.status).toBe(404);
  });
});

describe('a delivery follows no redirect', () => {
  it('takes a 3xx as the answer (a failure), and the redirect target is never called', async () => {
    let targetHits = 0;
    const target = http.createServer((_q, s) => {
      targetHits++;
      s.end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/internal`;
    const redirector = http.createServer((_q, s) => {
      s.writeHead(307, { location: targetUrl });
      s.end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', () => r()));
    try {
      const message = signedMessage(
        pingEvent('wh_x', 'evt_ping_1', new Date()),
        ['whsec_' + Buffer.alloc(24, 7).toString('base64')],
        new Date(),
      );
      const sent = await sendWebhook(
        `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/hook`,
        message,
        LOCAL_POLICY,
      );
      expect(sent.statusCode).toBe(307);
      expect(targetHits).toBe(0);
    } finally {
      target.close();
      redirector.close();
    }
  });
});
