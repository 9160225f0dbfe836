/**
 * The runtime delivers every event that arrived while an episode ran in the next episode, in
 * arrival order, as the Durable Task Framework does: the real SDK replay, the tests' Azurite,
 * and an orchestrator invocation held open until the events are in.
 */
import { InvocationContext } from '@azure/functions';
import { randomBytes } from 'node:crypto';
import { loadOrchestrations } from '../../devhost/durable/episode';
import { EventType } from '../../devhost/durable/history';
import { DurableRuntime } from '../../devhost/durable/runtime';
import { DurableStore } from '../../devhost/durable/store';
import type { FunctionInvoker, HostClock } from '../../devhost/types';

const orchestrators = loadOrchestrations(['test/fixtures/hostapp/conformanceApp.ts']);

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/**
 * The fixture app's orchestrators through the real SDK replay (confStep returns its input), on a
 * fixed clock; `beforeOrchestrator` may hold an orchestrator invocation open.
 */
async function runtimeOver(
  store: DurableStore,
  beforeOrchestrator: () => Promise<void> = async () => undefined,
) {
  const invoker: FunctionInvoker = {
    list: () => [],
    get: () => undefined,
    async invoke(name, trigger) {
      const orchestrator = orchestrators.get(name);
      if (!orchestrator) return trigger;
      await beforeOrchestrator();
      return orchestrator(trigger as Record<string, unknown>, new InvocationContext());
    },
  };
  const now = new Date('2030-01-07T00:00:00Z');
  const clock: HostClock = { now: () => now, advance: () => undefined, onAdvance: () => undefined };
  const runtime = new DurableRuntime({ invoker, clock, store, log: () => undefined });
  await runtime.resume();
  return runtime;
}

it('replays events that arrived during an episode together, in arrival order', async () => {
  const store = new DurableStore(
    process.env.TEST_STORAGE_CONNECTION ?? '',
    `Batch${randomBytes(4).toString('hex')}`,
  );
  const first = gate();
  let orchestratorCalls = 0;
  const runtime = await runtimeOver(store, async () => {
    if (orchestratorCalls++ === 0) await first.opened;
  });
  try {
    expect(await runtime.start('confAllOfThree', 'batched', 'null')).toBe('started');
    // The first episode is held: both events arrive while it runs.
    const x = runtime.raiseEvent('batched', 'x', '"X"');
    const y = runtime.raiseEvent('batched', 'y', '"Y"');
    first.open();
    expect([await x, await y]).toEqual(['accepted', 'accepted']);
    let record = await store.getInstance('batched');
    for (let i = 0; i < 100 && record?.runtimeStatus !== 'Completed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      record = await store.getInstance('batched');
    }
    expect(record).toMatchObject({ runtimeStatus: 'Completed', output: '["X","Y","all"]' });
    const history = await store.loadHistory(record!);
    const types = history.map((e) =>
      e.EventType === EventType.EventRaised ? `EventRaised ${e.Name}` : EventType[e.EventType],
    );
    const at = types.indexOf('EventRaised x');
    expect(types.slice(at - 1, at + 2)).toEqual(['OrchestratorStarted', 'EventRaised x', 'EventRaised y']);
  } finally {
    await runtime.stop();
  }
});

it("stores an engine event with its episode's decisions in one write, and a client's raise before its episode", async () => {
  const appended: string[][] = [];
  /** The real store, noting what each history append carries (a write of the engine). */
  class NotingStore extends DurableStore {
    override async appendHistory(...args: Parameters<DurableStore['appendHistory']>): Promise<void> {
      await super.appendHistory(...args);
      appended.push(args[2].map((e) => EventType[e.EventType] ?? String(e.EventType)));
    }
  }
  const store = new NotingStore(
    process.env.TEST_STORAGE_CONNECTION ?? '',
    `Once${randomBytes(4).toString('hex')}`,
  );
  const runtime = await runtimeOver(store);
  const settle = async (done: () => boolean) => {
    for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  };
  try {
    expect(await runtime.start('confTwoWaits', 'once', 'null')).toBe('started');
    await settle(() => appended.flat().includes('TaskCompleted'));
    expect(await runtime.raiseEvent('once', 'a', '"A"')).toBe('accepted');
    expect(await runtime.raiseEvent('once', 'b', '"B"')).toBe('accepted');
    await settle(() => appended.flat().includes('ExecutionCompleted'));
    expect(appended).toEqual([
      // The start and the activity it schedules: one write.
      ['OrchestratorStarted', 'ExecutionStarted', 'TaskScheduled', 'OrchestratorCompleted'],
      // The activity's result and what the episode decided on it (nothing but waiting): one write.
      ['OrchestratorStarted', 'TaskCompleted', 'OrchestratorCompleted'],
      // A raise is stored on its own (that is when it is answered), its episode after it.
      ['OrchestratorStarted', 'EventRaised'],
      ['OrchestratorCompleted'],
      ['OrchestratorStarted', 'EventRaised'],
      ['OrchestratorCompleted', 'ExecutionCompleted'],
    ]);
  } finally {
    await runtime.stop();
  }
});
