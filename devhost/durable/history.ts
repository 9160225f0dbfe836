/**
 * History events in the shape durable-functions replays (lib/src/history). Field names are the
 * Durable Task Framework's (PascalCase), as the extension serializes them. Nothing host-only rides
 * along: the host rebuilds everything from history and the SDK's actions, as the extension does.
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
  /** ExecutionCompleted: Completed or Failed (the framework records a failure this way). */
  OrchestrationStatus?: string;
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

/** The TaskScheduled and TimerCreated events that have no completion yet (work still to run). */
export function openWork(history: HistoryEvent[]): { activities: HistoryEvent[]; timers: HistoryEvent[] } {
  const activities = new Map<number, HistoryEvent>();
  const timers = new Map<number, HistoryEvent>();
  for (const e of history) {
    if (e.EventType === EventType.TaskScheduled) activities.set(e.EventId, e);
    if (e.EventType === EventType.TimerCreated) timers.set(e.EventId, e);
    if (isCompletion(e)) activities.delete(e.TaskScheduledId ?? -1);
    if (e.EventType === EventType.TimerFired) timers.delete(e.TimerId ?? -1);
  }
  return { activities: [...activities.values()], timers: [...timers.values()] };
}

export function isCompletion(e: HistoryEvent): boolean {
  return e.EventType === EventType.TaskCompleted || e.EventType === EventType.TaskFailed;
}
