/**
 * One orchestrator episode: the trigger the SDK replays, the state it returns, and the diff of
 * that state against history that tells the host what new work to do.
 *
 * Replay schema V1 (upperSchemaVersion 0) is used on purpose: the SDK then flattens every
 * Task.any / Task.all into the leaf actions of one yield, in exactly the order it hands out task
 * ids (lib/src/orchestrations/OrchestratorState.js), and it never splits long timers (V3+ would
 * need maximumShortTimerDuration and emit chains of sub-timers). So "new work" is simply the
 * entries past the count already handled, and each id-consuming leaf takes the next sequence id.
 *
 * The host delivers exactly one new event per episode. The SDK then allocates ids in a fixed order:
 * first for what that one event causes inside callActivityWithRetry (the retry-delay timer after a
 * failure, the next attempt after that timer), then for newly yielded tasks. The host mirrors that
 * order; with several new events per episode it would have to mirror the SDK's interleaving too.
 */
import { EventType, event, fromJsonText, toJsonText, type HistoryEvent, type RetryPolicy } from './history';

/** The V1 replay schema: flattened actions, plain timers. */
export const REPLAY_SCHEMA = 0;

/** lib/src/actions/ActionType.js */
export enum ActionType {
  CallActivity = 0,
  CallActivityWithRetry = 1,
  CallSubOrchestrator = 2,
  CallSubOrchestratorWithRetry = 3,
  ContinueAsNew = 4,
  CreateTimer = 5,
  WaitForExternalEvent = 6,
  CallEntity = 7,
  CallHttp = 8,
  SignalEntity = 9,
  WhenAny = 11,
  WhenAll = 12,
}

/** An action as it arrives from the SDK after the worker's JSON conversion. */
export interface WireAction {
  actionType: ActionType;
  functionName?: string;
  input?: unknown;
  retryOptions?: RetryPolicy;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
}

export interface OrchestratorState {
  isDone: boolean;
  actions: WireAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

export type EpisodeResult =
  | { kind: 'state'; state: OrchestratorState }
  | { kind: 'failed'; message: string; customStatus?: unknown };

const OUT_OF_PROC_LABEL = '$OutOfProcData$:';

/** The orchestrationTrigger value the SDK expects (lib/src/orchestrations/Orchestrator.js). */
export function orchestratorTrigger(
  instanceId: string,
  input: unknown,
  history: HistoryEvent[],
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
  };
}

/** Reads what an orchestrator invocation produced: its state, or the failure it threw. */
export function readEpisodeResult(outcome: { value: unknown } | { error: unknown }): EpisodeResult {
  if ('value' in outcome) {
    const state = outcome.value as OrchestratorState | undefined;
    if (!state || !Array.isArray(state.actions))
      return { kind: 'failed', message: 'The orchestrator returned no orchestration state.' };
    return { kind: 'state', state };
  }
  const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
  const at = message.indexOf(OUT_OF_PROC_LABEL);
  if (at < 0) return { kind: 'failed', message };
  // The SDK appends its state (with the orchestrator's error) to the thrown message.
  try {
    const state = JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length)) as OrchestratorState;
    return {
      kind: 'failed',
      message: state.error ?? message.slice(0, at).trim(),
      customStatus: state.customStatus,
    };
  } catch {
    return { kind: 'failed', message: message.slice(0, at).trim() };
  }
}

/** What the host knows from history alone (so it survives a crash). */
export interface Book {
  nextSequence: number;
  actionCount: number;
  scheduled: Map<number, HistoryEvent>;
  timers: Map<number, HistoryEvent>;
  openActivities: Map<number, HistoryEvent>;
  openTimers: Map<number, HistoryEvent>;
}

export function readBook(history: HistoryEvent[]): Book {
  const book: Book = {
    nextSequence: 0,
    actionCount: 0,
    scheduled: new Map(),
    timers: new Map(),
    openActivities: new Map(),
    openTimers: new Map(),
  };
  for (const e of history) noteEvent(book, e);
  return book;
}

function noteEvent(book: Book, e: HistoryEvent): void {
  switch (e.EventType) {
    case EventType.TaskScheduled:
      book.scheduled.set(e.EventId, e);
      book.openActivities.set(e.EventId, e);
      book.nextSequence = Math.max(book.nextSequence, e.EventId + 1);
      break;
    case EventType.TaskCompleted:
    case EventType.TaskFailed:
      book.openActivities.delete(e.TaskScheduledId ?? -1);
      break;
    case EventType.TimerCreated:
      book.timers.set(e.EventId, e);
      book.openTimers.set(e.EventId, e);
      book.nextSequence = Math.max(book.nextSequence, e.EventId + 1);
      break;
    case EventType.TimerFired:
      book.openTimers.delete(e.TimerId ?? -1);
      break;
    case EventType.OrchestratorCompleted:
      book.actionCount = e.ActionCount ?? book.actionCount;
      break;
    default:
      break;
  }
}

/** True when history ends inside an episode (its new event stored, its decisions not yet). */
export function episodeOpen(history: HistoryEvent[]): boolean {
  const last = history[history.length - 1];
  return last !== undefined && (last.EventType === EventType.OrchestratorStarted || isEpisodeTrigger(last));
}

function isEpisodeTrigger(e: HistoryEvent): boolean {
  return [
    EventType.ExecutionStarted,
    EventType.TaskCompleted,
    EventType.TaskFailed,
    EventType.TimerFired,
    EventType.EventRaised,
  ].includes(e.EventType);
}

export type Outcome =
  | { kind: 'running' }
  | { kind: 'completed'; output: unknown }
  | { kind: 'failed'; message: string }
  | { kind: 'continuedAsNew'; input: unknown };

export interface Decision {
  /** Events to append after the episode (ending with OrchestratorCompleted). */
  events: HistoryEvent[];
  /** TaskScheduled events whose activities must now run. */
  activities: HistoryEvent[];
  /** TimerCreated events to arm. */
  timers: HistoryEvent[];
  outcome: Outcome;
  customStatus: unknown;
}

/** Diffs the episode's state against history (which ends with the episode's one new event). */
export function decide(history: HistoryEvent[], result: EpisodeResult, now: Date): Decision {
  const book = readBook(history);
  if (result.kind === 'failed')
    return finished(book, now, { kind: 'failed', message: result.message }, result.customStatus);
  const state = result.state;
  const events: HistoryEvent[] = [];
  const next = () => book.nextSequence++;
  const trigger = history[history.length - 1];
  if (trigger) events.push(...retryFollowUps(book, trigger, now, next));
  let continueAsNew: { input: unknown } | undefined;
  for (const entry of state.actions.slice(book.actionCount)) {
    for (const action of entry) {
      const scheduled = scheduleAction(action, now, next);
      if (scheduled === 'continueAsNew') continueAsNew = { input: fromJsonText(inputText(action.input)) };
      else if (typeof scheduled === 'string')
        return finished(book, now, { kind: 'failed', message: scheduled }, state.customStatus);
      else if (scheduled) events.push(scheduled);
    }
  }
  book.actionCount = state.actions.length;
  const outcome: Outcome = !state.isDone
    ? { kind: 'running' }
    : continueAsNew
      ? { kind: 'continuedAsNew', input: continueAsNew.input }
      : { kind: 'completed', output: state.output ?? null };
  if (outcome.kind !== 'running') return finished(book, now, outcome, state.customStatus);
  events.push(event(EventType.OrchestratorCompleted, now, { ActionCount: book.actionCount }));
  return {
    events,
    activities: events.filter((e) => e.EventType === EventType.TaskScheduled),
    timers: events.filter((e) => e.EventType === EventType.TimerCreated),
    outcome,
    customStatus: state.customStatus ?? null,
  };
}

function finished(book: Book, now: Date, outcome: Outcome, customStatus: unknown): Decision {
  const events = [event(EventType.OrchestratorCompleted, now, { ActionCount: book.actionCount })];
  if (outcome.kind === 'completed')
    events.push(event(EventType.ExecutionCompleted, now, { Result: toJsonText(outcome.output) }));
  if (outcome.kind === 'failed')
    events.push(event(EventType.ExecutionFailed, now, { Reason: outcome.message }));
  if (outcome.kind === 'continuedAsNew')
    events.push(event(EventType.ContinueAsNew, now, { Input: toJsonText(outcome.input) }));
  return { events, activities: [], timers: [], outcome, customStatus: customStatus ?? null };
}

/**
 * callActivityWithRetry emits one action; the SDK then expects, per failed attempt, a TimerFired
 * for the retry delay (even after the last attempt) and otherwise the next attempt's outcome,
 * each on a fresh id (lib/src/task/RetryableTask.js). The host schedules those itself.
 */
function retryFollowUps(book: Book, trigger: HistoryEvent, now: Date, next: () => number): HistoryEvent[] {
  if (trigger.EventType === EventType.TaskFailed) {
    const failed = book.scheduled.get(trigger.TaskScheduledId ?? -1);
    if (!failed?.RetryOptions) return [];
    const fireAt = new Date(now.getTime() + retryDelay(failed.RetryOptions, failed.Attempt ?? 1));
    return [
      event(EventType.TimerCreated, now, {
        EventId: next(),
        FireAt: fireAt.toISOString(),
        RetryOf: failed.EventId,
      }),
    ];
  }
  if (trigger.EventType === EventType.TimerFired) {
    const timer = book.timers.get(trigger.TimerId ?? -1);
    const failed = timer?.RetryOf === undefined ? undefined : book.scheduled.get(timer.RetryOf);
    if (!failed?.RetryOptions) return [];
    const attempt = (failed.Attempt ?? 1) + 1;
    if (attempt > failed.RetryOptions.maxNumberOfAttempts) return [];
    return [
      event(EventType.TaskScheduled, now, {
        EventId: next(),
        Name: failed.Name,
        Input: failed.Input,
        RetryOptions: failed.RetryOptions,
        Attempt: attempt,
      }),
    ];
  }
  return [];
}

/** The delay before the next attempt, as Durable Task computes it from RetryOptions. */
export function retryDelay(policy: RetryPolicy, failedAttempt: number): number {
  const coefficient =
    policy.backoffCoefficient && policy.backoffCoefficient > 0 ? policy.backoffCoefficient : 1;
  const delay = policy.firstRetryIntervalInMilliseconds * Math.pow(coefficient, failedAttempt - 1);
  const cap = policy.maxRetryIntervalInMilliseconds;
  return cap && cap > 0 ? Math.min(delay, cap) : delay;
}

/** A history event for a leaf action, undefined for a wait, or a reason it cannot run here. */
function scheduleAction(
  action: WireAction,
  now: Date,
  next: () => number,
): HistoryEvent | undefined | 'continueAsNew' | string {
  switch (action.actionType) {
    case ActionType.CallActivity:
      return event(EventType.TaskScheduled, now, {
        EventId: next(),
        Name: action.functionName,
        Input: inputText(action.input),
      });
    case ActionType.CallActivityWithRetry:
      return event(EventType.TaskScheduled, now, {
        EventId: next(),
        Name: action.functionName,
        Input: inputText(action.input),
        RetryOptions: action.retryOptions,
        Attempt: 1,
      });
    case ActionType.CreateTimer:
      return event(EventType.TimerCreated, now, { EventId: next(), FireAt: action.fireAt });
    case ActionType.WaitForExternalEvent:
      return undefined;
    case ActionType.ContinueAsNew:
      return 'continueAsNew';
    default:
      return `The local host does not support ${ActionType[action.actionType] ?? `action type ${action.actionType}`}.`;
  }
}

/** Action inputs are pre-serialized when they are strings (lib/src/util/Utils.js processInput). */
function inputText(input: unknown): string {
  return typeof input === 'string' ? input : toJsonText(input);
}
