/**
 * `npm start`: runs the app's registered functions on this machine, as the Functions host and
 * Node worker would, with Azurite as storage. No Azure account, no Core Tools.
 *
 * Settings (environment first, then local.settings.json Values). The host itself sets LOCAL_MODE=true
 * (the app's local mode: it trusts the identity header as sent and mints local tokens only then).
 *   AzureWebJobsStorage     storage connection string; unset = start Azurite with data under .data/azurite
 *   PORT                    HTTP port (7071)
 *   DEVHOST_LISTEN_HOST     address the HTTP server binds (127.0.0.1: loopback only, because the host
 *                           trusts the x-ms-client-principal header as sent; 0.0.0.0 opens it to the
 *                           network, for a container or VM port mapping only)
 *   DEVHOST_MAIN            glob of registration modules (default: package.json "main")
 *   DEVHOST_TASK_HUB        durable task hub (default: host.json extensions.durableTask.hubName)
 *   DEVHOST_MAX_BODY_BYTES  request body cap (256 MiB), larger bodies get 413
 *   DEVHOST_BLOB_RETRY_BASE_MS  first blob trigger (and blob event) retry delay (1000), doubling per failure
 *   DURABLE_ENGINE          embedded (default) or extension: the real Durable extension runs the
 *                           orchestrations (needs the .NET SDK; see ./durable/extension.ts)
 *   DEVHOST_EXTENSION_HOST  the .NET host's sources for DURABLE_ENGINE=extension (engine-oracle/)
 *
 * Event Grid subscriptions to the storage account's blob events are read from local.eventgrid.json
 * (./appFiles.ts readEventSubscriptions); the host delivers them from its blob polling.
 *   AZURITE_BLOB_PORT / AZURITE_QUEUE_PORT / AZURITE_TABLE_PORT  (10000 / 10001 / 10002)
 *
 * The Azurite it starts dies with it (also on a crash); a second `npm start` on the same data
 * folder is refused, and an Azurite left by a crashed host is stopped first (./azurite.ts).
 */
import { durableClientInputs, type ExtraInputsFor } from './bindingInputs';
import http from 'node:http';
import path from 'node:path';
import {
  applyLocalSettings,
  expandGlob,
  readEventSubscriptions,
  readHostJson,
  readMainPattern,
} from './appFiles';
import { AzuriteConflictError, RunningAzurite, startAzurite } from './azurite';
import { backoff, BlobTriggerRunner, createBlobTriggerRunner } from './blobTriggers';
import { createPersistentClock } from './clock';
import { createExtensionEngine } from './durable/extension';
import { createFunctionsCore, FunctionsCore, installFunctionsCore } from './functionsCore';
import { createHttpHost, DEFAULT_MAX_BODY_BYTES } from './httpServer';
import { createTimerTriggerRunner, TimerTriggerRunner } from './timerTriggers';
import { HttpRoute, httpRoutesOf } from './routes';
import { describeStorage } from './storageText';
import type { DurableEngine, DurableEngineOptions, FunctionInvoker } from './types';

const log = (message: string): void => console.log(`[devhost] ${message}`);

/** The app setting that turns the app's local mode on; set here, by name (devhost never imports the app). */
const LOCAL_MODE_SETTING = 'LOCAL_MODE';

/** Kept outside main() so a failed start still stops the Azurite it launched. */
let launchedAzurite: RunningAzurite | undefined;

interface Running {
  server: http.Server;
  blobs: BlobTriggerRunner;
  timers: TimerTriggerRunner;
  engine?: DurableEngine;
  core: FunctionsCore;
  azurite?: RunningAzurite;
}

async function main(): Promise<void> {
  const root = path.resolve(process.env.DEVHOST_ROOT ?? path.join(__dirname, '..', '..'));
  const env = process.env;
  env.NO_PROXY = withLocalhost(env.NO_PROXY);
  env.no_proxy = withLocalhost(env.no_proxy);
  // As Core Tools do: the durable client builds its status and management links from it.
  env.WEBSITE_HOSTNAME ??= `localhost:${env.PORT ?? 7071}`;
  // Local mode (identity header and unsigned local tokens trusted as sent, token minting, the
  // "Sign in as" picker) is the local host's to turn on: the app is on it only where this host runs
  // it, never by default (the app's docs/operations.md, "Local mode").
  env[LOCAL_MODE_SETTING] = 'true';
  const applied = applyLocalSettings(root, env);
  if (applied.length > 0) log(`local.settings.json: ${applied.join(', ')}`);
  const azurite = env.AzureWebJobsStorage ? undefined : await startLocalStorage(root);
  launchedAzurite = azurite;
  if (azurite) env.AzureWebJobsStorage = azurite.connectionString;
  const storage = env.AzureWebJobsStorage as string;

  const core = createFunctionsCore((message) => log(message));
  installFunctionsCore(core.api);
  const modules = loadApp(root, env.DEVHOST_MAIN ?? readMainPattern(root));
  await core.appStart(root);
  const { HttpUri: httpStreamUri } = await core.capabilities();

  const hostJson = readHostJson(root, env);
  const taskHub = env.DEVHOST_TASK_HUB ?? hostJson.taskHub;
  const port = Number(env.PORT ?? 7071);
  const listenHost = env.DEVHOST_LISTEN_HOST ?? '127.0.0.1';
  const clock = await createPersistentClock({ storageConnectionString: storage, key: taskHub });
  // Activities may declare a durable client input too (the webhook kick after a step change):
  // the engine's invocations get it as the HTTP, blob and timer triggers do, once the engine exists.
  let engineInputs: ExtraInputsFor = () => ({});
  const engineInvoker: FunctionInvoker = {
    list: () => core.invoker.list(),
    get: (name) => core.invoker.get(name),
    invoke: (name, value, options) =>
      core.invoker.invoke(name, value, {
        ...options,
        extraInputs: { ...engineInputs(name), ...options?.extraInputs },
      }),
  };
  const engineOptions: DurableEngineOptions = {
    invoker: engineInvoker,
    clock,
    storageConnectionString: storage,
    taskHub,
    baseUrl: `http://127.0.0.1:${port}`,
    activityConcurrency: hostJson.maxConcurrentActivityFunctions,
    log: (message) => log(`[durable] ${message}`),
  };
  const engine =
    env.DURABLE_ENGINE === 'extension'
      ? createExtensionEngine({
          ...engineOptions,
          templateDir: env.DEVHOST_EXTENSION_HOST ?? path.join(__dirname, '..', '..', 'engine-oracle'),
          workDir: path.join(root, '.data', 'extension-host'),
        })
      : loadDurableEngine(engineOptions);
  engineInputs = durableClientInputs(core.invoker, engine);
  const routes = httpRoutesOf(core.invoker.list());
  const server = createHttpHost({
    invoker: core.invoker,
    routes,
    routePrefix: hostJson.routePrefix,
    engine,
    clock,
    maxBodyBytes: Number(env.DEVHOST_MAX_BODY_BYTES ?? DEFAULT_MAX_BODY_BYTES),
    httpStreamUri,
    log,
  });
  const blobs = createBlobTriggerRunner({
    invoker: core.invoker,
    storageConnectionString: storage,
    settings: env,
    retryDelayMs: backoff(Number(env.DEVHOST_BLOB_RETRY_BASE_MS ?? 1000)),
    extraInputsFor: durableClientInputs(core.invoker, engine),
    // Blob events for Event Grid triggers, as the storage account's system topic would send them.
    eventSubscriptions: readEventSubscriptions(root),
    log,
  });

  const timers = createTimerTriggerRunner({
    invoker: core.invoker,
    clock,
    extraInputsFor: durableClientInputs(core.invoker, engine),
    log,
  });

  await listen(server, port, listenHost);
  if (!isLoopback(listenHost))
    log(
      `WARNING: listening on ${listenHost}: anything that reaches this port can call the API as anyone ` +
        '(the identity header is trusted as sent). Use this only behind a port mapping you control.',
    );
  await engine?.start();
  await blobs.start();
  await timers.start();
  const running: Running = { server, blobs, timers, engine, core, azurite };
  stopOnSignals(running);
  printSummary({
    port,
    routes,
    routePrefix: hostJson.routePrefix,
    modules,
    blobs,
    timers,
    core,
    storage,
    root,
    taskHub,
    azurite,
  });
  log(`Listening on http://${listenHost}:${port} (DEVHOST_LISTEN_HOST)`);
  log(`Host ready on http://localhost:${port}`);
}

function withLocalhost(list: string | undefined): string {
  const entries = new Set((list ?? '').split(',').filter((e) => e.trim() !== ''));
  entries.add('127.0.0.1');
  entries.add('localhost');
  return [...entries].join(',');
}

async function startLocalStorage(root: string): Promise<RunningAzurite> {
  const location = path.join(root, '.data', 'azurite');
  log(`AzureWebJobsStorage is not set: starting Azurite (data in ${location})`);
  return startAzurite({
    location,
    onNotice: log,
    ports: {
      blob: Number(process.env.AZURITE_BLOB_PORT ?? 10000),
      queue: Number(process.env.AZURITE_QUEUE_PORT ?? 10001),
      table: Number(process.env.AZURITE_TABLE_PORT ?? 10002),
    },
  });
}

function loadApp(root: string, pattern: string): string[] {
  const files = expandGlob(root, pattern);
  if (files.length === 0) {
    log(
      `WARNING: no module matches "${pattern}" under ${root} (is the app built? npm start runs tsc first).`,
    );
  }
  for (const file of files) require(file);
  return files.map((file) => path.relative(root, file));
}

type EngineFactory = (options: DurableEngineOptions) => DurableEngine;

/** The engine lives in ./durable/engine; a host without it still serves HTTP and blob triggers. */
function loadDurableEngine(options: DurableEngineOptions): DurableEngine | undefined {
  let factory: EngineFactory | undefined;
  try {
    factory = (require(path.join(__dirname, 'durable', 'engine')) as { createDurableEngine?: EngineFactory })
      .createDurableEngine;
  } catch (error) {
    if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
  }
  if (!factory) {
    log('WARNING: devhost/durable/engine is missing: orchestrations and the durable client are unavailable.');
    return undefined;
  }
  return factory(options);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

interface Summary {
  port: number;
  routes: HttpRoute[];
  routePrefix: string;
  modules: string[];
  blobs: BlobTriggerRunner;
  timers: TimerTriggerRunner;
  core: FunctionsCore;
  storage: string;
  root: string;
  taskHub: string;
  azurite?: RunningAzurite;
}

function printSummary(s: Summary): void {
  const base = `http://localhost:${s.port}/${s.routePrefix}`.replace(/\/$/, '');
  log(`Loaded ${s.modules.length} module(s): ${s.modules.join(', ')}`);
  log('HTTP functions (authLevel is not enforced locally):');
  if (s.routes.length === 0) log('  (none)');
  for (const r of s.routes) {
    log(`  ${r.functionName}: [${r.methods.join(',') || 'ANY'}] ${base}/${r.template}`);
  }
  log('Blob triggers (polled every 500 ms):');
  for (const line of s.blobs.describe()) log(`  ${line}`);
  if (s.blobs.describe().length === 0) log('  (none)');
  log('Timer triggers (NCRONTAB, UTC, on the host clock; an advance fires what it passes):');
  for (const line of s.timers.describe()) log(`  ${line}`);
  if (s.timers.describe().length === 0) log('  (none)');
  const types = s.core.invoker.list().map((f) => f.trigger.type);
  log(
    `Orchestrations: ${types.filter((t) => t === 'orchestrationTrigger').length}, ` +
      `activities: ${types.filter((t) => t === 'activityTrigger').length}, task hub: ${s.taskHub}`,
  );
  log(`Storage: ${describeStorage(s.storage)}`);
  if (s.azurite) log(`Data: ${path.join(s.root, '.data', 'azurite')} (Azurite pid ${s.azurite.pid})`);
  log(`Clock: GET /admin/clock, POST /admin/clock/advance {"by":"P8D"}`);
}

function stopOnSignals(running: Running): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    shutdown(running)
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function shutdown(running: Running): Promise<void> {
  const closed = new Promise<void>((resolve) => running.server.close(() => resolve()));
  running.server.closeAllConnections();
  await closed;
  await running.blobs.stop();
  await running.timers.stop();
  await running.engine?.stop();
  await running.core.appTerminate();
  await running.azurite?.stop();
}

main().catch(async (error: unknown) => {
  // A conflict over Azurite is the user's to resolve: its message says how, no stack needed.
  const shown =
    error instanceof AzuriteConflictError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  log(`Failed to start: ${shown}`);
  await launchedAzurite?.stop();
  process.exit(1);
});
