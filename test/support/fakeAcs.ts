/**
 * A local HTTP server speaking the Azure Communication Services Email protocol the real
 * `@azure/communication-email` client uses (api-version 2025-09-01 and the like):
 *
 *   POST /emails:send?api-version=...  → 202, header `operation-location` (+ `retry-after: 0`),
 *                                         body {id, status: 'Running'}
 *   GET  /emails/operations/{id}?...   → 200 {id, status: 'Succeeded'}
 *
 * Requests must carry the client's HMAC auth headers (`authorization`, `x-ms-date`,
 * `x-ms-content-sha256`); the signature itself is not checked. Failures are switched on and off
 * by the test: `failNextSends(n)` answers the next n sends 503, `setOutage(true)` answers every
 * send 503 until switched off. A 503 carries `retry-after: 0`, so the SDK's own throttling retries
 * come at once instead of after seconds of exponential backoff.
 */
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RunningHost, startHost } from './host';

export interface AcceptedEmail {
  operationId: string;
  to: string[];
  subject: string;
  plainText: string;
  /** The product's idempotency key (email header `x-offer-publishing-key`). */
  key: string | undefined;
  apiVersion: string | null;
}

export interface FakeAcs {
  /** `endpoint=http://127.0.0.1:PORT/;accesskey=...`, for ACS_EMAIL_CONNECTION_STRING. */
  connectionString: string;
  /** Every message answered 202, in order. */
  accepted: AcceptedEmail[];
  /** Send requests answered 503. */
  rejected: () => number;
  /** Requests that broke the protocol (missing auth, bad JSON, unknown route): should stay empty. */
  protocolErrors: string[];
  failNextSends(n: number): void;
  setOutage(on: boolean): void;
  /** Accepted messages per idempotency key. */
  countsByKey(): Map<string, number>;
  close(): Promise<void>;
}

export async function startFakeAcs(): Promise<FakeAcs> {
  const accepted: AcceptedEmail[] = [];
  const protocolErrors: string[] = [];
  const operations = new Map<string, AcceptedEmail>();
  let failNext = 0;
  let outage = false;
  let rejected = 0;

  const reply = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, code: string, message: string) => {
    reply(res, status, { error: { code, message } }, { 'x-ms-error-code': code });
  };
  /** 202 with the operation to poll, as ACS answers a send. */
  const accept = (res: ServerResponse, req: IncomingMessage, operationId: string, apiVersion: string) =>
    reply(
      res,
      202,
      { id: operationId, status: 'Running' },
      {
        'operation-location': `http://${req.headers.host ?? '127.0.0.1'}/emails/operations/${operationId}?api-version=${apiVersion}`,
        'retry-after': '0',
      },
    );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await readBody(req);
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion || !req.headers.authorization?.startsWith('HMAC-SHA256') || !req.headers['x-ms-date']) {
      protocolErrors.push(`${req.method} ${req.url}: missing api-version or HMAC auth headers`);
      return fail(res, 401, 'Unauthorized', 'missing api-version or HMAC authentication');
    }
    if (req.method === 'POST' && url.pathname === '/emails:send') {
      if (outage || failNext > 0) {
        if (failNext > 0) failNext--;
        rejected++;
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
        res.end(JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'fake outage' } }));
        return;
      }
      let message: {
        recipients?: { to?: { address?: string }[] };
        content?: { subject?: string; plainText?: string };
        headers?: Record<string, string>;
        senderAddress?: string;
      };
      try {
        message = JSON.parse(body.toString('utf8')) as typeof message;
      } catch {
        protocolErrors.push('POST /emails:send: body is not JSON');
        return fail(res, 400, 'BadRequest', 'body is not JSON');
      }
      const to = (message.recipients?.to ?? []).map((r) => String(r.address));
      if (!message.senderAddress || to.length === 0 || !message.content?.subject) {
        protocolErrors.push(`POST /emails:send: incomplete message ${body.toString('utf8').slice(0, 200)}`);
        return fail(res, 400, 'BadRequest', 'senderAddress, recipients.to and content.subject are required');
      }
      const operationId = String(req.headers['operation-id'] ?? randomUUID());
      // Like ACS, a send repeated with the same Operation-Id is the same operation, not a second email.
      if (operations.has(operationId)) return accept(res, req, operationId, apiVersion);
      const email: AcceptedEmail = {
        operationId,
        to,
        subject: message.content.subject,
        plainText: message.content.plainText ?? '',
        key: message.headers?.['x-offer-publishing-key'],
        apiVersion,
      };
      accepted.push(email);
      operations.set(operationId, email);
      return accept(res, req, operationId, apiVersion);
    }
    const poll = /^\/emails\/operations\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && poll) {
      const id = decodeURIComponent(poll[1] ?? '');
      if (!operations.has(id)) return fail(res, 404, 'NotFound', `no operation ${id}`);
      return reply(res, 200, { id, status: 'Succeeded' });
    }
    protocolErrors.push(`unexpected ${req.method} ${req.url}`);
    return fail(res, 404, 'NotFound', 'no such route');
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      protocolErrors.push(String(error));
      if (!res.headersSent) fail(res, 500, 'Internal', 'fake failed');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const accessKey = Buffer.from('fake-acs-access-key-for-tests').toString('base64');

  return {
    connectionString: `endpoint=http://127.0.0.1:${port}/;accesskey=${accessKey}`,
    accepted,
    rejected: () => rejected,
    protocolErrors,
    failNextSends(n) {
      failNext = n;
    },
    setOutage(on) {
      outage = on;
    },
    countsByKey() {
      const counts = new Map<string, number>();
      for (const e of accepted) counts.set(String(e.key), (counts.get(String(e.key)) ?? 0) + 1);
      return counts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A local host whose email goes to a fresh fake ACS, started before the file's tests and stopped
 * after them. Read `acs` and `host` inside tests (they are set by then).
 */
export function useHostWithFakeAcs(): { acs: FakeAcs; host: RunningHost } {
  const env = {} as { acs: FakeAcs; host: RunningHost };
  beforeAll(async () => {
    env.acs = await startFakeAcs();
    env.host = await startHost({ env: { ACS_EMAIL_CONNECTION_STRING: env.acs.connectionString } });
  }, 60_000);
  afterAll(async () => {
    // A host that died under a test explains that test's failure: show why.
    if (env.host && env.host.pid() === undefined) console.error(env.host.output().slice(-4000));
    await env.host?.stop();
    await env.acs?.close();
  });
  return env;
}
