/**
 * One orchestration episode, pure: no storage, no clock. The host's runtime runs every episode
 * through `runEpisode`; tests drive an orchestrator's real durable-functions replay with it in
 * memory, with whatever schedule of completions, timers and events they generate.
 *
 * API (stable):
 *   const orchestrators = loadOrchestrations(['dist/orchestrators/publishSubmission.js']);
 *   let history: HistoryEvent[] = [];
 *   let r = await runEpisode({
 *     orchestrator: orchestrators.get('publishSubmission')!,  // the callback df.app.orchestration registered
 *     instanceId: 'i1', input,
 *     history,                                 // every event so far (r.history of the previous episode)
 *     newEvents: [executionStarted('publishSubmission', input)],  // arrived since, in arrival order
 *     now: new Date('2026-01-01T00:00:00Z'),  // this episode's OrchestratorStarted time
 *   });
 *   r.history     the new full history, as the host persists it: history, OrchestratorStarted(now),
 *                 newEvents, the new TaskScheduled / TimerCreated, OrchestratorCompleted, and the
 *                 ExecutionCompleted / ContinueAsNew that ends the execution
 *   r.activities  newly scheduled activities: {taskId, name, input}
 *   r.timers      newly created timers: {timerId, fireAt} (retry delays and long-timer pieces included)
 *   r.status      'running' | 'completed' | 'failed' | 'continuedAsNew', with r.output (completed),
 *                 r.error (failed), r.continueAsNewInput (continuedAsNew), r.customStatus
 *   r.actions     the SDK's action list as the extension receives it (for conformance checks)
 *   r.stalled     true when the SDK still waits although every action it emitted has completed:
 *                 the SDK and the extension disagree on task ids, and the instance hangs in Azure
 * Then feed the next batch: activityCompleted(taskId, result), activityFailed(taskId, error, name?),
 * timerFired(timerId, fireAt), eventRaised(name, input); history = r.history. Retry timers and the
 * pieces of long timers are produced by the engine: the caller only fires the timers it is given.
 * After 'continuedAsNew', start a fresh history with executionStarted(name, r.continueAsNewInput).
 *
 * The protocol is the Durable extension's (3.x, Azure Storage backend): the SDK's latest replay
 * schema, every pending event in one episode in arrival order, long timers split with the
 * backend's defaults (azure-functions-durable-extension src/WebJobs.Extensions.DurableTask/
 * AzureStorageDurabilityProvider.cs: MaximumDelayTime 6 days, LongRunningTimerIntervalLength
 * 3 days), and the action list replayed as the extension does it (./shim.ts).
 */
import path from 'node:path';
import { InvocationContext } from '@azure/functions';
import { EventType, fromJsonText, toJsonText, type FailureDetails, type HistoryEvent } from './history';
import { replayActions, type TimerSettings, type WireAction } from './shim';

/** lib/src/orchestrations/ReplaySchema.js LatestReplaySchema (V4): what the host offers. */
export const REPLAY_SCHEMA = 3;

const DAY_MS = 24 * 3600 * 1000;

/** The Azure Storage provider's defaults (AzureStorageDurabilityProvider.cs). */
export const AZURE_STORAGE_TIMERS: TimerSettings = {
  maximumShortTimerMs: 6 * DAY_MS,
  longRunningTimerIntervalMs: 3 * DAY_MS,
};

/**
 * The registered orchestration callback: `(trigger, invocationContext) => state`. The runtime
 * passes one that goes through the host's function invoker (the worker's conversions).
 */
export type OrchestratorCallback = (trigger: Record<string, unknown>, context: InvocationContext) => unknown;

export interface EpisodeArgs {
  orchestrator: OrchestratorCallback;
  instanceId: string;
  /** The orchestration input (a value, not JSON text). */
  input: unknown;
  history: HistoryEvent[];
  newEvents: HistoryEvent[];
  now: Date;
  /** Defaults to the Azure Storage backend's. */
  timers?: TimerSettings;
}

export interface ScheduledActivity {
  taskId: number;
  name: string;
  input: unknown;
}

export interface ScheduledTimer {
  timerId: number;
  fireAt: string;
}

export type EpisodeStatus = 'running' | 'completed' | 'failed' | 'continuedAsNew';

export interface EpisodeResult {
  history: HistoryEvent[];
  activities: ScheduledActivity[];
  timers: ScheduledTimer[];
  status: EpisodeStatus;
  output?: unknown;
  error?: string;
  continueAsNewInput?: unknown;
  customStatus: unknown;
  actions: WireAction[];
  stalled?: boolean;
}

// ---- events a driver injects ---------------------------------------------------------------

/** Timestamps left empty are stamped with the episode's `now`. */
function injected(type: EventType, fields: Partial<HistoryEvent>, at?: Date): HistoryEvent {
  return { EventType: type, EventId: -1, Timestamp: at ? at.toISOString() : '', ...fields };
}

export function executionStarted(name: string, input: unknown, at?: Date): HistoryEvent {
  return injected(EventType.ExecutionStarted, { Name: name, Input: toJsonText(input) }, at);
}

export function activityCompleted(taskId: number, result: unknown, at?: Date): HistoryEvent {
  return injected(EventType.TaskCompleted, { TaskScheduledId: taskId, Result: toJsonText(result) }, at);
}

/** A failed activity as the extension records it (the SDK reads FailureDetails first). */
export function activityFailed(taskId: number, error: unknown, name = '', at?: Date): HistoryEvent {
  const details = failureDetails(error);
  return injected(
    EventType.TaskFailed,
    {
      TaskScheduledId: taskId,
      Reason: `Activity function '${name}' failed: ${details.ErrorMessage}`,
      Details: details.StackTrace ?? '',
      FailureDetails: details,
    },
    at,
  );
}

export function timerFired(timerId: number, fireAt: string | Date, at?: Date): HistoryEvent {
  const when = typeof fireAt === 'string' ? fireAt : fireAt.toISOString();
  return injected(EventType.TimerFired, { TimerId: timerId, FireAt: when }, at);
}

export function eventRaised(name: string, input: unknown, at?: Date): HistoryEvent {
  return injected(EventType.EventRaised, { Name: name, Input: toJsonText(input) }, at);
}

/**
 * The failure as the SDK reads it (lib/src/error/TaskFailedError.js). When the app registered an
 * exception properties provider, the SDK's activity wrapper already put this JSON in the message.
 */
export function failureDetails(error: unknown): FailureDetails {
  const err = error instanceof Error ? error : new Error(String(error));
  try {
    const wrapped = JSON.parse(err.message) as Record<string, unknown>;
    if (typeof wrapped.errorType === 'string' && typeof wrapped.errorMessage === 'string')
      return {
        ErrorType: wrapped.errorType,
        ErrorMessage: wrapped.errorMessage,
        StackTrace: typeof wrapped.stackTrace === 'string' ? wrapped.stackTrace : undefined,
        Properties: wrapped.properties as Record<string, unknown> | undefined,
      };
  } catch {
    // A plain message, not the SDK's JSON.
  }
  return { ErrorType: err.name || 'Error', ErrorMessage: err.message, StackTrace: err.stack };
}

// ---- the episode ---------------------------------------------------------------------------

/** .NET TimeSpan text ("d.hh:mm:ss"), as the extension serializes it and moment.duration reads it. */
function timeSpan(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const rest = new Date(ms - days * DAY_MS).toISOString().slice(11, 19);
  return `${days}.${rest}`;
}

/**
 * The orchestrationTrigger value (extension: OrchestrationTriggerAttributeBindingProvider.cs
 * OrchestrationContextToString; SDK: lib/src/orchestrations/Orchestrator.js). The extension build
 * that source shows offers V3; the SDK's latest is V4, which only adds entity locks.
 */
export function orchestrationTrigger(
  instanceId: string,
  input: unknown,
  history: HistoryEvent[],
  timers: TimerSettings = AZURE_STORAGE_TIMERS,
): Record<string, unknown> {
  let lastStarted = -1;
  history.forEach((e, i) => {
    if (e.EventType === EventType.OrchestratorStarted) lastStarted = i;
  });
  return {
    history: history.map((e, i) => ({ ...e, IsPlayed: i < lastStarted })),
    input,
    instanceId,
    isReplaying: lastStarted > 0,
    parentInstanceId: '',
    upperSchemaVersion: REPLAY_SCHEMA,
    upperSchemaVersionNew: REPLAY_SCHEMA,
    maximumShortTimerDuration: timeSpan(timers.maximumShortTimerMs),
    longRunningTimerIntervalDuration: timeSpan(timers.longRunningTimerIntervalMs),
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
}

interface SdkState {
  isDone: boolean;
  actions: WireAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

const OUT_OF_PROC_LABEL = '$OutOfProcData$:';

/** The state the SDK returned, or the one it appended to the error it threw. */
function readSdkState(outcome: { value: unknown } | { error: unknown }): SdkState {
  if ('value' in outcome) {
    const state = outcome.value as SdkState | undefined;
    if (!state || !Array.isArray(state.actions))
      return { isDone: false, actions: [[]], error: 'The orchestrator returned no orchestration state.' };
    return state;
  }
  const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
  const at = message.indexOf(OUT_OF_PROC_LABEL);
  if (at < 0) return { isDone: false, actions: [[]], error: message };
  try {
    const state = JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length)) as SdkState;
    return { ...state, error: state.error ?? message.slice(0, at).trim() };
  } catch {
    return { isDone: false, actions: [[]], error: message.slice(0, at).trim() };
  }
}

function stamped(e: HistoryEvent, now: Date): HistoryEvent {
  return e.Timestamp ? e : { ...e, Timestamp: now.toISOString() };
}

function historyEvent(type: EventType, now: Date, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { EventType: type, EventId: -1, Timestamp: now.toISOString(), ...fields };
}

/** Runs one episode: the SDK replays everything, the extension's walk decides the new work. */
export async function runEpisode(args: EpisodeArgs): Promise<EpisodeResult> {
  const { now } = args;
  const timers = args.timers ?? AZURE_STORAGE_TIMERS;
  const replayed = [
    ...args.history,
    historyEvent(EventType.OrchestratorStarted, now),
    ...args.newEvents.map((e) => stamped(e, now)),
  ];
  const trigger = orchestrationTrigger(args.instanceId, args.input, replayed, timers);
  // A fresh InvocationContext per replay: the SDK sets context.df only once.
  const context = new InvocationContext({ functionName: 'orchestrator', invocationId: args.instanceId });
  const outcome = await Promise.resolve()
    .then(() => args.orchestrator(trigger, context))
    .then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
  // What crosses the wire is JSON: Dates become ISO text, class instances plain objects.
  const state = JSON.parse(JSON.stringify(readSdkState(outcome))) as SdkState;
  const actions = state.actions[0] ?? [];
  const walk = replayActions(actions, replayed, timers);
  const customStatus = state.customStatus ?? null;
  const base = { actions, customStatus };
  // The framework ends an execution only when no activity or timer is open
  // (TaskOrchestrationExecutor: `if (!this.context.HasOpenTasks)`), for a completion and for the
  // SDK's error alike: an orchestrator that returns while an activity or an uncanceled timer is
  // open stays Running until it completes (goldens race-timer-wins, publish-to-live: a publishing
  // orchestration ends when its last reminder timer fires). A non-determinism fault ends it at once.
  const settled = walk.finished;
  const error = walk.fault ?? (settled ? state.error : undefined);
  if (error !== undefined) {
    const history = [
      ...replayed,
      historyEvent(EventType.OrchestratorCompleted, now),
      historyEvent(EventType.ExecutionCompleted, now, { OrchestrationStatus: 'Failed', Result: error }),
    ];
    return { ...base, history, activities: [], timers: [], status: 'failed', error };
  }
  if (state.isDone && settled) {
    if (walk.continueAsNewInput !== undefined) {
      const history = [
        ...replayed,
        historyEvent(EventType.OrchestratorCompleted, now),
        historyEvent(EventType.ContinueAsNew, now, { Result: walk.continueAsNewInput }),
      ];
      const next = fromJsonText(walk.continueAsNewInput);
      return {
        ...base,
        history,
        activities: [],
        timers: [],
        status: 'continuedAsNew',
        continueAsNewInput: next,
      };
    }
    const output = state.output ?? null;
    const history = [
      ...replayed,
      historyEvent(EventType.OrchestratorCompleted, now),
      historyEvent(EventType.ExecutionCompleted, now, {
        OrchestrationStatus: 'Completed',
        Result: toJsonText(output),
      }),
    ];
    return { ...base, history, activities: [], timers: [], status: 'completed', output };
  }
  const decisions = walk.newWork.map((a) =>
    a.kind === 'TaskScheduled'
      ? historyEvent(EventType.TaskScheduled, now, { EventId: a.id, Name: a.name, Input: a.input })
      : historyEvent(EventType.TimerCreated, now, { EventId: a.id, FireAt: a.fireAt }),
  );
  const history = [...replayed, ...decisions, historyEvent(EventType.OrchestratorCompleted, now)];
  return {
    ...base,
    history,
    activities: walk.newWork.flatMap((a) =>
      a.kind === 'TaskScheduled' ? [{ taskId: a.id, name: a.name, input: fromJsonText(a.input) }] : [],
    ),
    timers: walk.newWork.flatMap((a) =>
      a.kind === 'TimerCreated' ? [{ timerId: a.id, fireAt: a.fireAt }] : [],
    ),
    status: 'running',
    ...(walk.finished && walk.newWork.length === 0 ? { stalled: true } : {}),
  };
}

// ---- the orchestrator callbacks without a host --------------------------------------------

const loaded = new Map<string, OrchestratorCallback>();

interface GenericOptions {
  trigger?: { type?: string };
  handler?: unknown;
}

/**
 * Loads registration modules (compiled .js or, under jest, .ts) and returns every orchestration
 * callback registered so far by name: the handler df.app.orchestration passes to
 * `app.generic` (lib/src/app.js), the same one the host's core stand-in receives. The
 * registrations still reach whatever `@azure/functions-core` is installed.
 */
export function loadOrchestrations(modules: string[]): Map<string, OrchestratorCallback> {
  const functions = require('@azure/functions') as {
    app: { generic: (name: string, o: GenericOptions) => void };
  };
  const original = functions.app.generic;
  functions.app.generic = (name: string, options: GenericOptions) => {
    if (options.trigger?.type === 'orchestrationTrigger' && typeof options.handler === 'function')
      loaded.set(name, options.handler as OrchestratorCallback);
    return original(name, options);
  };
  try {
    for (const file of modules) require(path.resolve(file));
  } finally {
    functions.app.generic = original;
  }
  return new Map(loaded);
}
