/**
 * Conformance of the local engine with the Durable extension's protocol, on the fixture app
 * (test/fixtures/hostapp/conformanceApp.ts), in memory through devhost/durable/episode.ts with the
 * real durable-functions replay. Every episode also runs once aborted first (a crash before the
 * commit): the replay must decide the same (see Run.episode).
 *
 * The expected sequences are pinned: an upgrade of durable-functions that changes the actions it
 * emits, the ids it expects or the history the extension would record fails here, loudly.
 */
import fc from 'fast-check';
import { activityCompleted, activityFailed, eventRaised, timerFired } from '../../devhost/durable/episode';
import { Run, T0, at, DAY_MS, lines, actionLines } from './conformanceDriver';

const DAY1 = '2030-01-08T00:00:00.000Z';

describe('Task.any over an event, a timer and an activity', () => {
  it('schedules the timer and the activity in order, one id each, the wait none', async () => {
    const run = new Run('confAnyOfThree');
    const first = await run.start();
    expect(actionLines(first.actions)).toEqual([
      `WhenAny(WaitForExternalEvent approve, CreateTimer ${DAY1}, CallActivity confStep "\\"work\\"")`,
    ]);
    expect(first.timers).toEqual([{ timerId: 0, fireAt: DAY1 }]);
    expect(first.activities).toEqual([{ taskId: 1, name: 'confStep', input: 'work' }]);
  });

  it('lets the event win, cancels the timer, and goes on with the next id', async () => {
    const run = new Run('confAnyOfThree');
    await run.start();
    const decided = await run.episode([eventRaised('approve', 'yes')], at(60_000));
    expect(actionLines(decided.actions)).toEqual([
      `WhenAny(WaitForExternalEvent approve, CreateTimer ${DAY1} canceled, CallActivity confStep "\\"work\\"")`,
      'CallActivity confStep "\\"event\\""',
    ]);
    expect(decided.activities).toEqual([{ taskId: 2, name: 'confStep', input: 'event' }]);
    const done = await run.episode(
      [activityCompleted(1, 'late work'), activityCompleted(2, 'E')],
      at(120_000),
    );
    expect(done).toMatchObject({ status: 'completed', output: 'E' });
    expect(lines(run.history)).toEqual([
      'OrchestratorStarted 2030-01-07T00:00:00.000Z',
      'ExecutionStarted',
      `TimerCreated #0 ${DAY1}`,
      'TaskScheduled #1 confStep "work"',
      'OrchestratorCompleted',
      'OrchestratorStarted 2030-01-07T00:01:00.000Z',
      'EventRaised approve "yes"',
      'TaskScheduled #2 confStep "event"',
      'OrchestratorCompleted',
      'OrchestratorStarted 2030-01-07T00:02:00.000Z',
      'TaskCompleted #1 "late work"',
      'TaskCompleted #2 "E"',
      'OrchestratorCompleted',
      'ExecutionCompleted Completed "E"',
    ]);
  });

  it('lets the timer win', async () => {
    const run = new Run('confAnyOfThree');
    await run.start();
    const fired = await run.episode([timerFired(0, DAY1)], at(DAY_MS));
    expect(fired.activities).toEqual([{ taskId: 2, name: 'confStep', input: 'timer' }]);
  });

  it('takes the first of several events in one episode, in arrival order', async () => {
    const byActivity = new Run('confAnyOfThree');
    await byActivity.start();
    const a = await byActivity.episode([activityCompleted(1, 'w'), eventRaised('approve', 'yes')], at(1000));
    expect(a.activities).toEqual([{ taskId: 2, name: 'confStep', input: 'activity' }]);

    const byEvent = new Run('confAnyOfThree');
    await byEvent.start();
    const e = await byEvent.episode([eventRaised('approve', 'yes'), activityCompleted(1, 'w')], at(1000));
    expect(e.activities).toEqual([{ taskId: 2, name: 'confStep', input: 'event' }]);
  });
});

describe('callActivityWithRetry', () => {
  it('records each failure, a retry timer after it, and after the last a timer due at once, then gives up', async () => {
    const run = new Run('confRetry');
    const first = await run.start();
    expect(actionLines(first.actions)).toEqual([
      'CallActivityWithRetry confStep {"firstRetryIntervalInMilliseconds":1000,"maxNumberOfAttempts":3,"backoffCoefficient":2}',
    ]);
    let r = await run.episode([activityFailed(0, new Error('boom'), 'confStep')], at(10));
    expect(r.timers).toEqual([{ timerId: 1, fireAt: '2030-01-07T00:00:01.010Z' }]);
    r = await run.episode([timerFired(1, r.timers[0]!.fireAt)], at(2000));
    expect(r.activities).toEqual([{ taskId: 2, name: 'confStep', input: 'flaky' }]);
    r = await run.episode([activityFailed(2, new Error('boom'), 'confStep')], at(3000));
    expect(r.timers).toEqual([{ timerId: 3, fireAt: '2030-01-07T00:00:05.000Z' }]);
    r = await run.episode([timerFired(3, r.timers[0]!.fireAt)], at(6000));
    r = await run.episode([activityFailed(4, new Error('boom'), 'confStep')], at(7000));
    // RetryInterceptor: after the last attempt a "dummy timer for back-compat" due now, not a back-off
    // (the real extension's golden retry-exhausted-is-caught).
    expect(r.timers).toEqual([{ timerId: 5, fireAt: '2030-01-07T00:00:07.000Z' }]);
    r = await run.episode([timerFired(5, r.timers[0]!.fireAt)], at(20_000));
    expect(r).toMatchObject({ status: 'completed', output: { failed: 'Error: boom' } });
    expect(lines(run.history).filter((l) => !l.startsWith('Orchestrator'))).toEqual([
      'ExecutionStarted',
      'TaskScheduled #0 confStep "flaky"',
      'TaskFailed #0',
      'TimerCreated #1 2030-01-07T00:00:01.010Z',
      'TimerFired #1 2030-01-07T00:00:01.010Z',
      'TaskScheduled #2 confStep "flaky"',
      'TaskFailed #2',
      'TimerCreated #3 2030-01-07T00:00:05.000Z',
      'TimerFired #3 2030-01-07T00:00:05.000Z',
      'TaskScheduled #4 confStep "flaky"',
      'TaskFailed #4',
      'TimerCreated #5 2030-01-07T00:00:07.000Z',
      'TimerFired #5 2030-01-07T00:00:07.000Z',
      'ExecutionCompleted Completed {"failed":"Error: boom"}',
    ]);
  });

  it('returns the second attempt when it succeeds', async () => {
    const run = new Run('confRetry');
    await run.start();
    const r = await run.episode([activityFailed(0, 'boom', 'confStep')], at(0));
    await run.episode([timerFired(1, r.timers[0]!.fireAt)], at(1000));
    expect(await run.episode([activityCompleted(2, 'ok')], at(2000))).toMatchObject({
      status: 'completed',
      output: { result: 'ok' },
    });
  });
});

describe('external events', () => {
  it('keeps events raised before the wait and hands them out by name', async () => {
    const run = new Run('confTwoWaits');
    await run.start();
    // b before a, both while the first activity still runs: nothing new to schedule.
    expect((await run.episode([eventRaised('b', 'B')], at(1))).activities).toEqual([]);
    expect((await run.episode([eventRaised('a', 'A')], at(2))).status).toBe('running');
    const done = await run.episode([activityCompleted(0, 'first')], at(3));
    expect(done).toMatchObject({ status: 'completed', output: ['A', 'B'] });
  });

  it('delivers several events and a completion in one episode', async () => {
    const run = new Run('confAllOfThree');
    const first = await run.start();
    expect(actionLines(first.actions)).toEqual([
      'WhenAll(WaitForExternalEvent x, WaitForExternalEvent y, CallActivity confStep "\\"all\\"")',
    ]);
    const done = await run.episode(
      [eventRaised('y', 'Y'), activityCompleted(0, 'A'), eventRaised('x', 'X')],
      at(1000),
    );
    expect(done).toMatchObject({ status: 'completed', output: ['X', 'Y', 'A'] });
    expect(lines(run.history).slice(4)).toEqual([
      'OrchestratorStarted 2030-01-07T00:00:01.000Z',
      'EventRaised y "Y"',
      'TaskCompleted #0 "A"',
      'EventRaised x "X"',
      'OrchestratorCompleted',
      'ExecutionCompleted Completed ["X","Y","A"]',
    ]);
  });

  it('ends the same however the arrivals are ordered and batched into episodes', async () => {
    const arrivals = [eventRaised('x', 'X'), eventRaised('y', 'Y'), activityCompleted(0, 'A')];
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
        async (order, cuts) => {
          const run = new Run('confAllOfThree');
          await run.start();
          let batch = [arrivals[order[0]!]!];
          let t = 1;
          for (let i = 1; i < 3; i++) {
            if (cuts[i - 1]) {
              expect((await run.episode(batch, at(t++))).status).toBe('running');
              batch = [];
            }
            batch.push(arrivals[order[i]!]!);
          }
          expect(await run.episode(batch, at(t))).toMatchObject({
            status: 'completed',
            output: ['X', 'Y', 'A'],
          });
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('a 20-day timer', () => {
  it('becomes a chain of timers 3 days apart, the last one the remainder', async () => {
    const run = new Run('confLongTimer');
    const first = await run.start();
    expect(actionLines(first.actions)).toEqual(['CreateTimer 2030-01-27T00:00:00.000Z']);
    let r = first;
    let pieces = 0;
    while (r.status === 'running') {
      expect(r.timers).toHaveLength(1);
      const timer = r.timers[0]!;
      // Each piece fires one second late: the next piece counts from the episode's start.
      r = await run.episode(
        [timerFired(timer.timerId, timer.fireAt)],
        new Date(Date.parse(timer.fireAt) + 1000),
      );
      pieces++;
    }
    expect(r).toMatchObject({ status: 'completed', output: '2030-01-27T00:00:01.000Z' });
    expect(lines(run.history).filter((l) => l.startsWith('Timer'))).toEqual([
      'TimerCreated #0 2030-01-10T00:00:00.000Z',
      'TimerFired #0 2030-01-10T00:00:00.000Z',
      'TimerCreated #1 2030-01-13T00:00:01.000Z',
      'TimerFired #1 2030-01-13T00:00:01.000Z',
      'TimerCreated #2 2030-01-16T00:00:02.000Z',
      'TimerFired #2 2030-01-16T00:00:02.000Z',
      'TimerCreated #3 2030-01-19T00:00:03.000Z',
      'TimerFired #3 2030-01-19T00:00:03.000Z',
      'TimerCreated #4 2030-01-22T00:00:04.000Z',
      'TimerFired #4 2030-01-22T00:00:04.000Z',
      'TimerCreated #5 2030-01-25T00:00:05.000Z',
      'TimerFired #5 2030-01-25T00:00:05.000Z',
      'TimerCreated #6 2030-01-27T00:00:00.000Z',
      'TimerFired #6 2030-01-27T00:00:00.000Z',
    ]);
    expect(pieces).toBe(7);
  });

  it('finishes at once when the clock jumped past it', async () => {
    const run = new Run('confLongTimer');
    await run.start();
    const r = await run.episode([timerFired(0, '2030-01-10T00:00:00.000Z')], at(30 * DAY_MS));
    expect(r).toMatchObject({ status: 'completed', output: '2030-02-06T00:00:00.000Z' });
  });
});

describe('cancelling a long timer', () => {
  it('works while its first piece is pending: the next work takes the next id', async () => {
    const run = new Run('confCancelLong');
    await run.start();
    const stopped = await run.episode([eventRaised('stop', 1)], at(DAY_MS));
    expect(actionLines(stopped.actions)).toEqual([
      'WhenAny(WaitForExternalEvent stop, CreateTimer 2030-01-27T00:00:00.000Z canceled)',
      'CallActivity confStep "\\"stopped\\""',
    ]);
    expect(stopped.activities).toEqual([{ taskId: 1, name: 'confStep', input: 'stopped' }]);
    expect(await run.episode([activityCompleted(1, 'S')], at(DAY_MS + 1))).toMatchObject({
      status: 'completed',
      output: 'S',
    });
  });

  it('fails as non-deterministic once a piece has fired, as the extension replays it', async () => {
    // The extension re-invokes the canceled CreateTimer on every replay: one piece, canceled at
    // once. The pieces the chain had already added keep their ids in history, while the SDK's
    // next task counts past them: the Durable Task Framework rejects the replay.
    const run = new Run('confCancelLong');
    const first = await run.start();
    await run.episode([timerFired(0, first.timers[0]!.fireAt)], at(3 * DAY_MS + 1000));
    const stopped = await run.episode([eventRaised('stop', 1)], at(4 * DAY_MS));
    expect(stopped.status).toBe('failed');
    expect(stopped.error).toBe(
      "Non-Deterministic workflow detected: a previous execution of this orchestration scheduled a timer with sequence number 1 but the current replay execution scheduled the activity 'confStep' with that number.",
    );
  });
});

describe('a canceled long timer whose pending piece fires later', () => {
  it('hangs the orchestration, as in Azure: the SDK takes an id for a next piece the extension never creates', async () => {
    // The review step's shape: Task.any(decision, 9-day SLA), SLA canceled, then a 5-day wait
    // (step 8) and an activity. The SLA's first piece still fires at day 3 (the framework has no
    // timer cancellation; the history records it). durable-functions 3.5's LongTimerTask then
    // adds a child timer (a new id) although it was canceled; the extension's CreateTimer loop
    // ended at the cancel. From then on the SDK's ids are one ahead: the activity's completion
    // (#2) lands on that phantom timer and the orchestrator waits for #3 forever.
    const run = new Run('confCancelLongThenWait');
    const first = await run.start();
    const decided = await run.episode([eventRaised('decision', 'ok')], at(3600_000));
    expect(decided.timers).toEqual([{ timerId: 1, fireAt: '2030-01-12T01:00:00.000Z' }]);
    const piece = await run.episode([timerFired(0, first.timers[0]!.fireAt)], at(3 * DAY_MS));
    expect([piece.activities, piece.timers]).toEqual([[], []]);
    const waited = await run.episode([timerFired(1, '2030-01-12T01:00:00.000Z')], at(6 * DAY_MS));
    expect(waited.activities).toEqual([{ taskId: 2, name: 'confStep', input: 'published' }]);
    const done = await run.episode([activityCompleted(2, 'P')], at(6 * DAY_MS + 1));
    expect(done).toMatchObject({ status: 'running', activities: [], timers: [], stalled: true });
  });

  it('completes when the orchestration ends before the piece fires', async () => {
    const run = new Run('confCancelLongThenWait');
    await run.start();
    const decided = await run.episode([eventRaised('decision', 'ok')], at(3600_000));
    const waited = await run.episode([timerFired(1, decided.timers[0]!.fireAt)], at(2 * DAY_MS));
    expect(waited.activities).toEqual([{ taskId: 2, name: 'confStep', input: 'published' }]);
    expect(await run.episode([activityCompleted(2, 'P')], at(2 * DAY_MS + 1))).toMatchObject({
      status: 'completed',
      output: 'P',
    });
  });
});

describe('continueAsNew', () => {
  it('ends each execution with ContinueAsNew and starts the next from its input', async () => {
    let input: unknown = 0;
    const outputs: unknown[] = [];
    for (let execution = 0; execution < 3; execution++) {
      const run = new Run('confCounter', input);
      const first = await run.start(at(execution * 1000));
      expect(first.activities).toEqual([{ taskId: 0, name: 'confStep', input }]);
      const end = await run.episode([activityCompleted(0, input)], at(execution * 1000 + 1));
      if (end.status === 'continuedAsNew') {
        expect(lines(run.history).at(-1)).toBe(`ContinueAsNew ${JSON.stringify(Number(input) + 1)}`);
        expect(actionLines(end.actions)).toEqual([
          `CallActivity confStep ${input}`,
          `ContinueAsNew ${Number(input) + 1}`,
        ]);
        input = end.continueAsNewInput;
      } else outputs.push(end.output);
    }
    expect(outputs).toEqual([2]);
  });
});

it('starts every history with OrchestratorStarted at the given time', async () => {
  const run = new Run('confLongTimer');
  await run.start();
  expect(lines(run.history)[0]).toBe(`OrchestratorStarted ${T0.toISOString()}`);
});
