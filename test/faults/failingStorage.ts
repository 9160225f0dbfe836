/**
 * A pass-through proxy in front of one Azurite endpoint that answers chosen requests with a storage
 * error instead of forwarding them (the write never happens). Tests of the routes' failure paths
 * point the product's services (or a host) at it, so a status write, an index refresh or a blob
 * upload fails exactly as Azure Storage would refuse it.
 *
 * Faults use 413 EntityTooLarge by default: the storage SDKs do not retry it, so one planned fault is
 * one failed operation, as with the per-publisher index row that outgrew an entity (issue 21, 4).
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';

export interface StorageRequest {
  method: string;
  /** The path without the query, e.g. `/devstoreaccount1/OfferCatalog(PartitionKey='a',RowKey='b')`. */
  path: string;
  /** The request body as text (table entities are JSON; blob bodies are passed but not matched). */
  body: string;
}

/**
 * Returns the status to answer with (the request is then not forwarded), 'lose-answer' to forward
 * it and then drop the connection before the answer (the write happened, the client cannot know),
 * or undefined to forward it.
 */
export type FaultPlan = (request: StorageRequest) => number | 'lose-answer' | undefined;

export interface FailingProxy {
  port: number;
  /** Requests seen so far, as `METHOD path`, faulted ones marked with a trailing ` !STATUS`. */
  seen: string[];
  /** Replaces the plan (the default forwards everything). */
  plan(next: FaultPlan): void;
  close(): Promise<void>;
}

const WRITES = new Set(['PUT', 'POST', 'MERGE', 'PATCH', 'DELETE']);

export function isWrite(request: StorageRequest): boolean {
  return WRITES.has(request.method);
}

/** True for a request to this table or its entities (`/devstoreaccount1/Name` or `Name(...)`). */
export function toTable(request: StorageRequest, table: string): boolean {
  return new RegExp(`^/[^/]+/${table}(\\(|$)`).test(request.path);
}

/**
 * The row keys of `table` a request names: in its path (`Table(PartitionKey='p',RowKey='k')`,
 * URL-encoded), in the JSON of an insert (`POST /account/Table`), or, for a transaction
 * (`$batch`), in each of its operations (their request lines name updated rows; the JSON of an
 * insert names its row).
 */
export function rowKeysOf(request: StorageRequest, table: string): string[] {
  const path = safeDecode(request.path);
  const own = new RegExp(`^/[^/]+/${table}\\(PartitionKey='(?:[^']|'')*',RowKey='((?:[^']|'')*)'\\)$`).exec(
    path,
  );
  if (own?.[1] !== undefined) return [own[1].replace(/''/g, "'")];
  if (new RegExp(`^/[^/]+/${table}$`).test(path)) return insertedRowKey(request.body); // an insert
  if (!path.endsWith('/$batch') || !request.body.includes(`/${table}`)) return [];
  const keys = new Set<string>();
  const line = new RegExp(`/${table}\\(PartitionKey='(?:[^']|'')*',RowKey='((?:[^']|'')*)'\\) HTTP`, 'g');
  for (const m of request.body.matchAll(line)) keys.add(safeDecode(m[1] ?? '').replace(/''/g, "'"));
  for (const m of request.body.matchAll(/"RowKey":"((?:[^"\\]|\\.)*)"/g))
    keys.add(JSON.parse(`"${m[1] ?? ''}"`) as string);
  return [...keys];
}

/** True for a write of a row of `table` whose RowKey starts with `prefix` (alone or in a `$batch`). */
export function writesRow(request: StorageRequest, table: string, prefix: string): boolean {
  return isWrite(request) && rowKeysOf(request, table).some((key) => key.startsWith(prefix));
}

function insertedRowKey(body: string): string[] {
  try {
    const key = (JSON.parse(body) as { RowKey?: unknown }).RowKey;
    return typeof key === 'string' ? [key] : [];
  } catch {
    return [];
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export async function startFailingProxy(targetPort: number): Promise<FailingProxy> {
  const seen: string[] = [];
  let current: FaultPlan = () => undefined;
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const method = req.method ?? 'GET';
      const url = req.url ?? '/';
      const path = url.split('?')[0] ?? url;
      const fault = current({ method, path, body: body.toString('utf8') });
      if (typeof fault === 'number') {
        seen.push(`${method} ${path} !${fault}`);
        const error = {
          'odata.error': { code: 'EntityTooLarge', message: { lang: 'en-US', value: 'fault' } },
        };
        res.writeHead(fault, { 'content-type': 'application/json', 'x-ms-error-code': 'EntityTooLarge' });
        res.end(JSON.stringify(error));
        return;
      }
      seen.push(`${method} ${path}${fault ? ` !${fault}` : ''}`);
      const upstream = http.request(
        { host: '127.0.0.1', port: targetPort, method, path: url, headers: req.headers, agent },
        (answer) => {
          if (fault === 'lose-answer') {
            answer.resume();
            answer.once('end', () => res.destroy());
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.once('error', () => {
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    seen,
    plan: (next) => {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A plan that fails the first `times` requests matching `matches`, then forwards everything. */
export function failFirst(times: number, matches: (r: StorageRequest) => boolean, status = 413): FaultPlan {
  let left = times;
  return (r) => {
    if (left <= 0 || !matches(r)) return undefined;
    left--;
    return status;
  };
}
