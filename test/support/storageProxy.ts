/**
 * A fault layer in front of Azurite that tests control. One HTTP proxy per storage service (blob,
 * queue, table) on its own loopback port; the host under test gets `connectionString`, whose
 * endpoints name the proxy, while the test's own checks talk to Azurite directly.
 *
 *   const proxy = await startStorageProxy(process.env.TEST_STORAGE_CONNECTION!);
 *   const host = await startHost({ env: { AzureWebJobsStorage: proxy.connectionString } });
 *   proxy.outage('refuse');            // every port refuses connections (ECONNREFUSED) ...
 *   proxy.restore();                   // ... until now
 *   proxy.fail({ fault: { status: 503 }, times: 4, match: (op) => op.table?.endsWith('History') });
 *   proxy.fail({ fault: 'reset', match: (op) => op.method === 'PUT' });   // until cleared
 *
 * Faults: 'refuse' (window only: the ports stop listening, open connections are dropped), 'reset'
 * (the connection is reset before the request reaches Azurite), { delayMs } (forwarded late), and
 * { status: 500 | 503 } (answered by the proxy with an Azure error body; Azurite never sees it).
 * A rule with `times` spends one count per matching request, so a test can measure an outage in
 * refused operations rather than in seconds. Rules can match what a request touches: its path, and
 * for a table transaction (`$batch`) its body, so a test can fail only the requests of one offer. Headers and bodies pass unchanged (Shared Key
 * signatures stay valid).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Service = 'blob' | 'queue' | 'table';

/** One storage request as the proxy sees it. */
export interface StorageOperation {
  service: Service;
  method: string;
  /** The path without the query, e.g. `/devstoreaccount1/Offers(PartitionKey='a',RowKey='')`. */
  path: string;
  /** The table a table request names (`$batch` requests name none in their path). */
  table?: string;
  /** The container a blob request names. */
  container?: string;
  /** `$batch` for a table transaction. */
  batch: boolean;
  /** The body of a `$batch` (it names the table and the rows only there); empty for others. */
  body: string;
}

export type Fault = 'reset' | { delayMs: number } | { status: 500 | 503 };

export interface FaultRule {
  fault: Fault;
  /** Which requests; all when absent. */
  match?: (op: StorageOperation) => boolean;
  /** How many matching requests get the fault; unbounded when absent (until `clear`). */
  times?: number;
  /** Matching requests let through before the fault starts (0 when absent). */
  skip?: number;
}

export interface StorageProxy {
  connectionString: string;
  /** Requests seen so far (also those that got a fault). */
  operations: StorageOperation[];
  /** Requests that got a fault so far. */
  faulted: number;
  /** Adds a rule; returns a function that removes it. */
  fail(rule: FaultRule): () => void;
  /** Every request (and, for 'refuse', every connection) fails until `restore`. */
  outage(fault: Fault | 'refuse'): Promise<void>;
  /** Ends an outage and removes every rule. */
  restore(): Promise<void>;
  /** Removes every rule (an outage stays). */
  clear(): void;
  close(): Promise<void>;
}

const SERVICES: Service[] = ['blob', 'queue', 'table'];
const ENDPOINT_NAME: Record<Service, string> = { blob: 'Blob', queue: 'Queue', table: 'Table' };

interface LiveRule extends FaultRule {
  skipped: number;
  used: number;
}

export async function startStorageProxy(upstreamConnectionString: string): Promise<StorageProxy> {
  const rules: LiveRule[] = [];
  const operations: StorageOperation[] = [];
  let windowFault: Fault | 'refuse' | undefined;
  let faulted = 0;
  const proxies = new Map<Service, ServiceProxy>();

  function faultFor(op: StorageOperation): Fault | undefined {
    if (windowFault && windowFault !== 'refuse') return windowFault;
    for (const rule of rules) {
      if (rule.match && !rule.match(op)) continue;
      if (rule.skipped < (rule.skip ?? 0)) {
        rule.skipped++;
        continue;
      }
      if (rule.times !== undefined && rule.used >= rule.times) continue;
      rule.used++;
      return rule.fault;
    }
    return undefined;
  }

  let connectionString = upstreamConnectionString;
  for (const service of SERVICES) {
    const upstreamPort = endpointPort(upstreamConnectionString, service);
    if (upstreamPort === undefined) continue;
    const proxy = new ServiceProxy(service, upstreamPort, (op) => {
      operations.push(op);
      const fault = faultFor(op);
      if (fault) faulted++;
      return fault;
    });
    await proxy.listen(0);
    proxies.set(service, proxy);
    connectionString = connectionString.replace(
      new RegExp(`${ENDPOINT_NAME[service]}Endpoint=(https?)://[^:/;]+:\\d+`),
      `${ENDPOINT_NAME[service]}Endpoint=$1://127.0.0.1:${proxy.port}`,
    );
  }

  const all = [...proxies.values()];
  return {
    connectionString,
    operations,
    get faulted() {
      return faulted;
    },
    fail(rule) {
      const live: LiveRule = { ...rule, skipped: 0, used: 0 };
      rules.push(live);
      return () => {
        const index = rules.indexOf(live);
        if (index >= 0) rules.splice(index, 1);
      };
    },
    async outage(fault) {
      windowFault = fault;
      if (fault === 'refuse') await Promise.all(all.map((p) => p.stopListening()));
    },
    async restore() {
      const wasRefusing = windowFault === 'refuse';
      windowFault = undefined;
      rules.splice(0);
      if (wasRefusing) await Promise.all(all.map((p) => p.listen(p.port)));
    },
    clear: () => void rules.splice(0),
    close: async () => {
      await Promise.all(all.map((p) => p.close()));
    },
  };
}

/** A pass-through proxy for one service port that asks `decide` what to do with each request. */
class ServiceProxy {
  port = 0;
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    private readonly service: Service,
    private readonly upstreamPort: number,
    private readonly decide: (op: StorageOperation) => Fault | undefined,
  ) {}

  async listen(port: number): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 5000;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** The port refuses connections from now on; open connections are dropped. */
  async stopListening(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  async close(): Promise<void> {
    await this.stopListening();
    this.agent.destroy();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const op = describeOperation(this.service, req.method ?? 'GET', req.url ?? '/');
    if (!op.batch) return this.apply(op, req, res);
    // A transaction's rows are in its body: read it first so rules can match them.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => {
      const body = Buffer.concat(chunks);
      op.body = body.toString('utf8');
      this.apply(op, req, res, body);
    });
  }

  private apply(
    op: StorageOperation,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body?: Buffer,
  ): void {
    const fault = this.decide(op);
    if (fault === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault && 'status' in fault) {
      if (!body) req.resume();
      answerError(res, this.service, fault.status);
      return;
    }
    const forward = () => this.forward(req, res, body);
    if (fault && 'delayMs' in fault) setTimeout(forward, fault.delayMs);
    else forward();
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, body?: Buffer): void {
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: this.upstreamPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: this.agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.once('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    if (body) upstream.end(body);
    else req.pipe(upstream);
  }
}

function answerError(res: http.ServerResponse, service: Service, status: 500 | 503): void {
  const code = status === 503 ? 'ServerBusy' : 'InternalError';
  const message = status === 503 ? 'The server is busy.' : 'The server encountered an internal error.';
  if (service === 'table') {
    res.writeHead(status, { 'content-type': 'application/json', 'x-ms-error-code': code });
    res.end(JSON.stringify({ 'odata.error': { code, message: { lang: 'en-US', value: message } } }));
  } else {
    res.writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code });
    res.end(
      `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    );
  }
}

export function describeOperation(service: Service, method: string, url: string): StorageOperation {
  const path = url.split('?')[0] ?? url;
  const segments = path.split('/').filter(Boolean);
  const second = decodeURIComponent(segments[1] ?? '');
  const op: StorageOperation = { service, method, path, batch: second === '$batch', body: '' };
  if (service === 'table' && second && !op.batch) op.table = second.replace(/\(.*$/, '');
  if (service !== 'table' && second) op.container = second;
  return op;
}

function endpointPort(connectionString: string, service: Service): number | undefined {
  const match = new RegExp(`${ENDPOINT_NAME[service]}Endpoint=https?://[^:/;]+:(\\d+)`).exec(
    connectionString,
  );
  return match?.[1] ? Number(match[1]) : undefined;
}

/** An operation as the cost tests name it: `METHOD table-or-container` (a `$batch` names its table). */
export function operationName(op: StorageOperation): string {
  const table = op.table ?? /\/([A-Za-z][A-Za-z0-9]*)\(PartitionKey=/.exec(op.body)?.[1];
  return `${op.method} ${table ?? op.container ?? op.path}${op.batch ? ' $batch' : ''}`;
}

/** The operations `run` made through `proxy`, named as operationName does. */
export async function operationsOf(proxy: StorageProxy, run: () => Promise<unknown>): Promise<string[]> {
  const mark = proxy.operations.length;
  await run();
  return proxy.operations.slice(mark).map(operationName);
}
