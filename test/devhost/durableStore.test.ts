/**
 * The engine's pieces in-process: retry bookkeeping of the action diff, and table storage that
 * respects Azure's property and entity limits even though Azurite does not.
 */
import { randomBytes } from 'node:crypto';
import { EventType, event, type HistoryEvent } from '../../devhost/durable/history';
import { CHUNK_CHARS, splitText } from '../../devhost/durable/payloads';
import { ActionType, replayActions, type WireAction } from '../../devhost/durable/shim';
import { DurableStore, type InstanceRecord } from '../../devhost/durable/store';

const at = new Date('2030-01-01T00:00:00Z');

const TIMERS = { maximumShortTimerMs: 6 * 86_400_000, longRunningTimerIntervalMs: 3 * 86_400_000 };

/** The history after the new work the walk decided, as the runtime would record it. */
function recordWork(history: HistoryEvent[], actions: WireAction[]) {
  const walk = replayActions(actions, history, TIMERS);
  for (const a of walk.newWork)
    history.push(
      a.kind === 'TaskScheduled'
        ? event(EventType.TaskScheduled, at, { EventId: a.id, Name: a.name, Input: a.input })
        : event(EventType.TimerCreated, at, { EventId: a.id, FireAt: a.fireAt }),
    );
  history.push(event(EventType.OrchestratorCompleted, at), event(EventType.OrchestratorStarted, at));
  return walk;
}

describe('the extension walk over the action list', () => {
  const retry: WireAction = {
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
    const first = recordWork(history, [retry]);
    expect(first.newWork).toEqual([{ id: 0, kind: 'TaskScheduled', name: 'flaky', input: '{"a":1}' }]);
    history.push(event(EventType.TaskFailed, at, { TaskScheduledId: 0, Reason: 'x', Details: '' }));

    const delay = recordWork(history, [retry]);
    expect(delay.newWork).toEqual([{ id: 1, kind: 'TimerCreated', fireAt: '2030-01-01T00:00:01.000Z' }]);
    history.push(event(EventType.TimerFired, at, { TimerId: 1, FireAt: '2030-01-01T00:00:01.000Z' }));

    const second = recordWork(history, [retry]);
    expect(second.newWork.map((a) => [a.id, a.kind])).toEqual([[2, 'TaskScheduled']]);
    history.push(event(EventType.TaskFailed, at, { TaskScheduledId: 2, Reason: 'x', Details: '' }));

    const lastDelay = recordWork(history, [retry]);
    expect(lastDelay.newWork.map((a) => [a.id, a.kind])).toEqual([[3, 'TimerCreated']]);
    history.push(event(EventType.TimerFired, at, { TimerId: 3, FireAt: '2030-01-01T00:00:01.000Z' }));
    expect(recordWork(history, [retry]).newWork).toEqual([]);
  });

  it('invokes the children of a compound action in order, waits taking no id', () => {
    const history: HistoryEvent[] = [
      event(EventType.OrchestratorStarted, at),
      event(EventType.ExecutionStarted, at),
    ];
    const any: WireAction = {
      actionType: ActionType.WhenAny,
      compoundActions: [
        { actionType: ActionType.WaitForExternalEvent, externalEventName: 'go' },
        { actionType: ActionType.CallActivity, functionName: 'a', input: '"text"' },
        { actionType: ActionType.CreateTimer, fireAt: '2030-01-02T00:00:00.000Z' },
      ],
    };
    const walk = replayActions([any], history, TIMERS);
    expect(walk.newWork).toEqual([
      { id: 0, kind: 'TaskScheduled', name: 'a', input: '"text"' },
      { id: 1, kind: 'TimerCreated', fireAt: '2030-01-02T00:00:00.000Z' },
    ]);
    expect(walk.fault).toBeUndefined();
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
