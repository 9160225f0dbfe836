/**
 * A stand-in for the `@azure/functions-core` module that the Node worker injects at run time.
 * `@azure/functions` registers every function and hook through it; we capture them and invoke
 * through the library's own invocation model, so HTTP, blob and durable conversions are the
 * worker's, not ours.
 */
import { randomUUID } from 'node:crypto';
import Module from 'node:module';
import path from 'node:path';
import type { FunctionInvoker, FunctionRegistration, HttpAnswer, InvokeOptions } from './types';

export const CORE_MODULE_NAME = '@azure/functions-core';

/** The worker's typed-data envelope (the subset the library's converters read). */
export type TypedData =
  | { string: string }
  | { json: string }
  | { bytes: Uint8Array }
  | { int: number }
  | { double: number }
  | { http: unknown };

interface CoreBinding {
  type: string;
  direction: string;
  [key: string]: unknown;
}

interface CoreMetadata {
  name: string;
  bindings: Record<string, CoreBinding>;
}

type Callback = (...args: unknown[]) => unknown;
type HookCallback = (context: Record<string, unknown>) => unknown;

interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], callback: Callback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<{ returnValue?: TypedData | null }>;
}

interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreContext: unknown): InvocationModel;
  getCapabilities?(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

interface Disposable {
  dispose(): void;
}

/** What the library calls on `@azure/functions-core`. */
export interface CoreApi {
  version: string;
  hostVersion: string;
  setProgrammingModel(model: ProgrammingModel): void;
  getProgrammingModel(): ProgrammingModel | undefined;
  registerFunction(metadata: CoreMetadata, callback: Callback): Disposable;
  registerHook(name: string, callback: HookCallback): Disposable;
  log(level: string, category: string, message: string): void;
}

export interface FunctionsCore {
  api: CoreApi;
  invoker: FunctionInvoker;
  /** Runs the app's `appStart` hooks (call once, after the registration modules loaded). */
  appStart(functionAppDirectory: string): Promise<void>;
  /**
   * Asks the programming model for its capabilities, as the worker does once the app is loaded
   * (this locks app.setup). With app.setup({ enableHttpStream: true }) the library starts its HTTP
   * proxy and answers `HttpUri`: the host then forwards each HTTP request's body there as a stream.
   */
  capabilities(): Promise<Record<string, string>>;
  appTerminate(): Promise<void>;
}

interface Registered {
  metadata: CoreMetadata;
  callback: Callback;
}

type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation';

export function createFunctionsCore(log: (message: string) => void): FunctionsCore {
  const functions = new Map<string, Registered>();
  const hooks = new Map<string, HookCallback[]>();
  const appHookData: Record<string, unknown> = {};
  let model: ProgrammingModel | undefined;

  const api: CoreApi = {
    version: '3.10.1',
    hostVersion: '4.0.0-devhost',
    setProgrammingModel: (m) => (model = m),
    getProgrammingModel: () => model,
    registerFunction(metadata, callback) {
      if (functions.has(metadata.name)) throw new Error(`Function "${metadata.name}" is registered twice.`);
      functions.set(metadata.name, { metadata, callback });
      return { dispose: () => functions.delete(metadata.name) };
    },
    registerHook(name, callback) {
      const list = hooks.get(name) ?? [];
      list.push(callback);
      hooks.set(name, list);
      return { dispose: () => void list.splice(list.indexOf(callback), list.includes(callback) ? 1 : 0) };
    },
    log(level, category, message) {
      // The worker forwards "system" logs to the host; user logs come through the same call.
      log(`[${level}] ${category === 'system' ? '(worker) ' : ''}${message}`);
    },
  };

  async function runHooks(name: HookName, context: Record<string, unknown>): Promise<void> {
    for (const hook of hooks.get(name) ?? []) await hook(context);
  }

  const invoker: FunctionInvoker = {
    list: () => [...functions.values()].map((f) => toRegistration(f.metadata)),
    get(name) {
      const found = functions.get(name);
      return found ? toRegistration(found.metadata) : undefined;
    },
    async invoke(name, triggerValue, options = {}) {
      const started = performance.now();
      const type = functions.get(name) ? toRegistration(functions.get(name)!.metadata).trigger.type : '';
      try {
        const result = await invokeOnce(name, triggerValue, options);
        // Streamed HTTP: the status is the proxy's answer, known once it was relayed.
        const answer = options.httpAnswer && (await options.httpAnswer.catch(() => undefined));
        log(invocationLine(name, type, succeeded(type, result, answer), performance.now() - started));
        return result;
      } catch (error) {
        log(invocationLine(name, type, failed(error), performance.now() - started));
        throw error;
      }
    },
  };

  async function invokeOnce(name: string, triggerValue: unknown, options: InvokeOptions): Promise<unknown> {
    const found = functions.get(name);
    if (!found) throw new Error(`No function named "${name}" is registered.`);
    if (!model) throw new Error('The app never called setProgrammingModel (is @azure/functions loaded?).');
    const coreContext = buildCoreContext(found.metadata, triggerValue, options, api.log);
    const invocation = model.getInvocationModel(coreContext);
    const { context, inputs } = await invocation.getArguments();
    const pre: Record<string, unknown> = {
      invocationContext: context,
      inputs,
      functionCallback: found.callback,
      hookData: {},
      appHookData,
    };
    await runHooks('preInvocation', pre);
    const post: Record<string, unknown> = { ...pre, result: undefined, error: undefined };
    try {
      post.result = await invocation.invokeFunction(
        context,
        pre.inputs as unknown[],
        pre.functionCallback as Callback,
      );
    } catch (error) {
      post.error = error;
    }
    coreContext.state = 'postInvocationHooks';
    await runHooks('postInvocation', post);
    if (post.error !== undefined) throw post.error;
    const response = await invocation.getResponse(context, post.result);
    return fromTypedData(response.returnValue);
  }

  return {
    api,
    invoker,
    appStart: (functionAppDirectory) =>
      runHooks('appStart', { hookData: {}, appHookData, functionAppDirectory }),
    appTerminate: () => runHooks('appTerminate', { hookData: {}, appHookData }),
    capabilities: async () => (await model?.getCapabilities?.({})) ?? {},
  };
}

/**
 * One line per invocation, as Core Tools prints "Executed 'Functions.x' (Succeeded, ...)": the
 * function, its trigger, the outcome and the duration. An orchestration episode that finishes
 * shows its output, so a workflow that returned 'Failed' does not read as a plain success.
 */
export function invocationLine(name: string, triggerType: string, outcome: string, ms: number): string {
  const trigger = triggerType.replace(/Trigger$/, '') || 'unknown';
  return `Executed 'Functions.${name}' (${trigger}, ${outcome}, Duration=${Math.round(ms)}ms)`;
}

const MAX_SHOWN = 120;

function shorten(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text;
}

export function succeeded(triggerType: string, result: unknown, answer?: HttpAnswer): string {
  if (triggerType === 'orchestrationTrigger') {
    const state = result as { isDone?: boolean; output?: unknown } | undefined;
    if (!state?.isDone) return 'Awaiting';
    return `Completed (output: ${shorten(JSON.stringify(state.output ?? null))})`;
  }
  if (triggerType === 'httpTrigger') {
    const http = answer ?? httpAnswerOf(result);
    // Never a guessed status: a 409 logged as "HTTP 200" sends a reader the wrong way.
    if (!http) return 'Succeeded';
    return `Succeeded (HTTP ${http.status}${http.code ? ` ${shorten(http.code)}` : ''})`;
  }
  return 'Succeeded';
}

/** The status and error code of a buffered HTTP result (the RPC response the library produced). */
function httpAnswerOf(result: unknown): HttpAnswer | undefined {
  const response = result as { statusCode?: string | number; body?: unknown } | undefined;
  const status = Number(response?.statusCode);
  if (!Number.isInteger(status) || status < 100) return undefined;
  const code = status >= 400 ? errorCodeOf(bodyText(response?.body)) : undefined;
  return { status, ...(code ? { code } : {}) };
}

function bodyText(body: unknown): string | undefined {
  const typed = body as { string?: string; bytes?: Uint8Array } | undefined;
  if (typeof typed?.string === 'string') return typed.string;
  if (typed?.bytes) return Buffer.from(typed.bytes).toString('utf8');
  return undefined;
}

/** api.md's `error.code` of an error body, if the text is one (bounded: only small bodies are parsed). */
export function errorCodeOf(text: string | undefined): string | undefined {
  if (!text || text.length > 64 * 1024) return undefined;
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } } | null)?.error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

export function failed(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // An orchestrator's error carries its state after this label: the message is enough here.
  const first = message.split('$OutOfProcData$')[0]!.trim().split('\n')[0] ?? '';
  return `Failed (${shorten(first)})`;
}

function toRegistration(metadata: CoreMetadata): FunctionRegistration {
  const trigger = Object.entries(metadata.bindings).find(([, b]) => /trigger$/i.test(b.type));
  if (!trigger) throw new Error(`Function "${metadata.name}" has no trigger binding.`);
  return { name: metadata.name, trigger: { ...trigger[1], name: trigger[0] }, bindings: metadata.bindings };
}

/** The worker's `CoreInvocationContext`: the invocation request in its RPC shape. */
function buildCoreContext(
  metadata: CoreMetadata,
  triggerValue: unknown,
  options: InvokeOptions,
  log: CoreApi['log'],
): { invocationId: string; state: string; [key: string]: unknown } {
  const registration = toRegistration(metadata);
  const inputData = [
    { name: registration.trigger.name, data: triggerData(registration.trigger.type, triggerValue) },
  ];
  for (const [type, value] of Object.entries(options.extraInputs ?? {})) {
    for (const [name, binding] of Object.entries(metadata.bindings)) {
      if (binding.type === type && binding.direction === 'in' && name !== registration.trigger.name) {
        inputData.push({ name, data: extraInputData(value) });
      }
    }
  }
  const triggerMetadata: Record<string, unknown> = { ...options.typedTriggerMetadata };
  for (const [key, value] of Object.entries(options.triggerMetadata ?? {}))
    triggerMetadata[key] = toTypedData(value);
  const invocationId = options.invocationId ?? randomUUID();
  return {
    invocationId,
    state: 'invocation',
    metadata,
    request: { invocationId, functionId: metadata.name, inputData, triggerMetadata },
    log,
  };
}

/**
 * HTTP triggers take the RPC http shape `{method, url, headers, params, query, body}`; bytes go as
 * bytes; everything else crosses as JSON, as the durable extension sends orchestration and activity
 * triggers, so a handler sees exactly the value the caller passed (after a JSON round trip).
 */
function triggerData(type: string, value: unknown): TypedData {
  if (type.toLowerCase() === 'httptrigger') return { http: value };
  return toTypedData(value);
}

/** The host passes binding data such as the durable client's JSON as a string. */
function extraInputData(value: unknown): TypedData {
  return typeof value === 'string' ? { string: value } : toTypedData(value);
}

export function toTypedData(value: unknown): TypedData {
  if (value instanceof Uint8Array) return { bytes: value };
  return { json: JSON.stringify(value ?? null) };
}

/** The reverse of the library's toRpcTypedData: the value the host would receive. */
export function fromTypedData(data: TypedData | null | undefined): unknown {
  if (!data) return undefined;
  if ('http' in data) return data.http;
  if ('json' in data) return JSON.parse(data.json);
  if ('string' in data) return data.string;
  if ('bytes' in data) return Buffer.from(data.bytes);
  if ('int' in data) return data.int;
  if ('double' in data) return data.double;
  return undefined;
}

interface ModuleInternals {
  _resolveFilename(request: string, ...rest: unknown[]): string;
  _cache: Record<string, unknown>;
}

/**
 * Makes `require('@azure/functions-core')` return `api`, as the worker does. Must run before
 * `@azure/functions` first asks for it: the library caches a miss ("test mode") forever.
 */
export function installFunctionsCore(api: CoreApi): void {
  const internals = Module as unknown as ModuleInternals;
  const cacheKey = path.join(__dirname, '__functions-core__.js');
  const stub = new Module(cacheKey);
  stub.filename = cacheKey;
  stub.loaded = true;
  stub.exports = api;
  internals._cache[cacheKey] = stub;
  const original = internals._resolveFilename;
  internals._resolveFilename = function (request: string, ...rest: unknown[]) {
    if (request === CORE_MODULE_NAME) return cacheKey;
    return original.call(this, request, ...rest);
  };
}
