/**
 * Drives the conformance fixture's orchestrations through the episode API in memory, and reduces
 * histories and action lists to short lines that a test can pin.
 */
import {
  executionStarted,
  loadOrchestrations,
  runEpisode,
  type EpisodeResult,
} from '../../devhost/durable/episode';
import { EventType, type HistoryEvent } from '../../devhost/durable/history';
import { ActionType, type WireAction } from '../../devhost/durable/shim';

export const orchestrators = loadOrchestrations(['test/fixtures/hostapp/conformanceApp.ts']);

export const T0 = new Date('2030-01-07T00:00:00.000Z');
export const DAY_MS = 24 * 3600 * 1000;

export function at(ms: number): Date {
  return new Date(T0.getTime() + ms);
}

/** One instance: its history so far and the last episode's result. */
export class Run {
  history: HistoryEvent[] = [];
  last!: EpisodeResult;

  constructor(
    readonly name: string,
    readonly input: unknown = null,
    readonly instanceId = 'conformance',
  ) {}

  start(now = T0): Promise<EpisodeResult> {
    return this.episode([executionStarted(this.name, this.input)], now);
  }

  /** Runs an episode without keeping it: what a crash before the commit leaves behind. */
  dryRun(newEvents: HistoryEvent[], now: Date): Promise<EpisodeResult> {
    const orchestrator = orchestrators.get(this.name);
    if (!orchestrator) throw new Error(`no orchestration ${this.name}`);
    return runEpisode({
      orchestrator,
      instanceId: this.instanceId,
      input: this.input,
      history: this.history,
      newEvents,
      now,
    });
  }

  /**
   * Runs an episode twice: first aborted (as if the host died before committing its decisions),
   * then for real from the same history. The replay must decide exactly the same.
   */
  async episode(newEvents: HistoryEvent[], now: Date): Promise<EpisodeResult> {
    const aborted = await this.dryRun(newEvents, now);
    this.last = await this.dryRun(newEvents, now);
    if (JSON.stringify(aborted) !== JSON.stringify(this.last))
      throw new Error(
        `The episode after an abort decided differently:\n${lines(aborted.history).join('\n')}`,
      );
    this.history = this.last.history;
    return this.last;
  }
}

const SHORT: Partial<Record<EventType, string>> = {
  [EventType.ExecutionStarted]: 'ExecutionStarted',
  [EventType.OrchestratorStarted]: 'OrchestratorStarted',
  [EventType.OrchestratorCompleted]: 'OrchestratorCompleted',
};

/** One line per event: its type, id and what identifies it. */
export function lines(history: HistoryEvent[]): string[] {
  return history.map((e) => {
    const type = SHORT[e.EventType] ?? EventType[e.EventType] ?? String(e.EventType);
    switch (e.EventType) {
      case EventType.TaskScheduled:
        return `${type} #${e.EventId} ${e.Name} ${e.Input}`;
      case EventType.TaskCompleted:
        return `${type} #${e.TaskScheduledId} ${e.Result}`;
      case EventType.TaskFailed:
        return `${type} #${e.TaskScheduledId}`;
      case EventType.TimerCreated:
        return `${type} #${e.EventId} ${e.FireAt}`;
      case EventType.TimerFired:
        return `${type} #${e.TimerId} ${e.FireAt}`;
      case EventType.EventRaised:
        return `${type} ${e.Name} ${e.Input}`;
      case EventType.OrchestratorStarted:
        return `${type} ${e.Timestamp}`;
      case EventType.ExecutionCompleted:
        return `${type} ${e.OrchestrationStatus} ${e.Result}`;
      case EventType.ContinueAsNew:
        return `${type} ${e.Result}`;
      default:
        return type;
    }
  });
}

/** The action list as nested short text: `WhenAny(Wait approve, Timer ..., Activity confStep)`. */
export function actionLines(actions: WireAction[]): string[] {
  return actions.map(actionText);
}

function actionText(a: WireAction): string {
  switch (a.actionType) {
    case ActionType.CallActivity:
      return `CallActivity ${a.functionName} ${JSON.stringify(a.input)}`;
    case ActionType.CallActivityWithRetry:
      return `CallActivityWithRetry ${a.functionName} ${JSON.stringify(a.retryOptions)}`;
    case ActionType.CreateTimer:
      return `CreateTimer ${a.fireAt}${a.isCanceled ? ' canceled' : ''}`;
    case ActionType.WaitForExternalEvent:
      return `WaitForExternalEvent ${a.externalEventName}`;
    case ActionType.ContinueAsNew:
      return `ContinueAsNew ${JSON.stringify(a.input)}`;
    case ActionType.WhenAll:
    case ActionType.WhenAny:
      return `${ActionType[a.actionType]}(${(a.compoundActions ?? []).map(actionText).join(', ')})`;
    default:
      return ActionType[a.actionType] ?? String(a.actionType);
  }
}
