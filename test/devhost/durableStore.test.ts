/**
 * The engine's pieces in-process: retry bookkeeping of the action diff, and table storage that
 * respects Azure's property and entity limits even though Azurite does not.
 */
import { randomBytes } from 'node:crypto';
import { EventType, event, type HistoryEvent } from '../../devhost/durable/history';
import { CHUNK_CHARS, splitText } from '../../devhost/durable/payloads';
import { ActionType, decide, type OrchestratorState } from '../../devhost/durable/replay';
import { DurableStore, type InstanceRecord } from '../../devhost/durable/store';

const at = new Date('2030-01-01T00:00:00Z');

function running(actions: OrchestratorState['actions']): { kind: 'state'; state: OrchestratorState } {
  return { kind: 'state', state: { isDone: false, actions } };
}

describe('action diffing', () => {
  const retry = {
    actionType: ActionType.CallActivityWithRetry,
    functionName: 'flaky',
    input: { a: 1 },
    retryOptions: { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 2 },
  };

  it('schedules a retry delay after each failed attempt, including the last one', () => {
    const history: HistoryEvent[] = [
      event(EventType.OrchestratorStarted, at),
      event(EventType.ExecutionStarted, at),
    ];
    const first = decide(history, running([[retry]]), at);
    expect(first.activities.map((e) => [e.EventId, e.Attempt])).toEqual([[0, 1]]);
    history.push(...first.events, event(EventType.OrchestratorStarted, at));
    history.push(event(EventType.TaskFailed, at, { TaskScheduledId: 0, Reason: 'x', Details: '' }));

    const delay = decide(history, running([[retry]]), at);
    expect(delay.timers.map((e) => [e.EventId, e.FireAt, e.RetryOf])).toEqual([
      [1, '2030-01-01T00:00:01.000Z', 0],
    ]);
    history.push(...delay.events, event(EventType.OrchestratorStarted, at));
    history.push(event(EventType.TimerFired, at, { TimerId: 1, FireAt: delay.timers[0]!.FireAt }));

    const second = decide(history, running([[retry]]), at);
    expect(second.activities.map((e) => [e.EventId, e.Attempt])).toEqual([[2, 2]]);
    history.push(...second.events, event(EventType.OrchestratorStarted, at));
    history.push(event(EventType.TaskFailed, at, { TaskScheduledId: 2, Reason: 'x', Details: '' }));

    const lastDelay = decide(history, running([[retry]]), at);
    expect(lastDelay.timers.map((e) => e.EventId)).toEqual([3]);
    history.push(...lastDelay.events, event(EventType.OrchestratorStarted, at));
    history.push(event(EventType.TimerFired, at, { TimerId: 3, FireAt: lastDelay.timers[0]!.FireAt }));
    expect(decide(history, running([[retry]]), at).activities).toEqual([]);
  });

  it('gives flattened Task.all leaves ids in order and waits none', () => {
    const history: HistoryEvent[] = [
      event(EventType.OrchestratorStarted, at),
      event(EventType.ExecutionStarted, at),
    ];
    const leaves = [
      { actionType: ActionType.WaitForExternalEvent, externalEventName: 'go' },
      { actionType: ActionType.CallActivity, functionName: 'a', input: '"text"' },
      { actionType: ActionType.CreateTimer, fireAt: '2030-01-02T00:00:00.000Z' },
    ];
    const decision = decide(history, running([leaves]), at);
    expect(decision.activities.map((e) => [e.EventId, e.Input])).toEqual([[0, '"text"']]);
    expect(decision.timers.map((e) => e.EventId)).toEqual([1]);
    expect(decision.events.at(-1)).toMatchObject({
      EventType: EventType.OrchestratorCompleted,
      ActionCount: 1,
    });
  });
});

describe('durable store', () => {
  const connection = process.env.TEST_STORAGE_CONNECTION ?? '';

  function record(id: string, input: string): InstanceRecord {
    return {
      instanceId: id,
      name: 'orch',
      input,
      output: 'null',
      customStatus: 'null',
      runtimeStatus: 'Running',
      createdTime: at.toISOString(),
      lastUpdatedTime: at.toISOString(),
      executionId: 'e1',
      historyLength: 0,
    };
  }

  it('never splits a surrogate pair across chunks', () => {
    const text = 'a' + '😀'.repeat(CHUNK_CHARS);
    const pieces = splitText(text, CHUNK_CHARS);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(CHUNK_CHARS);
    expect(pieces.every((p) => !/[\ud800-\udbff]$/.test(p))).toBe(true);
  });

  it('stores inputs and history events larger than a property and than an entity', async () => {
    const store = new DurableStore(connection, `Store${randomBytes(5).toString('hex')}`);
    await store.init();
    const medium = JSON.stringify('m'.repeat(200_000));
    const huge = JSON.stringify('h'.repeat(2_000_000));
    const rec = record('big', medium);
    const events = [
      event(EventType.OrchestratorStarted, at),
      event(EventType.ExecutionStarted, at, { Input: huge }),
    ];
    await store.appendHistory(rec, 0, events);
    await store.putInstance({ ...rec, historyLength: 2 });

    const read = await store.getInstance('big');
    expect(read?.input).toBe(medium);
    const raw = await store.instances.getEntity<Record<string, unknown>>('big', '');
    for (const value of Object.values(raw))
      if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(CHUNK_CHARS);
    const history = await store.loadHistory(read!);
    expect(history[1]?.Input).toBe(huge);

    // Rows past the committed length are ignored (an interrupted append).
    await store.appendHistory(read!, 2, [event(EventType.EventRaised, at, { Name: 'ghost' })]);
    expect((await store.loadHistory(read!)).length).toBe(2);
  });
});
