/**
 * The local host's Durable Functions engine: what the Durable extension does for an app, small
 * and exact, driving the real durable-functions replay through the function invoker.
 * Modules: history (event vocabulary), episode (one pure episode: trigger, SDK state, new work),
 * shim (the extension's walk over the SDK's actions), store (tables), scheduler (timers, activity
 * pool), runtime (instances, batched episodes), rpc (the client's HTTP API, showHistory).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DurableEngine, FunctionInvoker, HostClock } from '../types';
import { handleRpc, managementUrls, type RpcContext } from './rpc';
import { DurableRuntime } from './runtime';
import { DurableStore } from './store';

export interface DurableEngineOptions {
  invoker: FunctionInvoker;
  clock: HostClock;
  storageConnectionString: string;
  taskHub: string;
  /** The host's origin, e.g. http://127.0.0.1:7071 (no trailing slash needed). */
  baseUrl: string;
  log: (msg: string) => void;
  /** Activities running at once across all instances (default 16). */
  activityConcurrency?: number;
}

export const RPC_PREFIX = '/runtime/webhooks/durabletask/';

export function createDurableEngine(options: DurableEngineOptions): DurableEngine {
  const store = new DurableStore(options.storageConnectionString, options.taskHub);
  const runtime = new DurableRuntime({
    invoker: options.invoker,
    clock: options.clock,
    store,
    log: options.log,
    activityConcurrency: options.activityConcurrency,
  });
  const origin = options.baseUrl.replace(/\/+$/, '');
  const ctx: RpcContext = {
    runtime,
    invoker: options.invoker,
    rpcBaseUrl: `${origin}${RPC_PREFIX}`,
    taskHub: options.taskHub,
  };
  return {
    start: () => runtime.resume(),
    stop: () => runtime.stop(),
    clientBindingData: () => JSON.stringify(clientBinding(ctx, origin)),
    handleRpc: (req: IncomingMessage, res: ServerResponse, path: string) => handleRpc(ctx, req, res, path),
    settled: (maxMs: number) => runtime.settled(maxMs),
  };
}

/** The durableClient input as the extension provides it (lib/src/durableClient/getClient.js reads it). */
function clientBinding(ctx: RpcContext, origin: string): Record<string, unknown> {
  const webhooks = `${origin}/runtime/webhooks/durabletask`;
  const q = `taskHub=${ctx.taskHub}&connection=Storage&code=`;
  return {
    taskHubName: ctx.taskHub,
    creationUrls: {
      createNewInstancePostUri: `${webhooks}/orchestrators/{functionName}[/{instanceId}]?code=`,
      createAndWaitOnNewInstancePostUri: `${webhooks}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=`,
    },
    managementUrls: managementUrls(ctx),
    baseUrl: webhooks,
    requiredQueryStringParameters: q,
    rpcBaseUrl: ctx.rpcBaseUrl,
  };
}
