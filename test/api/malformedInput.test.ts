import { routeCases, RouteCase } from './routes';
import { RecordingClient, answer, context, request, seedOffer, testServices, uniqueOfferId } from './support';
import { PEOPLE } from '../support/principals';

const services = testServices();
const ROUTES = routeCases(services);

/** A small deterministic generator, so a failure names a reproducible case. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const b64 = (value: string) => Buffer.from(value).toString('base64');
const FORGED_PRINCIPALS = [
  'not base64 !!!',
  b64('not json'),
  b64('null'),
  b64('[]'),
  b64('{"claims":"roles"}'),
  b64('{"claims":[{"typ":1,"val":2}]}'),
  b64(JSON.stringify({ claims: [{ typ: 'roles', val: 'Admin' }] }).slice(0, 20)),
  'A'.repeat(40_000),
  '%%%',
  b64('\u0000\u0001\u0002'),
];

const BAD_JSON_BODIES: unknown[] = [
  '{',
  '{"a":1,}',
  'null',
  '[]',
  '42',
  '"string"',
  'true',
  '{"notificationEmail": 5}',
  '{"outcome": "maybe"}',
  '{"name": {"nested": true}}',
  '{"categories": "Sales"}',
  '{"app": []}',
  '{"leadDestination": {"type": "ftp"}}',
  '{"testDrive": {"enabled": "yes"}}',
  '{"__proto__": {"admin": true}}',
  '['.repeat(5000) + ']'.repeat(5000),
  Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x7b]),
  '',
  JSON.stringify({ description: 'x'.repeat(80_000) }),
  JSON.stringify({ storefront: { logo: '../../etc/passwd' } }),
];

const WRONG_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
  'image/png',
  'application/xml',
];
const BAD_IDS = [
  '',
  'A',
  'ab',
  '../etc',
  'UPPER-case',
  '-leading',
  'x'.repeat(60),
  "o'neil",
  'a b c',
  '%2e%2e',
];

interface Case {
  label: string;
  route: RouteCase;
  headers: Record<string, string>;
  body?: unknown;
  params?: (offerId: string) => Record<string, string>;
}

function cases(): Case[] {
  const all: Case[] = [];
  const next = random(20240917);
  for (const route of ROUTES) {
    const valid: Record<string, string> = route.body ? { 'content-type': route.body.type } : {};
    for (const principal of FORGED_PRINCIPALS) {
      all.push({
        label: `${route.name} forged principal`,
        route,
        headers: { ...valid, 'x-ms-client-principal': principal },
        body: route.body?.value,
      });
    }
    for (const id of BAD_IDS.slice(0, 4)) {
      all.push({
        label: `${route.name} bad id ${id}`,
        route,
        headers: { ...valid, 'x-ms-client-principal': PEOPLE.root },
        body: route.body?.value,
        params: (o) => ({ ...route.params(o), offerId: id }),
      });
    }
    if (!route.body) continue;
    for (const body of BAD_JSON_BODIES) {
      all.push({
        label: `${route.name} bad body`,
        route,
        headers: { 'content-type': 'application/json', 'x-ms-client-principal': PEOPLE.ann },
        body,
      });
    }
    for (const type of WRONG_TYPES) {
      all.push({
        label: `${route.name} type ${type}`,
        route,
        headers: { 'content-type': type, 'x-ms-client-principal': PEOPLE.ann },
        body: route.body.value,
      });
    }
    for (let i = 0; i < 5; i++) {
      const bytes = Buffer.from(
        Array.from({ length: Math.floor(next() * 6000) }, () => Math.floor(next() * 256)),
      );
      all.push({
        label: `${route.name} random bytes ${i}`,
        route,
        headers: {
          'content-type': route.body.type,
          'x-ms-client-principal': PEOPLE.ann,
          'content-length': String(bytes.length),
        },
        body: bytes,
      });
    }
  }
  return all;
}

describe('malformed input', () => {
  const all = cases();
  let offerId = '';
  beforeAll(async () => {
    offerId = uniqueOfferId('fuzz');
    await seedOffer(services, offerId, 'contoso');
  });

  it('has at least 200 cases', () => {
    expect(all.length).toBeGreaterThanOrEqual(200);
  });

  it('answers every case with a 4xx (or success) and the error body, never a 5xx', async () => {
    const failures: string[] = [];
    for (const c of all) {
      const req = request(c.route.method, c.route.path(offerId), {
        params: (c.params ?? c.route.params)(offerId),
        query: c.route.query,
        headers: c.headers,
        body: c.body,
      });
      const { context: ctx, lines } = context();
      const res = answer(
        'plain' in c.route.handler
          ? await c.route.handler.plain(req, ctx)
          : await c.route.handler.durable(req, new RecordingClient(), ctx),
      );
      const wellFormedError =
        res.status < 400 ||
        (typeof res.body?.error?.code === 'string' && typeof res.body.error.message === 'string');
      if (res.status >= 500 || !wellFormedError)
        failures.push(`${c.label}: ${res.status} ${JSON.stringify(res.body)} ${lines.join(' ')}`);
      expect(JSON.stringify(res.body ?? '')).not.toMatch(/\bat \w+ \(|AccountKey=/);
    }
    expect(failures).toEqual([]);
  });
});
