/**
 * The HTTP API that durable-functions' DurableClient calls under `rpcBaseUrl`
 * (lib/src/durableClient/DurableClient.js), with the extension's status codes:
 * start 202 {id} (409 when the id is Pending or Running), raiseEvent 202 / 404 / 410,
 * status 200 (finished) or 202 (Pending, Running) / 404, terminate 202 / 404 / 410,
 * purge 200 {instancesDeleted} / 404.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventType, fromJsonText, type HistoryEvent } from './history';
import { describe, type DurableRuntime } from './runtime';
import { isActive, type InstanceRecord, type RuntimeStatus } from './store';
import type { FunctionInvoker } from '../types';

export interface RpcContext {
  runtime: DurableRuntime;
  invoker: FunctionInvoker;
  /** `${baseUrl}/runtime/webhooks/durabletask/` */
  rpcBaseUrl: string;
  taskHub: string;
}

/** Characters Azure Tables refuse in keys, which instance ids become. */
const BAD_INSTANCE_ID = /[/\\#?]/;

function isAllowedInstanceId(id: string): boolean {
  const hasControl = [...id].some(
    (c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f),
  );
  return id.length > 0 && id.length <= 256 && !hasControl && !BAD_INSTANCE_ID.test(id);
}

export async function handleRpc(
  ctx: RpcContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    if (!isJsonOrEmpty(body)) return send(res, 400, { message: 'The request body is not valid JSON.' });
    await route(ctx, method, parts, url.searchParams, body, res);
  } catch (error) {
    send(res, 500, { message: describe(error) });
  }
}

async function route(
  ctx: RpcContext,
  method: string,
  parts: string[],
  query: URLSearchParams,
  body: string,
  res: ServerResponse,
): Promise<void> {
  const [head, id, action, eventName] = parts;
  if (method === 'POST' && head === 'orchestrators' && id) return startInstance(ctx, id, action, body, res);
  if (head !== 'instances')
    return send(res, 404, { message: `No durable route ${method} ${parts.join('/')}` });
  if (method === 'GET' && id) return getStatus(ctx, id, query, res);
  if (method === 'GET') return listStatuses(ctx, query, res);
  if (method === 'DELETE' && id) return purge(ctx, id, res);
  if (method === 'DELETE') return purgeBy(ctx, query, res);
  if (method === 'POST' && id && action === 'raiseEvent' && eventName) {
    const result = await ctx.runtime.raiseEvent(id, eventName, body === '' ? 'null' : body);
    return deliveryResponse(res, result, id);
  }
  if (method === 'POST' && id && action === 'terminate') {
    const result = await ctx.runtime.terminate(id, query.get('reason') ?? '');
    return deliveryResponse(res, result, id);
  }
  send(res, 501, { message: `The local host does not implement ${method} instances/${action ?? ''}.` });
}

async function startInstance(
  ctx: RpcContext,
  name: string,
  requestedId: string | undefined,
  body: string,
  res: ServerResponse,
): Promise<void> {
  const registration = ctx.invoker.get(name);
  if (registration?.trigger.type !== 'orchestrationTrigger')
    return send(res, 400, {
      message: `The function '${name}' doesn't exist or is not an orchestrator function.`,
    });
  const instanceId = requestedId ?? randomUUID().replace(/-/g, '');
  if (!isAllowedInstanceId(instanceId))
    return send(res, 400, {
      message: `Instance id '${instanceId}' contains characters that are not allowed.`,
    });
  // Without input the SDK posts "" and axios JSON-encodes it to '""': that means no input.
  const input = body === '' || body === '""' ? 'null' : body;
  const result = await ctx.runtime.start(name, instanceId, input);
  if (result === 'conflict')
    return send(res, 409, {
      message: `An instance with ID '${instanceId}' already exists and is Pending or Running.`,
    });
  const links = managementLinks(ctx, instanceId);
  send(res, 202, links, { Location: links.statusQueryGetUri });
}

async function getStatus(
  ctx: RpcContext,
  id: string,
  query: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  const record = await ctx.runtime.store.getInstance(id);
  if (!record) return send(res, 404, { message: `No instance with ID '${id}' found.` });
  const showInput = query.get('showInput') !== 'false';
  const status: Record<string, unknown> = statusJson(record, showInput);
  if (query.get('showHistory') === 'true' && record.runtimeStatus !== 'Pending') {
    const history = await ctx.runtime.store.loadHistory(record);
    status.historyEvents = historyJson(history, query.get('showHistoryOutput') === 'true', showInput);
    // The SDK's DurableOrchestrationStatus reads `history`; the fixture client shows it that way.
    status.history = status.historyEvents;
  }
  send(res, isActive(record.runtimeStatus) ? 202 : 200, status);
}

async function listStatuses(ctx: RpcContext, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const records = selectInstances(await ctx.runtime.store.listInstances(), query);
  send(
    res,
    200,
    records.map((r) => statusJson(r, query.get('showInput') !== 'false')),
  );
}

async function purge(ctx: RpcContext, id: string, res: ServerResponse): Promise<void> {
  const result = await ctx.runtime.purge(id);
  if (result === 'notFound') return send(res, 404, { instancesDeleted: 0 });
  send(res, 200, { instancesDeleted: 1 });
}

async function purgeBy(ctx: RpcContext, query: URLSearchParams, res: ServerResponse): Promise<void> {
  let deleted = 0;
  for (const record of selectInstances(await ctx.runtime.store.listInstances(), query))
    if ((await ctx.runtime.purge(record.instanceId)) === 'purged') deleted++;
  send(res, deleted > 0 ? 200 : 404, { instancesDeleted: deleted });
}

function selectInstances(records: InstanceRecord[], query: URLSearchParams): InstanceRecord[] {
  const statuses = (query.get('runtimeStatus') ?? '').split(',').filter(Boolean) as RuntimeStatus[];
  const from = query.get('createdTimeFrom');
  const to = query.get('createdTimeTo');
  return records.filter(
    (r) =>
      (statuses.length === 0 || statuses.includes(r.runtimeStatus)) &&
      (!from || Date.parse(r.createdTime) >= Date.parse(from)) &&
      (!to || Date.parse(r.createdTime) <= Date.parse(to)),
  );
}

function deliveryResponse(res: ServerResponse, result: 'accepted' | 'notFound' | 'gone', id: string): void {
  if (result === 'accepted') return send(res, 202, {});
  if (result === 'notFound') return send(res, 404, { message: `No instance with ID '${id}' found.` });
  send(res, 410, { message: `Instance '${id}' is no longer running.` });
}

/** The status as the extension returns it: input and output present (null, never absent). */
export function statusJson(record: InstanceRecord, showInput = true): Record<string, unknown> {
  return {
    name: record.name,
    instanceId: record.instanceId,
    createdTime: record.createdTime,
    lastUpdatedTime: record.lastUpdatedTime,
    input: showInput ? fromJsonText(record.input) : null,
    output: fromJsonText(record.output),
    runtimeStatus: record.runtimeStatus,
    customStatus: fromJsonText(record.customStatus),
  };
}

/**
 * The history as the extension's status API shows it (azure-functions-durable-extension
 * ContextImplementations/DurableClient.cs GetDurableOrchestrationStatusAsync): EventType as its
 * name; OrchestratorStarted / OrchestratorCompleted left out; a TaskScheduled folded into its
 * completion (FunctionName, ScheduledTime, Input); ExecutionStarted's Name as FunctionName;
 * TimerCreated and TimerFired with their FireAt; EventId, IsPlayed, TaskScheduledId and TimerId
 * dropped; results only with showHistoryOutput (then as JSON, not text), inputs unless
 * showInput=false.
 */
export function historyJson(
  history: HistoryEvent[],
  showOutput: boolean,
  showInput = true,
): Record<string, unknown>[] {
  const scheduled = new Map<number, HistoryEvent>();
  const folded = new Set<HistoryEvent>();
  const shown: Record<string, unknown>[] = [];
  for (const e of history) {
    if (e.EventType === EventType.TaskScheduled) scheduled.set(e.EventId, e);
    if (e.EventType === EventType.TaskCompleted || e.EventType === EventType.TaskFailed) {
      const origin = scheduled.get(e.TaskScheduledId ?? -1);
      if (origin) folded.add(origin);
    }
  }
  for (const e of history) {
    if (e.EventType === EventType.OrchestratorStarted || e.EventType === EventType.OrchestratorCompleted)
      continue;
    if (folded.has(e)) continue;
    const { EventId: _id, IsPlayed: _played, TaskScheduledId, TimerId: _timer, ...rest } = e;
    const json: Record<string, unknown> = { ...rest, EventType: EventType[e.EventType] ?? e.EventType };
    if (e.EventType === EventType.ExecutionStarted) {
      delete json.Name;
      json.FunctionName = e.Name;
    }
    if (e.EventType === EventType.TaskCompleted || e.EventType === EventType.TaskFailed) {
      const origin = scheduled.get(TaskScheduledId ?? -1);
      if (origin) {
        json.ScheduledTime = origin.Timestamp;
        json.FunctionName = origin.Name;
        json.Input = origin.Input;
      }
    }
    const hasResult = e.EventType === EventType.TaskCompleted || e.EventType === EventType.ExecutionCompleted;
    if (hasResult && !showOutput) delete json.Result;
    else if (hasResult) json.Result = fromJsonTextOrRaw(e.Result);
    if (!showInput) delete json.Input;
    shown.push(json);
  }
  return shown;
}

/** DurableClient.ParseToJToken: JSON when it parses, the raw text otherwise (failure reasons). */
function fromJsonTextOrRaw(text: string | undefined): unknown {
  try {
    return fromJsonText(text);
  } catch {
    return text;
  }
}

export function managementLinks(
  ctx: RpcContext,
  instanceId: string,
): Record<string, string> & { statusQueryGetUri: string } {
  const template = managementUrls(ctx);
  const links: Record<string, string> = {};
  for (const [key, value] of Object.entries(template))
    links[key] = value.replace('INSTANCEID', encodeURIComponent(instanceId));
  return { ...links, id: instanceId, statusQueryGetUri: links.statusQueryGetUri ?? '' };
}

/** The extension's URL templates, with the INSTANCEID placeholder the SDK substitutes. */
export function managementUrls(ctx: RpcContext): Record<string, string> {
  const base = `${ctx.rpcBaseUrl}instances/INSTANCEID`;
  const q = `taskHub=${ctx.taskHub}&connection=Storage&code=`;
  return {
    id: 'INSTANCEID',
    statusQueryGetUri: `${base}?${q}`,
    sendEventPostUri: `${base}/raiseEvent/{eventName}?${q}`,
    terminatePostUri: `${base}/terminate?reason={text}&${q}`,
    rewindPostUri: `${base}/rewind?reason={text}&${q}`,
    purgeHistoryDeleteUri: `${base}?${q}`,
    restartPostUri: `${base}/restart?${q}`,
    suspendPostUri: `${base}/suspend?reason={text}&${q}`,
    resumePostUri: `${base}/resume?reason={text}&${q}`,
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

function isJsonOrEmpty(text: string): boolean {
  if (text === '') return true;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A request's body as text (the durable client's bodies are small JSON). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
