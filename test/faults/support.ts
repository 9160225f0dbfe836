/**
 * Shared helpers of the fault suite (test/faults). Everything here is a real part: local HTTP(S)
 * servers and a pass-through proxy in front of Azurite that can withhold one chosen response, so a
 * test can crash the host while an activity waits for the answer to a write that already happened.
 *
 * Additive only: other fault tests import from here.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { loadConfig } from '../../shared/config';
import { createServices, Services } from '../../shared/services';
import { FailingProxy, startFailingProxy } from './failingStorage';

export function testStorageConnection(): string {
  const connection = process.env.TEST_STORAGE_CONNECTION;
  if (!connection) throw new Error('TEST_STORAGE_CONNECTION is not set (jest globalSetup starts Azurite)');
  return connection;
}

/** A table name no other test uses (letters and digits only, as Azure requires). */
export function uniqueTableName(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/** The port of one endpoint (`Blob`, `Queue`, `Table`) of a connection string. */
export function endpointPort(connectionString: string, service: 'Blob' | 'Queue' | 'Table'): number {
  const match = new RegExp(`${service}Endpoint=https?://[^:/;]+:(\\d+)`).exec(connectionString);
  if (!match?.[1]) throw new Error(`no ${service}Endpoint with a port in the connection string`);
  return Number(match[1]);
}

/** The same connection string with one endpoint moved to another loopback port (a proxy's). */
export function withEndpointPort(
  connectionString: string,
  service: 'Blob' | 'Queue' | 'Table',
  port: number,
): string {
  return connectionString.replace(
    new RegExp(`${service}Endpoint=(https?)://[^:/;]+:\\d+`),
    `${service}Endpoint=$1://127.0.0.1:${port}`,
  );
}

/** The product's services (stores, blobs) over a storage account, built as the app builds them. */
export function productServices(connectionString = testStorageConnection()): Services {
  return createServices(loadConfig({ AzureWebJobsStorage: connectionString, LOCAL_MODE: 'true' }));
}

/** The product's services with their table requests going through a failing proxy (failingStorage.ts). */
export async function servicesBehindTableProxy(): Promise<{ proxy: FailingProxy; services: Services }> {
  const storage = testStorageConnection();
  const proxy = await startFailingProxy(endpointPort(storage, 'Table'));
  return { proxy, services: productServices(withEndpointPort(storage, 'Table', proxy.port)) };
}

/** Every row of a table (an empty list when the table does not exist). */
export async function tableRows(
  connectionString: string,
  tableName: string,
): Promise<Record<string, unknown>[]> {
  const table = TableClient.fromConnectionString(connectionString, tableName, {
    allowInsecureConnection: true,
  });
  const rows: Record<string, unknown>[] = [];
  try {
    for await (const row of table.listEntities<Record<string, unknown>>()) rows.push(row);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return [];
    throw error;
  }
  return rows;
}

/** The entries that occur more than once (empty when every entry is unique). */
export function duplicates<T>(items: T[]): T[] {
  const seen = new Set<string>();
  const repeated: T[] = [];
  for (const item of items) {
    const key = JSON.stringify(item);
    if (seen.has(key)) repeated.push(item);
    seen.add(key);
  }
  return repeated;
}

export interface HeldRequest {
  method: string;
  path: string;
  /** The status the upstream answered with (the answer the caller never got). */
  upstreamStatus: number;
}

export interface HoldingProxy {
  port: number;
  /** Requests forwarded so far, as `METHOD path`. */
  seen: string[];
  /**
   * Forwards the next request that matches, lets the upstream carry it out, and withholds the
   * upstream's answer from the caller until the caller goes away (or the proxy closes). Resolves
   * once such an answer is being withheld.
   */
  holdResponse(matches: (method: string, path: string) => boolean): Promise<HeldRequest>;
  close(): Promise<void>;
}

/**
 * A pass-through HTTP proxy on 127.0.0.1 in front of a loopback port (an Azurite endpoint).
 * Headers and bodies are passed unchanged, so Shared Key signatures stay valid.
 */
export async function startHoldingProxy(targetPort: number): Promise<HoldingProxy> {
  const seen: string[] = [];
  const holds: {
    matches: (method: string, path: string) => boolean;
    resolve: (held: HeldRequest) => void;
  }[] = [];
  const held = new Set<http.ServerResponse>();
  const agent = new http.Agent({ keepAlive: true });

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const pathname = url.split('?')[0] ?? url;
    seen.push(`${method} ${pathname}`);
    const holdIndex = holds.findIndex((h) => h.matches(method, pathname));
    const hold = holdIndex >= 0 ? holds.splice(holdIndex, 1)[0] : undefined;
    const upstream = http.request(
      { host: '127.0.0.1', port: targetPort, method, path: url, headers: req.headers, agent },
      (answer) => {
        if (hold) {
          // Read and drop the answer: the upstream has done the work; the caller never hears of it.
          answer.resume();
          held.add(res);
          res.once('close', () => held.delete(res));
          hold.resolve({ method, path: pathname, upstreamStatus: answer.statusCode ?? 0 });
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
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    seen,
    holdResponse: (matches) => new Promise<HeldRequest>((resolve) => holds.push({ matches, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TlsServer {
  port: number;
  /** `https://127.0.0.1:PORT` */
  origin: string;
  /** The self-signed certificate; give it to a host as NODE_EXTRA_CA_CERTS so it trusts the server. */
  caFile: string;
  /** Paths requested so far. */
  requests: string[];
  /** The next request whose path starts with `prefix` gets no answer until its connection closes. */
  holdNext(prefix: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * An https server on 127.0.0.1 with a throw-away self-signed certificate (made with the openssl
 * CLI), so production code that insists on https URLs (the Test Drive probe) reaches it unchanged.
 * Every request it answers gets 200, except those `holdNext` keeps waiting.
 */
export async function startTlsServer(): Promise<TlsServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'faults-tls-'));
  const keyFile = path.join(dir, 'key.pem');
  const caFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      caFile,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const requests: string[] = [];
  const holds: { prefix: string; resolve: (path: string) => void }[] = [];
  const server = https.createServer(
    { key: readFileSync(keyFile), cert: readFileSync(caFile) },
    (req, res) => {
      const url = req.url ?? '/';
      requests.push(url);
      const index = holds.findIndex((h) => url.startsWith(h.prefix));
      const hold = index >= 0 ? holds.splice(index, 1)[0] : undefined;
      if (hold) return hold.resolve(url); // never answered: the caller waits until it is killed
      res.writeHead(200, { 'content-type': 'text/plain' }).end('Test Drive instance');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `https://127.0.0.1:${port}`,
    caFile,
    requests,
    holdNext: (prefix) => new Promise<string>((resolve) => holds.push({ prefix, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

/** Resolves with `promise`, or rejects after `ms` with a message that says what did not happen. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
