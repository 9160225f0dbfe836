/**
 * The interleaving test's only contact with the replay protocol: the local engine's pure episode
 * API (devhost/durable/episode.ts), which runs the real durable-functions replay the way the
 * Durable extension does (latest schema, every pending event in one episode, long timers split).
 * Keeping it to this file means the protocol stays the engine's: when it changes, this changes.
 */
import {
  activityCompleted,
  activityFailed,
  eventRaised,
  executionStarted,
  loadOrchestrations,
  runEpisode,
  timerFired,
  type EpisodeResult,
  type OrchestratorCallback,
} from '../../../devhost/durable/episode';
import { EventType, fromJsonText, type HistoryEvent } from '../../../devhost/durable/history';

export type Message = HistoryEvent;

export const messages = {
  completed: (taskId: number, result: unknown): Message => activityCompleted(taskId, result),
  failed: (taskId: number, name: string): Message =>
    activityFailed(taskId, new Error('transient failure (generated)'), name),
  fired: (timerId: number, fireAt: string): Message => timerFired(timerId, fireAt),
  raised: (name: string, payload: unknown): Message => eventRaised(name, payload),
};

/** The external events in a history, in the order the orchestration received them. */
export function raisedEvents(history: Message[]): { index: number; name: string; payload: unknown }[] {
  return history.flatMap((e, index) =>
    e.EventType === EventType.EventRaised
      ? [{ index, name: e.Name ?? '', payload: fromJsonText(e.Input) }]
      : [],
  );
}

export function episodeCount(history: Message[]): number {
  return history.filter((e) => e.EventType === EventType.OrchestratorStarted).length;
}

/** A short name for a message, for the printed schedule. */
export function describeMessage(m: Message): string {
  switch (m.EventType) {
    case EventType.EventRaised:
      return `event ${m.Name ?? ''}`;
    case EventType.TimerFired:
      return `timer#${m.TimerId ?? ''}`;
    case EventType.TaskFailed:
      return `failure of #${m.TaskScheduledId ?? ''}`;
    default:
      return `result of #${m.TaskScheduledId ?? ''}`;
  }
}

/** The orchestration callbacks the given registration modules register, by name. */
export function orchestrations(modules: string[]): Map<string, OrchestratorCallback> {
  return loadOrchestrations(modules);
}

/** One orchestration instance driven episode by episode, all in memory. */
export class DrivenInstance {
  history: HistoryEvent[] = [];
  last?: EpisodeResult;

  constructor(
    private readonly orchestrator: OrchestratorCallback,
    private readonly name: string,
    readonly instanceId: string,
    private readonly input: unknown,
  ) {}

  start(now: Date): Promise<EpisodeResult> {
    return this.episode([executionStarted(this.name, this.input)], now);
  }

  /** One episode with these messages, in this order. */
  async episode(newEvents: Message[], now: Date): Promise<EpisodeResult> {
    const result = await runEpisode({
      orchestrator: this.orchestrator,
      instanceId: this.instanceId,
      input: this.input,
      history: this.history,
      newEvents,
      now,
    });
    this.history = result.history;
    this.last = result;
    return result;
  }
}
