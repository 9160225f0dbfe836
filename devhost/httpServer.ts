/**
 * The local host's HTTP front door: HTTP triggers under /{routePrefix}, the durable client's
 * webhooks under /runtime/webhooks/durabletask/, and the local-only clock admin routes.
 * authLevel is not enforced: locally every level is allowed, as with Core Tools.
 */
import { durableClientInputs } from './bindingInputs';
import { randomUUID } from 'node:crypto';
import dns from 'node:dns';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { PersistentClock } from './clock';
import { parseDuration } from './clock';
import { createRouteTable, HttpRoute, RouteMatch } from './routes';
import type { DurableEngine, FunctionInvoker, HttpAnswer } from './types';
import { errorCodeOf } from './functionsCore';

export const DURABLE_WEBHOOK_PREFIX = '/runtime/webhooks/durabletask/';
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024;
/** Request headers above this get 431 (api.md's error body, from the clientError handler below). */
export const MAX_HEADER_BYTES = 16 * 1024;
/**
 * After a 413, how much more of the refused body is read and dropped before the connection is let
 * go. Closing a socket with unread bytes makes TCP send a reset, and a client still sending then
 * sees EPIPE or ECONNRESET instead of the 413; reading on (up to this bound) lets it read the answer.
 */
export const DRAIN_BYTES = 64 * 1024 * 1024;

export interface HttpHostOptions {
  invoker: FunctionInvoker;
  routes: HttpRoute[];
  routePrefix: string;
  engine?: Pick<DurableEngine, 'handleRpc' | 'clientBindingData' | 'settled'>;
  clock: PersistentClock;
  maxBodyBytes: number;
  /**
   * The library's HTTP proxy (capability HttpUri) when the app enabled HTTP streaming: request
   * bodies are then forwarded to it as they arrive and never buffered here, as the Functions host does.
   */
  httpStreamUri?: string;
  log: (message: string) => void;
}

/** The worker's RPC shape of an HTTP response (what getResponse produces). */
interface RpcHttpResponse {
  statusCode?: string | number;
  headers?: Record<string, string>;
  cookies?: RpcCookie[];
  body?: { bytes?: Uint8Array; string?: string } | null;
}

interface RpcCookie {
  name: string;
  value: string;
  domain?: { value?: string } | null;
  path?: { value?: string } | null;
  expires?: { value?: { seconds?: number } } | null;
  secure?: { value?: boolean } | null;
  httpOnly?: { value?: boolean } | null;
  sameSite?: string;
  maxAge?: { value?: number } | null;
}

class BodyTooLargeError extends Error {}

export function createHttpHost(options: HttpHostOptions): http.Server {
  const table = createRouteTable(options.routes);
  const proxyAgent = workerProxyAgent();
  const prefix = '/' + options.routePrefix.replace(/^\/+|\/+$/g, '');
  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    handle(req, res).catch((error: unknown) => failInternal(res, error, options.log));
  });
  // With this listener Node no longer answers `Expect: 100-continue` itself: an announced body
  // over the limit is refused before the client sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (declaredOver(req, options.maxBodyBytes)) return refuseBody(req, res, options.maxBodyBytes, true);
    res.writeContinue();
    server.emit('request', req, res);
  });
  server.on('clientError', answerClientError);
  return server;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    if (url.pathname.startsWith(DURABLE_WEBHOOK_PREFIX)) return durableWebhook(req, res, url);
    if (url.pathname === '/admin/clock' || url.pathname === '/admin/clock/advance') {
      return clockAdmin(req, res, url.pathname, options);
    }
    const below = belowPrefix(url.pathname, prefix);
    const matches = below === undefined ? [] : table.match(below);
    const method = (req.method ?? 'GET').toUpperCase();
    if (matches.length === 0) {
      refusedLine(method, url, 404, 'not_found');
      return sendError(res, 404, 'not_found', `No function serves ${url.pathname}.`);
    }
    const match = matches.find((m) => m.route.methods.length === 0 || m.route.methods.includes(method));
    if (!match) {
      res.setHeader('allow', [...new Set(matches.flatMap((m) => m.route.methods))].join(', '));
      refusedLine(method, url, 405, 'method_not_allowed');
      return sendError(res, 405, 'method_not_allowed', `${method} is not allowed on ${url.pathname}.`);
    }
    await invokeHttp(req, res, url, match);
  }

  /**
   * A request the host answered itself, before any function ran: one line, as an invocation gets
   * one. The path only: a query may carry a secret (a preview's hidekey).
   */
  function refusedLine(method: string, url: URL, status: number, code: string): void {
    options.log(`Refused '${method} ${url.pathname}' (HTTP ${status} ${code})`);
  }

  async function durableWebhook(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!options.engine)
      return sendError(res, 503, 'durable_unavailable', 'The durable engine is not running.');
    await options.engine.handleRpc(req, res, url.pathname.slice(DURABLE_WEBHOOK_PREFIX.length));
  }

  async function invokeHttp(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    match: RouteMatch,
  ): Promise<void> {
    if (options.httpStreamUri) return streamHttp(req, res, url, match, options.httpStreamUri);
    let body: Buffer;
    try {
      body = await readBody(req, options.maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      refusedLine(req.method ?? 'GET', url, 413, 'payload_too_large');
      return refuseBody(req, res, options.maxBodyBytes, false);
    }
    const result = await options.invoker.invoke(
      match.route.functionName,
      toRpcRequest(req, url, match, body),
      { extraInputs: durableClientInputs(options.invoker, options.engine)(match.route.functionName) },
    );
    writeResponse(res, result as RpcHttpResponse | undefined);
  }

  /**
   * HTTP streaming, as the Functions host does it: the invocation carries only the route params and
   * headers (trigger metadata); the request itself, body included, goes to the library's proxy with
   * the invocation id, and the proxy's response is the function's answer. Nothing is buffered here,
   * so a handler can refuse a body by its Content-Length before a byte of it is read.
   */
  async function streamHttp(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    match: RouteMatch,
    proxyUri: string,
  ): Promise<void> {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxBodyBytes) {
      refusedLine(req.method ?? 'GET', url, 413, 'payload_too_large');
      // Drain what the client is still sending (up to DRAIN_BYTES) rather than closing under it:
      // a close with unread bytes is a reset, and the client sees EPIPE instead of the 413.
      return refuseBody(req, res, options.maxBodyBytes, false);
    }
    const invocationId = randomUUID();
    const rpc = toRpcRequest(req, url, match, Buffer.alloc(0));
    const typedTriggerMetadata: Record<string, unknown> = { Headers: { json: JSON.stringify(rpc.headers) } };
    for (const [name, value] of Object.entries(match.params)) typedTriggerMetadata[name] = { string: value };
    const proxied = http.request(new URL(url.pathname + url.search, proxyUri), {
      method: req.method,
      // Pooled for requests without a body; one with a body has a connection of its own, which a
      // refusal mid-body cannot leave half-read for the next request (workerProxyAgent).
      agent: hasBody(req) ? proxyAgent.oneShot : proxyAgent.pooled,
      headers: {
        ...req.headers,
        // Yet the connection says keep-alive, as the Functions host's pooled client does: then the
        // proxy's server does not close its socket after a refusal with the body still arriving (a
        // close with unread bytes is a TCP reset, which would lose the answer); it discards the
        // rest, and this host closes the connection once the answer is relayed.
        connection: 'keep-alive',
        'x-ms-invocation-id': invocationId,
        'x-forwarded-host': req.headers.host ?? url.host,
        'x-forwarded-proto': 'http',
      },
    });
    const answered = relayProxyResponse(req, res, proxied);
    // A failed invocation ends the proxied request on purpose; only the first error matters.
    answered.catch(() => undefined);
    proxied.on('error', () => undefined);
    req.pipe(proxied);
    try {
      await options.invoker.invoke(match.route.functionName, rpc, {
        invocationId,
        typedTriggerMetadata,
        httpAnswer: answered,
        extraInputs: durableClientInputs(options.invoker, options.engine)(match.route.functionName),
      });
    } catch (error) {
      req.unpipe(proxied);
      proxied.destroy();
      req.resume();
      throw error;
    }
    await answered;
  }
}

/** Below the library proxy's keep-alive timeout (Node's default, 5 s): the pool lets go first. */
const PROXY_IDLE_MS = 4_000;

/**
 * Connections to the library's HTTP proxy, kept alive and reused, its name resolved once: as the
 * Functions host's pooled HttpClient does. A new connection per request cost a DNS lookup of
 * "localhost" (libuv's 4-thread pool) and a connect into the proxy's accept queue (511): under a
 * few hundred requests at once both queued, and requests waited seconds with the CPU idle
 * (notes/throughput.md in the project's history; bench/pipeline.ts measures it).
 */
function workerProxyAgent(): { pooled: http.Agent; oneShot: http.Agent } {
  const lookup = cachedLookup();
  return {
    pooled: new http.Agent({ keepAlive: true, timeout: PROXY_IDLE_MS, lookup }),
    // A request with a body gets a connection of its own, closed after its answer: a refusal can
    // leave part of the body unread on it, which would swallow the next request
    // (uploadPackageStream.test: the request after refused uploads never got its answer).
    oneShot: new http.Agent({ keepAlive: false, lookup }),
  };
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

type LookupFunction = NonNullable<http.AgentOptions['lookup']>;
type LookupCallback = Parameters<LookupFunction>[2];
type LookupAnswer = [string | dns.LookupAddress[], number | undefined];

/** dns.lookup, each name and option set asked once (the proxy's name is a loopback one). */
function cachedLookup(): LookupFunction {
  const answers = new Map<string, LookupAnswer>();
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    const key = `${hostname}|${options.family ?? 0}|${options.all ? 'all' : 'one'}|${options.hints ?? 0}`;
    const known = answers.get(key);
    if (known) return void process.nextTick(() => callback(null, ...known));
    dns.lookup(hostname, options, (error, address, family) => {
      if (!error) answers.set(key, [address, family]);
      callback(error, address, family);
    });
  };
}

/** Hop-by-hop headers the proxy's response must not pass on, and the proxy's own id header. */
const NOT_RELAYED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'x-ms-invocation-id']);

function relayProxyResponse(
  req: IncomingMessage,
  res: ServerResponse,
  proxied: http.ClientRequest,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    proxied.once('error', reject);
    proxied.once('response', (answer) => {
      let refused = false;
      const status = answer.statusCode ?? 200;
      res.statusCode = status;
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && !NOT_RELAYED.has(name)) res.setHeader(name, value);
      }
      if (!req.complete) {
        // Answered before the body was read (a refusal): stop forwarding. The rest of the body is
        // read and dropped on a connection kept open, so the client finishes sending and reads the
        // answer (closing under it is a reset: EPIPE, no answer), up to DRAIN_BYTES whether its length
        // is declared or not (chunked). A body declared longer than that is closed on.
        req.unpipe(proxied);
        refused = true;
        const declared = Number(req.headers['content-length']);
        if (!Number.isFinite(declared) || !declaredOver(req, DRAIN_BYTES)) drainRefused(req);
        else {
          req.resume();
          res.setHeader('connection', 'close');
        }
      }
      const errorBody = status >= 400 && /json/i.test(String(answer.headers['content-type'] ?? ''));
      const seen = errorBody ? keepStart(answer, ERROR_BODY_BYTES) : () => '';
      answer.pipe(res);
      answer.once('end', () => {
        // A clean exchange leaves the connection to the pool; a refused body's is closed.
        if (refused) proxied.destroy();
        const code = errorBody ? errorCodeOf(seen()) : undefined;
        resolve({ status, ...(code ? { code } : {}) });
      });
      answer.once('error', reject);
    });
  });
}

/** An error body is small; past this the code is not looked for (the body still passes through). */
const ERROR_BODY_BYTES = 64 * 1024;

/** The first `limit` bytes that pass through a stream, as text, for the log line. */
function keepStart(stream: NodeJS.ReadableStream, limit: number): () => string {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    if (size >= limit) return;
    chunks.push(chunk);
    size += chunk.length;
  });
  return () => (size > limit ? '' : Buffer.concat(chunks).toString('utf8'));
}

function belowPrefix(pathname: string, prefix: string): string | undefined {
  if (prefix === '/') return pathname;
  const lower = pathname.toLowerCase();
  if (lower === prefix.toLowerCase()) return '';
  return lower.startsWith(prefix.toLowerCase() + '/') ? pathname.slice(prefix.length + 1) : undefined;
}

function declaredOver(req: IncomingMessage, maxBytes: number): boolean {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) && declared > maxBytes;
}

/** Refused by Content-Length before a byte is read; otherwise read up to the limit. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (declaredOver(req, maxBytes)) return Promise.reject(new BodyTooLargeError());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** The worker's RpcHttpData for a request. */
function toRpcRequest(
  req: IncomingMessage,
  url: URL,
  match: RouteMatch,
  body: Buffer,
): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] ??= value;
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    url: url.toString(),
    headers,
    params: match.params,
    query,
    body: body.length > 0 ? { bytes: body } : undefined,
  };
}

function writeResponse(res: ServerResponse, response: RpcHttpResponse | undefined): void {
  if (!response) {
    res.statusCode = 204;
    res.end();
    return;
  }
  res.statusCode = Number(response.statusCode ?? 200) || 200;
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  const cookies = (response.cookies ?? []).map(formatCookie);
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  const body = response.body?.bytes ?? response.body?.string;
  res.end(body === undefined ? undefined : Buffer.from(body));
}

function formatCookie(cookie: RpcCookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  if (cookie.expires?.value?.seconds !== undefined) {
    parts.push(`Expires=${new Date(cookie.expires.value.seconds * 1000).toUTCString()}`);
  }
  if (cookie.maxAge?.value !== undefined) parts.push(`Max-Age=${cookie.maxAge.value}`);
  if (cookie.secure?.value) parts.push('Secure');
  if (cookie.httpOnly?.value) parts.push('HttpOnly');
  if (cookie.sameSite === 'lax' || cookie.sameSite === 'strict') parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join('; ');
}

async function clockAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  options: HttpHostOptions,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  if (pathname === '/admin/clock' && method === 'GET')
    return sendJson(res, 200, { now: options.clock.now() });
  if (pathname !== '/admin/clock/advance' || method !== 'POST') {
    return sendError(res, 405, 'method_not_allowed', `${method} is not allowed on ${pathname}.`);
  }
  const by = parseAdvanceBody((await readBody(req, 64 * 1024).catch(() => Buffer.alloc(0))).toString('utf8'));
  if (by === undefined) {
    return sendError(res, 400, 'invalid_request', 'Give {"by": "<ISO 8601 duration>"}, e.g. {"by": "P8D"}.', [
      {
        path: 'by',
        message: 'An ISO 8601 duration of weeks, days, hours, minutes or seconds, such as P8D or PT12H.',
      },
    ]);
  }
  // A status that says "waiting" is written by an activity before its orchestration creates the
  // timer: moving the clock before that timer exists would leave it a whole wait ahead.
  await options.engine?.settled?.(SETTLE_BEFORE_ADVANCE_MS);
  options.clock.advance(by);
  await options.clock.saved();
  options.log(`Clock advanced by ${by} ms; now ${options.clock.now().toISOString()}`);
  sendJson(res, 200, { now: options.clock.now() });
}

/** How long an advance waits for running work to settle before it moves the clock anyway. */
const SETTLE_BEFORE_ADVANCE_MS = 10_000;

function parseAdvanceBody(text: string): number | undefined {
  try {
    const body: unknown = JSON.parse(text);
    const by = (body as { by?: unknown } | null)?.by;
    return typeof by === 'string' ? parseDuration(by) : undefined;
  } catch {
    return undefined;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  details?: Array<{ path: string; message: string }>,
): void {
  sendJson(res, status, { error: { code, message, ...(details ? { details } : {}) } });
}

/**
 * 413 for a body over the limit. After `Expect: 100-continue` the client has sent nothing: answer
 * and close. Otherwise answer at once (a client may stop sending when it reads it) and keep
 * reading and dropping what still comes, up to DRAIN_BYTES, so the connection ends without a
 * reset; a body announced bigger than that cannot be drained and its connection is closed.
 */
function refuseBody(
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes: number,
  beforeContinue: boolean,
): void {
  if (beforeContinue || declaredOver(req, DRAIN_BYTES)) res.setHeader('connection', 'close');
  if (!beforeContinue) drainRefused(req);
  sendError(res, 413, 'payload_too_large', `The request body is over ${maxBytes} bytes.`);
}

function drainRefused(req: IncomingMessage): void {
  let drained = 0;
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_BYTES) req.socket.destroy();
  });
  req.resume();
}

/**
 * Errors Node's parser meets before a request exists. Headers over MAX_HEADER_BYTES get 431 with
 * api.md's error body (without this listener Node writes a bare 431); other malformed requests 400.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify({
    error: tooLarge
      ? { code: 'headers_too_large', message: `The request headers are over ${MAX_HEADER_BYTES / 1024} KiB.` }
      : { code: 'invalid_request', message: 'The request is not valid HTTP.' },
  });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function failInternal(res: ServerResponse, error: unknown, log: (message: string) => void): void {
  const correlationId = randomUUID();
  // The stack goes to the log only; the body carries an id to find it.
  log(
    `Request failed (${correlationId}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, 500, { error: { code: 'internal', message: 'The function failed.', correlationId } });
}
