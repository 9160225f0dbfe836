/**
 * Starts the local host (dist/devhost/main.js, built by jest's globalSetup) as a child process
 * against the tests' Azurite, on a free port and with its own task hub.
 *
 *   const host = await startHost();                       // the real app (package.json "main")
 *   const host = await startHost({ main: 'dist/test/fixtures/hostapp/*.js' });
 *   const res = await host.request('GET', '/api/offers', undefined, { 'x-ms-client-principal': p });
 *   res.status; res.json(); res.text; res.headers
 *   await host.restart();                                  // same port, env and task hub
 *   await host.kill('SIGKILL');                            // a crash: nothing is shut down cleanly
 *   await host.stop();                                     // always, in afterAll / finally
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../devhost/azurite';

/** The project root, whether this runs from source (jest) or compiled under dist/ (bench, demo). */
const ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();
const READY = /Host ready on http:\/\/localhost:(\d+)/;

export interface HostOptions {
  /** Extra environment for the host (merged over the defaults below). */
  env?: Record<string, string>;
  /** Glob of registration modules, relative to the project root (DEVHOST_MAIN); default: package.json "main". */
  main?: string;
  port?: number;
  /** How long the host may take to say it is ready (default 30 s; building the .NET extension host takes longer). */
  readyWithinMs?: number;
}

export interface HostResponse {
  status: number;
  headers: Headers;
  text: string;
  json<T = unknown>(): T;
}

export interface RunningHost {
  baseUrl: string;
  port: number;
  taskHub: string;
  /** `body` is sent as JSON unless it is a string or Buffer. */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HostResponse>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops (SIGTERM) if running, then starts again with the same port, env and task hub. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Everything the host printed so far (all runs). */
  output(): string;
  /** The host process id while it runs (for measuring its memory). */
  pid(): number | undefined;
}

export async function startHost(options: HostOptions = {}): Promise<RunningHost> {
  // Tests share jest's Azurite; benchmarks and the demo pass their own as env.AzureWebJobsStorage.
  const storage = options.env?.AzureWebJobsStorage ?? process.env.TEST_STORAGE_CONNECTION;
  if (!storage)
    throw new Error(
      'No storage: run through jest (globalSetup starts Azurite) or pass env.AzureWebJobsStorage.',
    );
  const port = options.port ?? (await freePort());
  const taskHub = `TestHub${randomBytes(5).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AzureWebJobsStorage: storage,
    PORT: String(port),
    DEVHOST_TASK_HUB: taskHub,
    NO_PROXY: '127.0.0.1,localhost',
    ...(options.main ? { DEVHOST_MAIN: options.main } : {}),
    ...options.env,
  };
  let log = '';
  let child: ChildProcess | undefined;

  async function launch(): Promise<void> {
    const proc = spawn(process.execPath, [path.join(ROOT, 'dist/devhost/main.js')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.once('exit', (code, signal) => (log += `\n[host exited: code ${code}, signal ${signal}]\n`));
    await waitForReady(proc, (chunk) => (log += chunk), options.readyWithinMs ?? 30_000);
  }

  async function kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
  }

  await launch();
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    port,
    taskHub,
    request: (method, urlPath, body, headers) => send(baseUrl + urlPath, method, body, headers),
    kill,
    async restart() {
      await kill('SIGTERM');
      await launch();
    },
    stop: () => kill('SIGTERM'),
    output: () => log,
    pid: () => (child && child.exitCode === null ? child.pid : undefined),
  };
}

function waitForReady(proc: ChildProcess, append: (chunk: string) => void, withinMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`The host was not ready within ${withinMs / 1000} s:\n${seen}`));
    }, withinMs);
    const onData = (data: Buffer) => {
      const text = data.toString();
      append(text);
      seen += text;
      if (READY.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The host exited (${code}) before it was ready:\n${seen}`));
    });
  });
}

async function send(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<HostResponse> {
  const isRaw = typeof body === 'string' || Buffer.isBuffer(body);
  const init: RequestInit = {
    method,
    headers: body !== undefined && !isRaw ? { 'content-type': 'application/json', ...headers } : headers,
    body: body === undefined ? undefined : isRaw ? (body as string | Buffer) : JSON.stringify(body),
  };
  const response = await fetch(url, init);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: <T>() => JSON.parse(text) as T,
  };
}
