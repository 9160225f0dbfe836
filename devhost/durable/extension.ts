/**
 * DURABLE_ENGINE=extension: the app's orchestrations run on the real Durable extension (its Azure
 * Storage backend over the same Azurite: queues, history table, timers, leases), the engine Azure
 * runs, instead of the embedded one. Needs the .NET SDK; the embedded engine stays the default.
 *
 * The .NET host is the oracle's (engine-oracle/: Program.cs, Bridge.cs, ControlApi.cs and its
 * project file), built into .data/extension-host with one shim per orchestration and activity the
 * app registered, generated here, since the WebJobs SDK finds functions by attribute. Each shim
 * forwards to this process over loopback HTTP (the bridge below), which runs the registered
 * handler through the same invoker as every other trigger: the JSON protocol the Functions host
 * speaks with the Node worker.
 *
 * The durable client binding is the extension's own (its rpcBaseUrl is the extension's local
 * listener), so the app's DurableClient talks to the extension directly; the host's
 * /runtime/webhooks/durabletask/ routes are forwarded there too. Timers follow real time: the
 * host clock's advance moves timer triggers and the app's clock, not the extension's timers.
 */
import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../azurite';
import type { DurableEngine, FunctionInvoker, FunctionRegistration } from '../types';
import { readBody } from './rpc';

export interface ExtensionEngineOptions {
  invoker: FunctionInvoker;
  storageConnectionString: string;
  taskHub: string;
  /** The host's origin: client bindings name its /runtime/webhooks/durabletask as the webhook base. */
  baseUrl: string;
  /** The folder with the .NET host's sources (engine-oracle/). */
  templateDir: string;
  /** Where the generated project is built (.data/extension-host). */
  workDir: string;
  log: (message: string) => void;
}

/** The host's sources taken from the template; Shims.cs is generated instead. */
const TEMPLATE_FILES = ['OracleHost.csproj', 'Program.cs', 'Bridge.cs', 'ControlApi.cs'];
const READY = 'oracle ready';
const START_TIMEOUT_MS = 120_000;

export function createExtensionEngine(options: ExtensionEngineOptions): DurableEngine {
  let bridge: http.Server | undefined;
  let dotnet: ChildProcess | undefined;
  let binding: string | undefined;
  let rpcBaseUrl = '';
  return {
    async start() {
      const out = await build(options);
      bridge = await startBridge((_kind, name, value) => options.invoker.invoke(name, value));
      const controlPort = await freePort();
      dotnet = spawn('dotnet', [path.join(out, 'OracleHost.dll')], {
        env: hostEnv(options, bridge, controlPort),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      await ready(dotnet, options.log);
      binding = await (await fetch(`http://127.0.0.1:${controlPort}/client-binding`)).text();
      rpcBaseUrl = (JSON.parse(binding) as { rpcBaseUrl: string }).rpcBaseUrl;
      options.log(`durable: the real Durable extension runs task hub ${options.taskHub} (${rpcBaseUrl})`);
    },
    async stop() {
      dotnet?.kill('SIGKILL');
      await new Promise<void>((resolve) => (bridge ? bridge.close(() => resolve()) : resolve()));
    },
    clientBindingData() {
      if (!binding) throw new Error('the Durable extension is still starting');
      return binding;
    },
    handleRpc: (req, res, rest) =>
      forward(req, res, `${rpcBaseUrl}${rest}${new URL(req.url ?? '/', 'http://host').search}`),
  };
}

/** Copies the template, generates the shims and builds; resolves with the output folder. */
async function build(options: ExtensionEngineOptions): Promise<string> {
  const src = path.join(options.workDir, 'src');
  const out = path.join(options.workDir, 'out');
  mkdirSync(src, { recursive: true });
  for (const file of TEMPLATE_FILES) copyFileSync(path.join(options.templateDir, file), path.join(src, file));
  writeFileSync(path.join(src, 'Shims.cs'), shimsFor(options.invoker.list()));
  options.log('durable: building the Durable extension host (dotnet build)');
  try {
    await promisify(execFile)('dotnet', ['build', src, '-c', 'Release', '-o', out, '-nologo', '-v', 'q'], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT')
      throw new Error(
        'DURABLE_ENGINE=extension needs the .NET SDK (dotnet on the PATH); without it, leave DURABLE_ENGINE unset.',
      );
    throw error;
  }
  return out;
}

/** One WebJobs function per registered orchestration and activity, forwarding to the bridge. */
export function shimsFor(registrations: FunctionRegistration[]): string {
  const shim = (r: FunctionRegistration): string | undefined => {
    const name = JSON.stringify(r.name);
    const id = r.name.replace(/[^A-Za-z0-9_]/g, '_');
    if (r.trigger.type === 'orchestrationTrigger')
      return `    [FunctionName(${name})]\n    public static Task<string> Orchestrator_${id}([OrchestrationTrigger] string context) => Bridge.Orchestrate(${name}, context);`;
    if (r.trigger.type === 'activityTrigger')
      return `    [FunctionName(${name})]\n    public static Task<JToken?> Activity_${id}([ActivityTrigger] string? input) => Bridge.Activity(${name}, input);`;
    return undefined;
  };
  return [
    "// Generated by devhost/durable/extension.ts from the app's registrations: do not edit.",
    'using Microsoft.Azure.WebJobs;',
    'using Microsoft.Azure.WebJobs.Extensions.DurableTask;',
    'using Newtonsoft.Json.Linq;',
    '',
    'namespace OracleHost;',
    '',
    'public static class Shims',
    '{',
    '    [NoAutomaticTrigger]',
    '    public static void CaptureClient([DurableClient] IDurableClient client) => Bridge.Client = client;',
    '',
    '    [NoAutomaticTrigger]',
    '    public static void CaptureClientBinding([DurableClient] string binding) => Bridge.ClientBinding = binding;',
    '',
    registrations
      .map(shim)
      .filter((s): s is string => s !== undefined)
      .join('\n\n'),
    '}',
    '',
  ].join('\n');
}

function hostEnv(
  options: ExtensionEngineOptions,
  bridge: http.Server,
  controlPort: number,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AzureWebJobsStorage: options.storageConnectionString,
    ORACLE_BRIDGE_URL: `http://127.0.0.1:${(bridge.address() as AddressInfo).port}`,
    ORACLE_CONTROL_PORT: String(controlPort),
    ORACLE_TASK_HUB: options.taskHub,
    ORACLE_WEBHOOK_URL: `${options.baseUrl.replace(/\/+$/, '')}/runtime/webhooks/durabletask`,
    ORACLE_PARENT_PID: String(process.pid),
  };
  // Read by the extension as "Linux Consumption" (5 concurrent orchestrators, event log floods).
  delete env.CONTAINER_NAME;
  return env;
}

/** How the bridge answers a shim: `kind` is orchestrator or activity, `value` the JSON it sent. */
export type BridgeAnswer = (kind: string, name: string, value: unknown) => Promise<unknown>;

/**
 * The shims' other end (engine-oracle/Bridge.cs): POST /orchestrator/{name} and /activity/{name}
 * with the extension's JSON, answered 200 with the SDK's JSON, or 500 with the error's message
 * (which the shim turns into the Functions host's RPC error shape).
 */
export function startBridge(answer: BridgeAnswer): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const [, kind, name] = (req.url ?? '').split('/');
    void readBody(req)
      .then((body) => answer(kind ?? '', decodeURIComponent(name ?? ''), JSON.parse(body) as unknown))
      .then(
        (result) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(result ?? null));
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(error instanceof Error ? error.message : String(error));
        },
      );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function ready(host: ChildProcess, log: (message: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the Durable extension host did not start')),
      START_TIMEOUT_MS,
    );
    const watch = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      for (const line of text.split('\n').filter((l) => /fail|error/i.test(l)))
        log(`durable: ${line.trim()}`);
      if (text.includes(READY)) {
        clearTimeout(timer);
        resolve();
      }
    };
    host.stdout?.on('data', watch);
    host.stderr?.on('data', watch);
    host.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Durable extension host exited (${code})`));
    });
  });
}

/** A client call to the host's durable routes, passed to the extension's listener as it is. */
async function forward(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
  const body = await readBody(req);
  const answer = await fetch(target, {
    method: req.method,
    headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
    ...(body && req.method !== 'GET' ? { body } : {}),
  });
  const headers: Record<string, string> = {};
  answer.headers.forEach((value, key) => {
    if (key !== 'transfer-encoding' && key !== 'content-length') headers[key] = value;
  });
  res.writeHead(answer.status, headers);
  res.end(Buffer.from(await answer.arrayBuffer()));
}

/** Whether the .NET SDK is on the PATH (DURABLE_ENGINE=extension and the oracle need it). */
export function hasDotnet(): boolean {
  try {
    execFileSync('dotnet', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
