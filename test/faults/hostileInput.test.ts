/**
 * A hostile-input corpus through the real host (issue 8, "Faults"): every hostile archive of the
 * package corpus uploaded through the API becomes a Failed report with its rule id; malformed
 * bodies, wrong content types, oversized bodies, bad ids and forged or undecodable principals are
 * all answered 4xx with the api.md error body, never a 5xx; and the host keeps serving.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createStorageClients } from '../../shared/adapters/storage';
import { CONTAINERS } from '../../shared/contracts/names';
import { HostResponse, RunningHost, startHost } from '../support/host';
import { appJson, hostileCases, zipPackage } from '../support/packages';
import { PEOPLE } from '../support/principals';
import { completeOffer, waitFor } from '../support/scenario';

const MAX_JSON_BODY_BYTES = 4096;
const MAX_PACKAGE_BYTES = 1536 * 1024; // above the long-name probe: a blob over it is refused unread
const MAX_ARTIFACT_BYTES = 64 * 1024;
const DEVHOST_MAX_BODY_BYTES = 2 * 1024 * 1024;

let host: RunningHost;
beforeAll(async () => {
  host = await startHost({
    env: {
      MAX_JSON_BODY_BYTES: String(MAX_JSON_BODY_BYTES),
      MAX_PACKAGE_BYTES: String(MAX_PACKAGE_BYTES),
      MAX_ARTIFACT_BYTES: String(MAX_ARTIFACT_BYTES),
      DEVHOST_MAX_BODY_BYTES: String(DEVHOST_MAX_BODY_BYTES),
    },
  });
}, 60_000);
afterAll(async () => {
  await host?.stop();
});

const offerIdFor = (label: string) =>
  `hostile-${label.toLowerCase().replace(/[^a-z0-9]/g, '')}-${randomBytes(3).toString('hex')}`.slice(0, 50);
const as = (person: keyof typeof PEOPLE) => ({ 'x-ms-client-principal': PEOPLE[person] });
const b64 = (value: string) => Buffer.from(value).toString('base64');

interface Report {
  state: string;
  findings: { rule: string; severity: string; message: string }[];
}

async function createOffer(offerId: string): Promise<void> {
  const res = await host.request('PUT', `/api/offers/${offerId}`, completeOffer(), as('ann'));
  expect(res.status).toBe(201);
}

/** The api.md error body: `{error: {code, message, details?}}`, no stack trace, no secret. */
function errorProblems(label: string, res: HostResponse, code?: string): string[] {
  const problems: string[] = [];
  if (res.status < 400 || res.status >= 500)
    problems.push(`${label}: status ${res.status} ${res.text.slice(0, 200)}`);
  let body: { error?: { code?: unknown; message?: unknown } } | undefined;
  try {
    body = res.json();
  } catch {
    problems.push(`${label}: body is not JSON: ${res.text.slice(0, 200)}`);
  }
  if (typeof body?.error?.code !== 'string' || typeof body.error.message !== 'string')
    problems.push(`${label}: not the error body: ${res.text.slice(0, 200)}`);
  else if (code && body.error.code !== code)
    problems.push(`${label}: code ${body.error.code}, expected ${code}`);
  if (/\bat \S+ \(|AccountKey=|accesskey=/i.test(res.text))
    problems.push(`${label}: leaks internals: ${res.text}`);
  return problems;
}

/** A body sent with chunked transfer encoding, without content-length: the limit must hold while reading. */
function sendChunked(path: string, headers: Record<string, string>, chunks: Buffer[]): Promise<HostResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: host.port,
        path,
        method: 'PUT',
        headers: { ...headers, 'transfer-encoding': 'chunked' },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: new Headers(),
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      },
    );
    // The host may answer 413 and close before every chunk is written.
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error),
    );
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('hostile input through the host', () => {
  it('reports every hostile archive uploaded through the API as Failed with its rule id', async () => {
    const cases = Object.entries(hostileCases());
    expect(cases.length).toBeGreaterThanOrEqual(20);
    const storage = createStorageClients({ AzureWebJobsStorage: process.env.TEST_STORAGE_CONNECTION });
    const outcomes = await Promise.all(
      cases.map(async ([name, c]) => {
        const offerId = offerIdFor(name);
        await createOffer(offerId);
        const upload = await host.request('PUT', `/api/offers/${offerId}/package`, c.bytes, {
          ...as('ann'),
          'content-type': 'application/octet-stream',
          'x-file-name': c.fileName,
        });
        if (c.bytes.length === 0) {
          // The route refuses an empty body; the blob itself may still be uploaded directly.
          expect(errorProblems(`${name} upload`, upload, 'invalid_request')).toEqual([]);
          await storage.blobService
            .getContainerClient(CONTAINERS.packages)
            .getBlockBlobClient(`${offerId}/${c.fileName}`)
            .uploadData(c.bytes);
        } else {
          expect(upload.status).toBe(202);
        }
        const report = await waitFor(
          `the report of ${name}`,
          () => host.request('GET', `/api/offers/${offerId}/package-validation`, undefined, as('ann')),
          (res) => res.status === 200 && res.json<Report>().state !== 'Pending',
          60_000,
        );
        const body = report.json<Report>();
        return { name, expected: c.rule, state: body.state, rules: body.findings.map((f) => f.rule) };
      }),
    );
    const wrong = outcomes.filter((o) => o.state !== 'Failed' || !o.rules.includes(o.expected));
    expect(wrong).toEqual([]);
  });

  it('answers malformed, mistyped, oversized and unauthenticated requests 4xx with the error body', async () => {
    const offerId = offerIdFor('requests');
    await createOffer(offerId);
    const json = { 'content-type': 'application/json' };
    const jsonRoutes = [
      { path: `/api/offers/${offerId}`, method: 'PUT', person: 'ann' as const },
      { path: `/api/offers/${offerId}/publish`, method: 'POST', person: 'ann' as const },
      { path: `/api/offers/${offerId}/reviews/marketing`, method: 'POST', person: 'mia' as const },
    ];
    const badJson: (string | Buffer)[] = [
      '{',
      '{"a":1,}',
      'null',
      '[]',
      '42',
      '"string"',
      '',
      '['.repeat(2000) + ']'.repeat(2000),
      Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x7b]),
    ];
    const wrongTypes = [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
    ];
    const forged = [
      'not base64 !!!',
      b64('not json'),
      b64('null'),
      b64('[]'),
      b64('{"claims":"roles"}'),
      b64(JSON.stringify({ claims: [{ typ: 'roles', val: 'Admin' }] }).slice(0, 20)),
      '%%%',
      b64('\u0000\u0001\u0002'),
      'A'.repeat(8000),
    ];
    type Case = { label: string; run: () => Promise<HostResponse>; code?: string };
    const cases: Case[] = [];
    for (const r of jsonRoutes) {
      for (const [i, body] of badJson.entries())
        cases.push({
          label: `${r.method} ${r.path} bad JSON #${i}`,
          run: () => host.request(r.method, r.path, body, { ...as(r.person), ...json }),
          code: r.path.endsWith('marketing') ? undefined : 'invalid_request', // not in review: 409 first
        });
      for (const type of wrongTypes)
        cases.push({
          label: `${r.method} ${r.path} as ${type}`,
          run: () =>
            host.request(r.method, r.path, '{"outcome":"approved"}', {
              ...as(r.person),
              'content-type': type,
            }),
          code: r.path.endsWith('marketing') ? undefined : 'unsupported_media_type',
        });
      cases.push({
        label: `${r.method} ${r.path} without a content type`,
        run: () => host.request(r.method, r.path, Buffer.from('{}'), as(r.person)),
      });
      cases.push({
        label: `${r.method} ${r.path} over MAX_JSON_BODY_BYTES`,
        run: () =>
          host.request(r.method, r.path, JSON.stringify({ description: 'x'.repeat(MAX_JSON_BODY_BYTES) }), {
            ...as(r.person),
            ...json,
          }),
        code: r.path.endsWith('marketing') ? undefined : 'payload_too_large',
      });
    }
    cases.push({
      label: 'PUT offer over MAX_JSON_BODY_BYTES, chunked without content-length',
      run: () =>
        sendChunked(`/api/offers/${offerId}`, { ...as('ann'), ...json }, [
          Buffer.from('{"description":"'),
          ...Array.from({ length: 8 }, () => Buffer.alloc(1024, 0x78)),
          Buffer.from('"}'),
        ]),
      code: 'payload_too_large',
    });
    const pkg =
      (bytes: Buffer, type = 'application/octet-stream') =>
      () =>
        host.request('PUT', `/api/offers/${offerId}/package`, bytes, { ...as('ann'), 'content-type': type });
    cases.push({
      label: 'package as text/plain',
      run: pkg(Buffer.from('PK\u0003\u0004'), 'text/plain'),
      code: 'unsupported_media_type',
    });
    cases.push({
      label: 'package as JSON',
      run: pkg(Buffer.from('{}'), 'application/json'),
      code: 'unsupported_media_type',
    });
    cases.push({
      label: 'package over MAX_PACKAGE_BYTES',
      run: pkg(Buffer.alloc(MAX_PACKAGE_BYTES + 1)),
      code: 'payload_too_large',
    });
    cases.push({
      label: 'package over the host body cap',
      run: pkg(Buffer.alloc(DEVHOST_MAX_BODY_BYTES + 1)),
      code: 'payload_too_large',
    });
    cases.push({
      label: 'package over MAX_PACKAGE_BYTES, chunked without content-length',
      run: () =>
        sendChunked(
          `/api/offers/${offerId}/package`,
          { ...as('ann'), 'content-type': 'application/zip' },
          Array.from({ length: MAX_PACKAGE_BYTES / (64 * 1024) + 1 }, () => Buffer.alloc(64 * 1024)),
        ),
      code: 'payload_too_large',
    });
    cases.push({
      label: 'artifact over MAX_ARTIFACT_BYTES',
      run: () =>
        host.request(
          'PUT',
          `/api/offers/${offerId}/artifacts/logo-216.png`,
          Buffer.alloc(MAX_ARTIFACT_BYTES + 1),
          {
            ...as('ann'),
            'content-type': 'image/png',
          },
        ),
      code: 'payload_too_large',
    });
    const reads = [`/api/offers/${offerId}/status`, `/api/offers/${offerId}`, '/api/offers'];
    for (const path of reads) {
      cases.push({
        label: `GET ${path} without a principal`,
        run: () => host.request('GET', path),
        code: 'unauthenticated',
      });
      for (const [i, principal] of forged.entries())
        cases.push({
          label: `GET ${path} forged principal #${i}`,
          run: () => host.request('GET', path, undefined, { 'x-ms-client-principal': principal }),
        });
    }
    for (const [i, principal] of forged.entries())
      cases.push({
        label: `POST go-live forged principal #${i}`,
        run: () =>
          host.request('POST', `/api/offers/${offerId}/go-live`, undefined, {
            'x-ms-client-principal': principal,
          }),
      });
    for (const path of ['UPPER-case', 'ab', '-leading', 'x'.repeat(60), '%2e%2e', "o'neil"])
      cases.push({
        label: `bad offer id ${path}`,
        run: () => host.request('GET', `/api/offers/${path}/status`, undefined, as('root')),
      });
    cases.push({
      label: 'a publisher reading another publisher’s offer',
      run: () => host.request('GET', `/api/offers/${offerId}/status`, undefined, as('bob')),
    });

    const problems: string[] = [];
    for (const c of cases) {
      const answer = await c.run().catch((error: unknown) => {
        throw new Error(`${c.label}: ${String(error)} ${String((error as { cause?: unknown }).cause)}`);
      });
      problems.push(...errorProblems(c.label, answer, c.code));
    }
    expect(problems).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(80);

    // Undecodable principals are 401, not a guess at a role.
    for (const principal of forged.slice(0, 4)) {
      const res = await host.request('GET', `/api/offers/${offerId}/status`, undefined, {
        'x-ms-client-principal': principal,
      });
      expect(res.status).toBe(401);
    }
  });

  it('settles the probes of issue 15: long names, a 1 MB manifest name, long fields, huge headers', async () => {
    const storage = createStorageClients({ AzureWebJobsStorage: process.env.TEST_STORAGE_CONNECTION });
    const packages = storage.blobService.getContainerClient(CONTAINERS.packages);
    const longNames = zipPackage(
      appJson(),
      Array.from({ length: 12 }, (_, i) => ({
        name: `../${String(i)}${'n'.repeat(60_000 - 8)}.al`,
        data: Buffer.from('x'),
      })),
    );
    const bigName = zipPackage(appJson({ name: 'N'.repeat(1_000_000) }));
    const probes: [string, Buffer, string][] = [
      ['longnames', longNames, 'zip.path-traversal'],
      ['bigname', bigName, 'manifest.name-mismatch'],
    ];
    for (const [label, bytes, rule] of probes) {
      const offerId = offerIdFor(label);
      await createOffer(offerId);
      // Straight into the container, as a storage SDK would.
      await packages.getBlockBlobClient(`${offerId}/${label}.zip`).uploadData(bytes);
      const report = await waitFor(
        `the report of ${label}`,
        () => host.request('GET', `/api/offers/${offerId}/package-validation`, undefined, as('ann')),
        (res) => res.status === 200 && res.json<Report>().state !== 'Pending',
        60_000,
      );
      const body = report.json<Report>();
      expect(body.state).toBe('Failed');
      expect(body.findings.map((f) => f.rule)).toContain(rule);
      expect(report.text.length).toBeLessThan(256 * 1024);
    }

    const offerId = offerIdFor('fields');
    await createOffer(offerId);
    const longUrl = await host.request(
      'PUT',
      `/api/offers/${offerId}`,
      completeOffer({ supportUrl: `https://contoso.example/${'a'.repeat(3000)}` }),
      as('ann'),
    );
    expect(longUrl.status).toBe(400);
    expect(longUrl.json<{ error: { details: { path: string }[] } }>().error.details).toContainEqual(
      expect.objectContaining({ path: 'supportUrl' }),
    );

    const headers = await host.request('GET', '/api/openapi.json', undefined, {
      'x-big': 'a'.repeat(20 * 1024),
    });
    expect(headers.status).toBe(431);
    expect(errorProblems('huge headers', headers, 'headers_too_large')).toEqual([]);
  });

  it('is still up and serving afterwards', async () => {
    expect(host.pid()).toBeDefined();
    const openapi = await host.request('GET', '/api/openapi.json');
    expect(openapi.status).toBe(200);
    expect(openapi.json<{ openapi: string }>().openapi).toMatch(/^3\./);
    const offerId = offerIdFor('after');
    await createOffer(offerId);
    const status = await host.request('GET', `/api/offers/${offerId}/status`, undefined, as('ann'));
    expect(status.status).toBe(200);
    expect(status.json<{ state: string }>().state).toBe('NotStarted');
    expect(host.output()).not.toMatch(/uncaught|unhandled|heap out of memory/i);
  });
});
