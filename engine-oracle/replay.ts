/**
 * Judges the local engine (devhost/durable/episode.ts) by a golden history of the real extension:
 * the golden's arrivals (completions, failures, timers fired, events raised), episode by episode
 * as the extension batched them, are fed to the local engine, and what it decides (activities
 * scheduled, timers created with their fire times, the execution's end) must equal what the
 * extension recorded, id for id. Ids and times are compared as they are: both engines see the
 * same OrchestratorStarted times. Activity inputs are not compared: the Azure Storage backend
 * does not keep a TaskScheduled event's input in its History table.
 */
import { runEpisode, type EpisodeResult, type OrchestratorCallback } from '../devhost/durable/episode';
import { EventType, type HistoryEvent } from '../devhost/durable/history';
import type { GoldenEvent } from './scenarios';

export interface Golden {
  scenario: string;
  orchestrator: string;
  instanceId: string;
  input: unknown;
  runtimeStatus: string;
  extension: string;
  history: GoldenEvent[];
}

const ARRIVALS = new Set(['ExecutionStarted', 'TaskCompleted', 'TaskFailed', 'TimerFired', 'EventRaised']);
const DECISIONS = new Set(['TaskScheduled', 'TimerCreated', 'ExecutionCompleted', 'ContinueAsNew']);

interface Episode {
  now: string;
  arrivals: GoldenEvent[];
  decisions: GoldenEvent[];
}

/** Splits a history at each OrchestratorStarted; an episode that a termination ended is dropped. */
export function episodesOf(history: GoldenEvent[]): Episode[] {
  const episodes: Episode[] = [];
  for (const e of history) {
    if (e.type === 'OrchestratorStarted') episodes.push({ now: e.timestamp, arrivals: [], decisions: [] });
    const current = episodes[episodes.length - 1];
    if (!current) continue;
    if (ARRIVALS.has(e.type)) current.arrivals.push(e);
    if (DECISIONS.has(e.type)) current.decisions.push(e);
  }
  // A termination is the recorder stopping a run it could not wait for: judge what came before.
  const terminated = episodes.findIndex(
    (ep) => ep.arrivals.length === 0 && ep.decisions.some((d) => d.status === 'Terminated'),
  );
  return terminated < 0 ? episodes : episodes.slice(0, terminated);
}

function toHistoryEvent(e: GoldenEvent): HistoryEvent {
  const base: HistoryEvent = {
    EventType: EventType[e.type as keyof typeof EventType],
    EventId: -1,
    Timestamp: e.timestamp,
  };
  switch (e.type) {
    case 'ExecutionStarted':
      return { ...base, Name: e.name, Input: e.input };
    case 'TaskCompleted':
      return { ...base, TaskScheduledId: e.taskScheduledId, Result: e.result };
    case 'TaskFailed':
      return {
        ...base,
        TaskScheduledId: e.taskScheduledId,
        Reason: e.reason,
        Details: '',
        FailureDetails: { ErrorType: 'Exception', ErrorMessage: e.reason ?? '' },
      };
    case 'TimerFired':
      return { ...base, TimerId: e.timerId, FireAt: e.fireAt };
    case 'EventRaised':
      return { ...base, Name: e.name, Input: e.input };
    default:
      throw new Error(`not an arrival: ${e.type}`);
  }
}

function parsed(text: string | undefined): unknown {
  if (text === undefined || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A decision as both engines must agree on it. */
function describeGolden(e: GoldenEvent): string {
  switch (e.type) {
    case 'TaskScheduled':
      return `TaskScheduled #${e.eventId} ${e.name ?? ''}`;
    case 'TimerCreated':
      return `TimerCreated #${e.eventId} ${new Date(e.fireAt ?? '').toISOString()}`;
    case 'ContinueAsNew':
      return `ContinueAsNew ${JSON.stringify(parsed(e.result))}`;
    default:
      return `ExecutionCompleted ${e.status ?? ''}`;
  }
}

/** The local episode's decisions: what it appended after the arrivals it was given. */
function describeLocal(r: EpisodeResult, from: number): string[] {
  return r.history.slice(from).flatMap((e) => {
    switch (e.EventType) {
      case EventType.TaskScheduled:
        return [`TaskScheduled #${e.EventId} ${e.Name ?? ''}`];
      case EventType.TimerCreated:
        return [`TimerCreated #${e.EventId} ${new Date(e.FireAt ?? '').toISOString()}`];
      case EventType.ContinueAsNew:
        return [`ContinueAsNew ${JSON.stringify(parsed(e.Result))}`];
      case EventType.ExecutionCompleted:
        return [`ExecutionCompleted ${e.OrchestrationStatus ?? ''}`];
      default:
        return [];
    }
  });
}

export interface Difference {
  episode: number;
  golden: string[];
  local: string[];
}

/** Replays a golden through the local engine; returns the first episode whose decisions differ. */
export async function compareWithGolden(
  golden: Golden,
  orchestrator: OrchestratorCallback,
): Promise<{ episodes: number; difference?: Difference }> {
  const episodes = episodesOf(golden.history);
  let history: HistoryEvent[] = [];
  let input: unknown = golden.input;
  for (const [i, episode] of episodes.entries()) {
    // The History table keeps the latest execution only (continueAsNew starts it afresh).
    const started = episode.arrivals.find((e) => e.type === 'ExecutionStarted');
    if (started) {
      history = [];
      input = parsed(started.input);
    }
    const result = await runEpisode({
      orchestrator,
      instanceId: golden.instanceId,
      input,
      history,
      newEvents: episode.arrivals.map(toHistoryEvent),
      now: new Date(episode.now),
    });
    const expected = episode.decisions.map(describeGolden);
    const actual = describeLocal(result, history.length + 1 + episode.arrivals.length);
    if (JSON.stringify(expected) !== JSON.stringify(actual))
      return { episodes: episodes.length, difference: { episode: i, golden: expected, local: actual } };
    history = result.history;
  }
  return { episodes: episodes.length };
}
