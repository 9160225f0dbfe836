/**
 * What the Durable extension does with the actions an out-of-process orchestrator returns, so the
 * host records exactly the history Azure records.
 *
 * The SDK (replay schema V2 and later) returns every action since the start in one list, with
 * Task.any / Task.all as nested WhenAny / WhenAll actions (lib/src/orchestrations/
 * TaskOrchestrationExecutor.js: `[this.actions]`). The extension replays that list on every episode
 * against the Durable Task Framework's orchestration context (azure-functions-durable-extension,
 * src/WebJobs.Extensions.DurableTask/Listener/OutOfProcOrchestrationShim.cs, ProcessAsyncActionsV2):
 * it invokes the top-level actions one after the other, awaiting each before the next, while the
 * framework feeds the history events in order. Every TaskScheduled / TimerCreated takes the next
 * sequence number (DurableTask.Core TaskOrchestrationContext: `idCounter++`); numbers the history
 * does not hold yet are this episode's new work. This module is that walk, without .NET:
 * - CallActivity: one TaskScheduled.
 * - CallActivityWithRetry: DurableTask.Core/RetryInterceptor.cs. After each failed attempt a retry
 *   timer (FirstRetryInterval * BackoffCoefficient^n, capped), also after the last attempt, then
 *   the next attempt or the failure. The delay is computed at the time of the failure's episode.
 * - CreateTimer: ContextImplementations/DurableOrchestrationContext.cs CreateTimer<T>. A timer more
 *   than MaximumDelayTime away becomes a chain: pieces of LongRunningTimerIntervalLength, the last
 *   one the remainder, each created when the previous one fires (the SDK's LongTimerTask,
 *   lib/src/task/LongTimerTask.js, takes one id per piece at the same moments). A canceled timer
 *   (isCanceled) is created, then canceled at once: its task ends without waiting, and a long one
 *   creates only its first piece.
 * - WaitForExternalEvent: no sequence number; events raised before the wait are buffered per name
 *   (case-insensitive, as the extension's dictionaries) and handed out first-in first-out; an
 *   event goes to the most recent pending wait of its name.
 * - WhenAll / WhenAny: Task.WhenAll / Task.WhenAny over the children, invoked in order.
 * - ContinueAsNew: fire and forget.
 * The SDK allocates its ids in the same order; when history disagrees with the walk the framework
 * reports a non-deterministic orchestration, and so does this host.
 */
import { EventType, type HistoryEvent, type RetryPolicy } from './history';

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

/** An action as it crosses the wire (after JSON): what the extension deserializes (AsyncAction). */
export interface WireAction {
  actionType: ActionType;
  functionName?: string;
  input?: unknown;
  retryOptions?: RetryPolicy;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: WireAction[];
}

export interface TimerSettings {
  /** DurabilityProvider.MaximumDelayTime: longer timers are split. */
  maximumShortTimerMs: number;
  /** DurabilityProvider.LongRunningTimerIntervalLength: the length of each piece. */
  longRunningTimerIntervalMs: number;
}

/** A sequence number the walk handed out, with what it schedules. */
export type Allocation =
  | { id: number; kind: 'TaskScheduled'; name: string; input: string }
  | { id: number; kind: 'TimerCreated'; fireAt: string };

export interface ShimResult {
  /** Every sequence number in order, those already in history included. */
  allocations: Allocation[];
  /** Allocations the history does not hold yet: the episode's new work. */
  newWork: Allocation[];
  /** Set when the orchestrator asked to continue as new (JSON text of the new input). */
  continueAsNewInput?: string;
  /** A reason the framework would fail the orchestration (non-determinism, unsupported action). */
  fault?: string;
  /**
   * Every action the SDK emitted has completed and no activity or timer is pending: an SDK that
   * still waits then waits for a task id the extension never hands out.
   */
  finished: boolean;
}

type TaskState = 'running' | 'completed' | 'failed' | 'canceled';

/** A .NET Task, reduced to what the walk needs: a state and synchronous continuations. */
class Task {
  state: TaskState = 'running';
  private continuations: (() => void)[] = [];

  finish(state: Exclude<TaskState, 'running'>): void {
    if (this.state !== 'running') return;
    this.state = state;
    const run = this.continuations;
    this.continuations = [];
    for (const continuation of run) continuation();
  }

  then(continuation: () => void): void {
    if (this.state === 'running') this.continuations.push(continuation);
    else continuation();
  }

  static done(): Task {
    const task = new Task();
    task.state = 'completed';
    return task;
  }
}

/** Action inputs are pre-serialized when they are strings (lib/src/util/Utils.js processInput). */
export function inputText(input: unknown): string {
  if (typeof input === 'string') return input;
  return input === undefined ? 'null' : JSON.stringify(input);
}

class Walk {
  private nextId = 0;
  private now = new Date(0);
  readonly allocations: Allocation[] = [];
  private readonly openTasks = new Map<number, (completion: HistoryEvent) => void>();
  private readonly waiters = new Map<string, Task[]>();
  private readonly buffered = new Map<string, number>();
  continueAsNewInput: string | undefined;
  unsupported: string | undefined;
  /** True when every top-level action was invoked and has completed. */
  finished = false;

  constructor(
    private readonly actions: WireAction[],
    private readonly timers: TimerSettings,
  ) {}

  replay(history: HistoryEvent[]): void {
    let cursor = 0;
    // ProcessAsyncActionsV2: each top-level action is awaited before the next is invoked.
    const advance = (): void => {
      while (cursor < this.actions.length) {
        const task = this.invoke(this.actions[cursor++]!);
        if (task.state === 'running') return task.then(advance);
      }
      this.finished = true;
    };
    for (const e of history) {
      switch (e.EventType) {
        case EventType.OrchestratorStarted:
          // The framework's CurrentUtcDateTime is the episode's OrchestratorStarted time.
          this.now = new Date(e.Timestamp);
          break;
        case EventType.ExecutionStarted:
          advance();
          break;
        case EventType.TaskCompleted:
        case EventType.TaskFailed:
          this.complete(e.TaskScheduledId, e);
          break;
        case EventType.TimerFired:
          this.complete(e.TimerId, e);
          break;
        case EventType.EventRaised:
          this.raise(e.Name ?? '');
          break;
        default:
          break;
      }
    }
  }

  /** No activity or timer the walk still waits for. */
  idle(): boolean {
    return this.openTasks.size === 0;
  }

  private complete(id: number | undefined, completion: HistoryEvent): void {
    const handler = this.openTasks.get(id ?? -1);
    if (!handler) return;
    this.openTasks.delete(id!);
    handler(completion);
  }

  private raise(name: string): void {
    const key = name.toLowerCase();
    const waiting = this.waiters.get(key);
    // A stack: the latest wait gets the event (DurableOrchestrationContext.RaiseEvent), which
    // lets a Task.any in a loop abandon its older waits; the SDK pops its openEvents list alike.
    const waiter = waiting?.pop();
    if (waiter) return waiter.finish('completed');
    this.buffered.set(key, (this.buffered.get(key) ?? 0) + 1);
  }

  private invoke(action: WireAction): Task {
    switch (action.actionType) {
      case ActionType.CallActivity:
        return this.scheduleTask(action.functionName ?? '', inputText(action.input));
      case ActionType.CallActivityWithRetry:
        return this.withRetry(action);
      case ActionType.CreateTimer:
        return this.createTimer(new Date(action.fireAt ?? 0), action.isCanceled === true);
      case ActionType.WaitForExternalEvent:
        return this.waitForEvent(action.externalEventName ?? '');
      case ActionType.WhenAll:
        return whenAll((action.compoundActions ?? []).map((child) => this.invoke(child)));
      case ActionType.WhenAny:
        return whenAny((action.compoundActions ?? []).map((child) => this.invoke(child)));
      case ActionType.ContinueAsNew:
        this.continueAsNewInput = inputText(action.input);
        return Task.done();
      default:
        this.unsupported ??= `The local host does not support ${ActionType[action.actionType] ?? `action type ${String(action.actionType)}`}.`;
        return Task.done();
    }
  }

  private scheduleTask(name: string, input: string): Task {
    const id = this.nextId++;
    this.allocations.push({ id, kind: 'TaskScheduled', name, input });
    const task = new Task();
    this.openTasks.set(id, (e) =>
      task.finish(e.EventType === EventType.TaskCompleted ? 'completed' : 'failed'),
    );
    return task;
  }

  /** DurableTask.Core TaskOrchestrationContext.CreateTimer: one id, canceled through its token. */
  private plainTimer(fireAt: Date, canceled: boolean): Task {
    const id = this.nextId++;
    this.allocations.push({ id, kind: 'TimerCreated', fireAt: fireAt.toISOString() });
    const task = new Task();
    if (canceled) {
      task.finish('canceled');
      return task;
    }
    this.openTasks.set(id, () => task.finish('completed'));
    return task;
  }

  /** DurableOrchestrationContext.CreateTimer<T>: a plain timer, or a chain for a long one. */
  private createTimer(fireAt: Date, canceled: boolean): Task {
    const { maximumShortTimerMs, longRunningTimerIntervalMs } = this.timers;
    if (fireAt.getTime() - this.now.getTime() <= maximumShortTimerMs)
      return this.plainTimer(fireAt, canceled);
    const whole = new Task();
    const piece = (pieceFireAt: Date, cancelNow: boolean): void => {
      const part = this.plainTimer(pieceFireAt, cancelNow);
      part.then(() => {
        if (part.state !== 'completed') return whole.finish(part.state === 'running' ? 'failed' : part.state);
        const remaining = fireAt.getTime() - this.now.getTime();
        if (remaining <= 0) return whole.finish('completed');
        const step = remaining < longRunningTimerIntervalMs ? remaining : longRunningTimerIntervalMs;
        piece(new Date(this.now.getTime() + step), false);
      });
    };
    piece(new Date(this.now.getTime() + longRunningTimerIntervalMs), canceled);
    return whole;
  }

  private waitForEvent(name: string): Task {
    const key = name.toLowerCase();
    const task = new Task();
    const buffered = this.buffered.get(key) ?? 0;
    if (buffered > 0) {
      this.buffered.set(key, buffered - 1);
      task.finish('completed');
      return task;
    }
    const list = this.waiters.get(key) ?? [];
    list.push(task);
    this.waiters.set(key, list);
    return task;
  }

  /** DurableTask.Core/RetryInterceptor.cs Invoke and ComputeNextDelay. */
  private withRetry(action: WireAction): Task {
    const policy = action.retryOptions ?? { firstRetryIntervalInMilliseconds: 1, maxNumberOfAttempts: 1 };
    const name = action.functionName ?? '';
    const input = inputText(action.input);
    const firstAttempt = this.now.getTime();
    const whole = new Task();
    const attempt = (retryCount: number): void => {
      const call = this.scheduleTask(name, input);
      call.then(() => {
        if (call.state === 'completed') return whole.finish('completed');
        // After the last attempt the interceptor still creates a timer, due at once ("Dummy timer
        // for back-compat"), and fails when it fires: no back-off delay (golden retry-exhausted-is-caught).
        if (retryCount + 1 >= policy.maxNumberOfAttempts) {
          this.plainTimer(new Date(this.now.getTime()), false).then(() => whole.finish('failed'));
          return;
        }
        const delay = retryDelay(policy, retryCount, firstAttempt, this.now.getTime());
        if (delay <= 0) return whole.finish('failed');
        const timer = this.plainTimer(new Date(this.now.getTime() + delay), false);
        timer.then(() => attempt(retryCount + 1));
      });
    };
    attempt(0);
    return whole;
  }
}

function whenAll(children: Task[]): Task {
  const all = new Task();
  const settle = (): void => {
    if (children.some((c) => c.state === 'running')) return;
    all.finish(children.some((c) => c.state === 'failed') ? 'failed' : 'completed');
  };
  if (children.length === 0) all.finish('completed');
  for (const child of children) child.then(settle);
  return all;
}

function whenAny(children: Task[]): Task {
  const any = new Task();
  for (const child of children) child.then(() => any.finish('completed'));
  return any;
}

/**
 * RetryInterceptor.ComputeNextDelay: `attempt` is the 0-based count of the failed attempt; zero
 * means give up (the retry timeout has passed).
 */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  firstAttemptMs: number,
  nowMs: number,
): number {
  const timeout = policy.retryTimeoutInMilliseconds;
  if (timeout !== undefined && timeout > 0 && nowMs >= firstAttemptMs + timeout) return 0;
  const coefficient =
    policy.backoffCoefficient && policy.backoffCoefficient > 0 ? policy.backoffCoefficient : 1;
  const delay = policy.firstRetryIntervalInMilliseconds * Math.pow(coefficient, attempt);
  const cap = policy.maxRetryIntervalInMilliseconds;
  return cap !== undefined && cap > 0 && delay >= cap ? cap : delay;
}

/**
 * Replays `actions` (the SDK's latest list) over `history` (ending with this episode's new events)
 * the way the extension does, and compares the ids it hands out with the ones history holds.
 */
export function replayActions(
  actions: WireAction[],
  history: HistoryEvent[],
  timers: TimerSettings,
): ShimResult {
  const walk = new Walk(actions, timers);
  walk.replay(history);
  const byId = new Map(walk.allocations.map((a) => [a.id, a]));
  let fault = walk.unsupported;
  const recorded = new Set<number>();
  for (const e of history) {
    if (e.EventType !== EventType.TaskScheduled && e.EventType !== EventType.TimerCreated) continue;
    recorded.add(e.EventId);
    fault ??= mismatch(e, byId.get(e.EventId));
  }
  return {
    allocations: walk.allocations,
    newWork: walk.allocations.filter((a) => !recorded.has(a.id)),
    continueAsNewInput: walk.continueAsNewInput,
    fault,
    finished: walk.finished && walk.idle(),
  };
}

/** DurableTask.Core TaskOrchestrationContext.HandleTaskScheduledEvent / HandleTimerCreatedEvent. */
function mismatch(e: HistoryEvent, replayed: Allocation | undefined): string | undefined {
  const kind = e.EventType === EventType.TaskScheduled ? 'TaskScheduled' : 'TimerCreated';
  const what = kind === 'TaskScheduled' ? `the activity '${e.Name ?? ''}'` : 'a timer';
  const prefix = `Non-Deterministic workflow detected: a previous execution of this orchestration scheduled ${what} with sequence number ${e.EventId}`;
  if (!replayed)
    return `${prefix} but the current replay execution hasn't (yet?) scheduled this task. Was a change made to the orchestrator code after this instance had already started running?`;
  if (replayed.kind !== kind || (replayed.kind === 'TaskScheduled' && replayed.name !== e.Name)) {
    const other = replayed.kind === 'TaskScheduled' ? `the activity '${replayed.name}'` : 'a timer';
    return `${prefix} but the current replay execution scheduled ${other} with that number.`;
  }
  return undefined;
}
