import { RunningHost, startHost } from '../support/host';

const FIXTURE = 'dist/test/fixtures/hostapp/*.js';

describe('local host: HTTP triggers', () => {
  let host: RunningHost;

  beforeAll(async () => {
    host = await startHost({ main: FIXTURE, env: { DEVHOST_MAX_BODY_BYTES: '1024' } });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('passes route parameters, query and headers to the handler', async () => {
    const res = await host.request('GET', '/api/items/42/details?color=red', undefined, {
      'x-ms-client-principal': 'abc',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.json()).toEqual({
      method: 'GET',
      params: { id: '42', section: 'details' },
      query: { color: 'red' },
      principal: 'abc',
    });
  });

  it('matches a route without its optional segment', async () => {
    const res = await host.request('DELETE', '/api/items/7');
    expect(res.status).toBe(200);
    expect(res.json<{ params: unknown }>().params).toEqual({ id: '7' });
  });

  it('answers 404 with the error body when a constraint or route does not match', async () => {
    for (const path of ['/api/items/not-a-number', '/api/nowhere', '/elsewhere']) {
      const res = await host.request('GET', path);
      expect(res.status).toBe(404);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('not_found');
    }
  });

  it('refuses a method the function does not declare', async () => {
    const res = await host.request('POST', '/api/items/7', {});
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, DELETE');
  });

  it('serves a function without a route under its name', async () => {
    const res = await host.request('GET', '/api/greet?name=Ann');
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello Ann');
  });

  it('round-trips a binary body byte for byte', async () => {
    const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));
    const res = await host.request('PUT', '/api/echo', body, { 'content-type': 'application/octet-stream' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-length')).toBe('1000');
    const echoed = await fetch(`${host.baseUrl}/api/echo`, { method: 'POST', body });
    expect(Buffer.from(await echoed.arrayBuffer()).equals(body)).toBe(true);
  });

  it('answers 413 for a body over the cap', async () => {
    const res = await host.request('POST', '/api/echo', Buffer.alloc(5000, 1));
    expect(res.status).toBe(413);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('payload_too_large');
  });

  it('turns a handler failure into 500 internal without the stack', async () => {
    const res = await host.request('GET', '/api/fail');
    expect(res.status).toBe(500);
    const body = res.json<{ error: { code: string; message: string; correlationId: string } }>();
    expect(body.error.code).toBe('internal');
    expect(res.text).not.toContain('fixture failure');
    expect(host.output()).toContain(body.error.correlationId);
  });

  it('lists the routes at startup and never prints the account key', () => {
    expect(host.output()).toMatch(
      /describeItem: \[GET,DELETE\] http:\/\/localhost:\d+\/api\/items\/\{id:int\}\/\{section\?\}/,
    );
    expect(host.output()).toContain('recordUpload: hostapp-uploads/{offerId}/{fileName}');
    expect(host.output()).not.toContain('AccountKey');
    expect(host.output()).not.toContain('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq');
  });
});

describe('local host: clock', () => {
  let host: RunningHost;

  beforeAll(async () => {
    host = await startHost({ main: FIXTURE });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('moves forward by an ISO 8601 duration and keeps the offset across a restart', async () => {
    const before = Date.parse((await host.request('GET', '/admin/clock')).json<{ now: string }>().now);
    const advanced = await host.request('POST', '/admin/clock/advance', { by: 'P8D' });
    expect(advanced.status).toBe(200);
    const after = Date.parse(advanced.json<{ now: string }>().now);
    expect(after - before).toBeGreaterThanOrEqual(8 * 86400_000);

    await host.restart();
    const now = Date.parse((await host.request('GET', '/admin/clock')).json<{ now: string }>().now);
    expect(now - Date.now()).toBeGreaterThan(7 * 86400_000);
  });

  it('refuses a bad duration with the API error body', async () => {
    for (const by of ['8 days', 'P', 'P1Y', -5]) {
      const res = await host.request('POST', '/admin/clock/advance', { by });
      expect(res.status).toBe(400);
      const body = res.json<{ error: { code: string; details: Array<{ path: string }> } }>();
      expect(body.error.code).toBe('invalid_request');
      expect(body.error.details[0]?.path).toBe('by');
    }
  });
});
