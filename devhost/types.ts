/**
 * Seams between the parts of the local host. The host shell (module hook, HTTP server,
 * blob triggers, Azurite, clock) and the durable engine meet only through these types.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One function the app registered through @azure/functions (captured by the core stand-in). */
export interface FunctionRegistration {
  name: string;
  /** The trigger binding (its `type` is e.g. httpTrigger, blobTrigger, orchestrationTrigger, activityTrigger). */
  trigger: { name: string; type: string; [key: string]: unknown };
  /** All bindings by their (randomly suffixed) names, as the library declared them. */
  bindings: Record<string, { type: string; direction: string; [key: string]: unknown }>;
}

export interface InvokeOptions {
  /** Trigger metadata (e.g. blob `name`, `uri`, `properties`). */
  triggerMetadata?: Record<string, unknown>;
  /** Extra input binding values by binding type, e.g. { durableClient: "<json>" }. */
  extraInputs?: Record<string, unknown>;
  /** The invocation's id (default: a new one); HTTP streaming matches the proxied request by it. */
  invocationId?: string;
  /** Trigger metadata already in the worker's typed-data shape (HTTP streaming: params as strings). */
  typedTriggerMetadata?: Record<string, unknown>;
  /**
   * HTTP streaming: the answer as the client got it (relayed from the library's proxy), which the
   * invocation's own result does not carry. The invocation's log line waits for it.
   */
  httpAnswer?: Promise<HttpAnswer>;
}

/** What an HTTP request was answered: its status and, for an error body, its api.md code. */
export interface HttpAnswer {
  status: number;
  code?: string;
}

/** Invokes a registered function through the library's own invocation model (the worker's conversions). */
export interface FunctionInvoker {
  list(): FunctionRegistration[];
  get(name: string): FunctionRegistration | undefined;
  /** Returns the handler's converted result (for HTTP: the response data); throws what the handler throws. */
  invoke(name: string, triggerValue: unknown, options?: InvokeOptions): Promise<unknown>;
}

/** The host clock: real time plus an offset that POST /admin/clock/advance moves forward. */
export interface HostClock {
  now(): Date;
  advance(ms: number): void;
  /** Called after every advance, so timers can re-check what is due. */
  onAdvance(listener: () => void): void;
}

export interface DurableEngine {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The JSON the SDK's df.getClient() expects as the durableClient input binding. */
  clientBindingData(): string;
  /** Serves the durable client's HTTP calls; `path` is below /runtime/webhooks/durabletask/. */
  handleRpc(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
  /**
   * Resolves once no activity runs and no instance has work queued (so every timer the running
   * work leads to exists), or after `maxMs`. The clock advance waits for it; an engine that cannot
   * tell (the real extension) leaves it out.
   */
  settled?(maxMs: number): Promise<void>;
}

/** What `createDurableEngine(options)` of devhost/durable/engine.ts receives from the host shell. */
export interface DurableEngineOptions {
  invoker: FunctionInvoker;
  clock: HostClock;
  storageConnectionString: string;
  taskHub: string;
  /** The host's own origin, e.g. http://127.0.0.1:7071 (webhooks live below /runtime/webhooks/durabletask/). */
  baseUrl: string;
  /** Activities running at once (host.json durableTask.maxConcurrentActivityFunctions). */
  activityConcurrency?: number;
  log: (message: string) => void;
}
