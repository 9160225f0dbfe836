/**
 * History events in the shape durable-functions replays (lib/src/history). Field names are the
 * extension's (PascalCase). A few host-only fields ride along (RetryOptions, Attempt, RetryOf,
 * ActionCount): the SDK ignores properties it does not know, and they let the host rebuild its
 * bookkeeping from history alone after a crash.
 */

/** lib/src/history/HistoryEventType.js */
export enum EventType {
  ExecutionStarted = 0,
  ExecutionCompleted = 1,
  ExecutionFailed = 2,
  ExecutionTerminated = 3,
  TaskScheduled = 4,
  TaskCompleted = 5,
  TaskFailed = 6,
  TimerCreated = 10,
  TimerFired = 11,
  OrchestratorStarted = 12,
  OrchestratorCompleted = 13,
  EventRaised = 15,
  ContinueAsNew = 16,
}

/** The SDK's RetryOptions as it crosses the wire (lib/src/RetryOptions.js). */
export interface RetryPolicy {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  Properties?: Record<string, unknown>;
}

export interface HistoryEvent {
  EventType: EventType;
  EventId: number;
  Timestamp: string;
  IsPlayed?: boolean;
  /** ExecutionStarted, TaskScheduled, EventRaised: function or event name. */
  Name?: string;
  /** ExecutionStarted, TaskScheduled, EventRaised: JSON text. */
  Input?: string;
  /** TaskCompleted, ExecutionCompleted: JSON text. */
  Result?: string;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetails;
  /** Host: the retry policy of a callActivityWithRetry attempt, and which attempt this is (1-based). */
  RetryOptions?: RetryPolicy;
  Attempt?: number;
  /** Host: on a retry-delay TimerCreated, the id of the TaskScheduled whose failure it follows. */
  RetryOf?: number;
  /** Host: on OrchestratorCompleted, how many top-level actions the orchestrator had emitted so far. */
  ActionCount?: number;
}

export function event(type: EventType, at: Date, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { EventType: type, EventId: -1, Timestamp: at.toISOString(), ...fields };
}

/** JSON text for a value, as the extension stores inputs and results ("null" for nothing). */
export function toJsonText(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

export function fromJsonText(text: string | undefined): unknown {
  if (text === undefined || text === '') return null;
  return JSON.parse(text) as unknown;
}

export function isCompletion(e: HistoryEvent): boolean {
  return e.EventType === EventType.TaskCompleted || e.EventType === EventType.TaskFailed;
}
