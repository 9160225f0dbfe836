import {
  activityCompleted,
  eventRaised,
  executionStarted,
  loadOrchestrations,
  runEpisode,
  timerFired,
} from '../../devhost/durable/episode';
import { EventType, type HistoryEvent } from '../../devhost/durable/history';

const orchestrators = loadOrchestrations(['test/fixtures/hostapp/durableApp.ts']);
const T0 = new Date('2030-01-07T00:00:00Z');

it('smoke', async () => {
  const orchestrator = orchestrators.get('durableWaiter')!;
  let history: HistoryEvent[] = [];
  let r = await runEpisode({
    orchestrator,
    instanceId: 'x',
    input: null,
    history,
    newEvents: [executionStarted('durableWaiter', null)],
    now: T0,
  });
  expect(r.status).toBe('running');
  history = r.history;
  r = await runEpisode({
    orchestrator,
    instanceId: 'x',
    input: null,
    history,
    newEvents: [eventRaised('go', 5)],
    now: T0,
  });
  expect(r.status).toBe('completed');
  expect(r.output).toBe(5);
  void activityCompleted;
  void timerFired;
  void EventType;
});
