/**
 * Runs orchestration instances: one episode at a time per instance (a serial queue each),
 * instances concurrently, activities in a bounded pool, timers on the host clock.
 *
 * Episodes batch, as the Durable Task Framework does: every event that arrives while the instance
 * has no episode in flight joins one open episode (OrchestratorStarted, then the events in arrival
 * order), and the next episode replays them all at once (./episode.ts).
 *
 * Write order per episode (crash safety): the engine's own new events (an activity's result, a
 * fired timer, the start) and the TaskScheduled / TimerCreated events the orchestrator decides on
 * replaying them are committed together, in one write, before any activity runs or timer is armed;
 * such an event waited in memory meanwhile, as in the extension's queue, and is delivered again if
 * that write fails. That is one write per episode, as the Azure Storage provider stores an
 * episode's history in one batch. A client's raise is stored on its own and answered before its
 * episode replays, as the extension answers once the event's message is queued. After a crash,
 * start() resumes every unfinished instance from history: an episode whose decisions were not
 * committed is replayed, scheduled-but-unfinished activities run again (at least once, the
 * Durable contract) and outstanding timers are re-armed.
 *
 * Storage outages (issue 21 item 9): in Azure a work item's queue message (an activity's result,
 * a fired timer, an orchestrator's episode, the start of an instance) stays in the queue until its
 * result is stored, and comes back after its visibility timeout when storing failed. Here the
 * engine holds the work item in memory and delivers it again with a doubling delay (capped), for
 * as long as the outage lasts, instead of dropping it. Only a client's own request (raise,
 * terminate, start) answers with the failure, as the extension's HTTP API does; nothing it accepted
 * is dropped afterwards.
 */
import { randomUUID } from 'node:crypto';
import type { FunctionInvoker, HostClock } from '../types';
import { EventType, event, fromJsonText, openWork, toJsonText, type HistoryEvent } from './history';
import { activityFailed, runEpisode, type EpisodeResult } from './episode';
import { TimerScheduler, WorkPool } from './scheduler';
import { DurableStore, isActive, type InstanceRecord } from './store';

export interface RuntimeOptions {
  invoker: FunctionInvoker;
  clock: HostClock;
  store: DurableStore;
  log: (msg: string) => void;
  activityConcurrency?: number;
  /** Delay before a work item whose result could not be stored is delivered again (doubles per failure). */
  redeliveryBaseMs?: number;
  /** The longest such delay. */
  redeliveryMaxMs?: number;
}

/** Defaults: a short outage costs little, a long one is probed every few seconds. */
const REDELIVERY_BASE_MS = 200;
const REDELIVERY_MAX_MS = 5_000;
/** How often settled() looks again. */
const SETTLE_POLL_MS = 25;

export type DeliveryResult = 'accepted' | 'notFound' | 'gone';
export type StartResult = 'started' | 'conflict';

/** One instance's serial queue and its in-memory copy of what is committed. */
/** An event waiting to be committed, and who waits for the answer. */
interface Delivery {
  event: HistoryEvent;
  executionId?: string;
  /**
   * A client's raise: stored on its own and answered before its episode replays, as the
   * extension answers once the event's message is queued. The engine's own events (an activity's
   * result, a fired timer, the start) are stored with the episode's decisions, in one write.
   */
  ownWrite?: boolean;
  settle: (result: DeliveryResult) => void;
  fail: (error: unknown) => void;
}

class Instance {
  record: InstanceRecord | undefined;
  history: HistoryEvent[] = [];
  loaded = false;
  /** Events that arrived and are not committed yet; `pumping` while a job drains them. */
  inbox: Delivery[] = [];
  pumping = false;
  /** Jobs queued and not finished. */
  queued = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly id: string) {}

  /** Runs `job` after every job queued before it; a failed job does not block the queue. */
  serial<T>(job: () => Promise<T>): Promise<T> {
    this.queued++;
    const run = this.tail.then(job).finally(() => this.queued--);
    this.tail = run.catch(() => undefined);
    return run;
  }

  idle(): Promise<unknown> {
    return this.tail;
  }
}

export class DurableRuntime {
  private readonly instances = new Map<string, Instance>();
  private readonly timers: TimerScheduler;
  private readonly pool: WorkPool;
  /** Pending redeliveries, cleared on stop. */
  private readonly retries = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** Activities dispatched whose completion is not queued to its instance yet. */
  private activitiesRunning = 0;

  constructor(private readonly options: RuntimeOptions) {
    this.timers = new TimerScheduler(options.clock);
    this.pool = new WorkPool(options.activityConcurrency ?? 16);
  }

  get store(): DurableStore {
    return this.options.store;
  }

  /** Resumes every unfinished instance. */
  async resume(): Promise<void> {
    await this.store.init();
    for (const record of await this.store.listInstances()) {
      if (!isActive(record.runtimeStatus)) continue;
      const instance = this.instance(record.instanceId);
      await instance.serial(() => this.load(instance));
      this.options.log(`durable: resuming ${record.name} ${record.instanceId}`);
      if (record.historyLength === 0) this.redeliver(instance, this.executionStarted(record), 'start');
      else this.resumeWork(instance);
    }
  }

  /** See DurableEngine.settled: polls, as work may start more work (an episode, an activity). */
  async settled(maxMs: number): Promise<void> {
    const deadline = Date.now() + maxMs;
    const busy = () =>
      this.activitiesRunning > 0 ||
      [...this.instances.values()].some((i) => i.queued > 0 || i.inbox.length > 0);
    while (busy() && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.stop();
    for (const handle of this.retries) clearTimeout(handle);
    this.retries.clear();
    await Promise.all([...this.instances.values()].map((i) => i.idle()));
  }

  async start(name: string, instanceId: string, inputText: string): Promise<StartResult> {
    const instance = this.instance(instanceId);
    const started = instance.serial(async () => {
      await this.load(instance);
      const previous = instance.record;
      if (previous && isActive(previous.runtimeStatus)) return 'conflict' as const;
      const now = this.options.clock.now().toISOString();
      const record: InstanceRecord = {
        instanceId,
        name,
        input: inputText,
        output: 'null',
        customStatus: 'null',
        runtimeStatus: 'Pending',
        createdTime: now,
        lastUpdatedTime: now,
        executionId: randomUUID().replace(/-/g, ''),
        historyLength: 0,
      };
      await this.store.putInstance(record);
      instance.record = record;
      instance.history = [];
      // The old execution's rows are leftovers under another execution id: removing them may wait.
      if (previous) this.deleteOldHistory(instanceId, record.executionId);
      return 'started' as const;
    });
    // Accepted once the instance row is stored: from here on ExecutionStarted is delivered until it is.
    if ((await started) === 'started')
      this.redeliver(instance, this.executionStarted(instance.record!), 'start');
    return started;
  }

  raiseEvent(instanceId: string, name: string, inputText: string): Promise<DeliveryResult> {
    const raised = event(EventType.EventRaised, this.options.clock.now(), { Name: name, Input: inputText });
    return this.queueEpisode(this.instance(instanceId), raised, undefined, true);
  }

  terminate(instanceId: string, reason: string): Promise<DeliveryResult> {
    const instance = this.instance(instanceId);
    return instance.serial(async () => {
      await this.load(instance);
      const record = instance.record;
      if (!record) return 'notFound';
      if (!isActive(record.runtimeStatus)) return 'gone';
      const now = this.options.clock.now();
      const terminated = event(EventType.ExecutionTerminated, now, { Input: toJsonText(reason) });
      await this.commit(instance, [terminated], {
        runtimeStatus: 'Terminated',
        output: toJsonText(reason),
        lastUpdatedTime: now.toISOString(),
      });
      this.timers.cancelOwner(instanceId);
      return 'accepted';
    });
  }

  /** Deletes a finished instance and its history; unknown or still active instances are left alone. */
  purge(instanceId: string): Promise<'purged' | 'notFound'> {
    const instance = this.instance(instanceId);
    return instance.serial(async () => {
      await this.load(instance);
      const record = instance.record;
      if (!record || isActive(record.runtimeStatus)) return 'notFound';
      await this.store.purge(instanceId);
      instance.record = undefined;
      instance.history = [];
      return 'purged';
    });
  }

  private instance(id: string): Instance {
    let instance = this.instances.get(id);
    if (!instance) {
      instance = new Instance(id);
      this.instances.set(id, instance);
    }
    return instance;
  }

  private async load(instance: Instance): Promise<void> {
    if (instance.loaded) return;
    const record = await this.store.getInstance(instance.id);
    instance.history = record && isActive(record.runtimeStatus) ? await this.store.loadHistory(record) : [];
    instance.record = record;
    instance.loaded = true;
  }

  private executionStarted(record: InstanceRecord): HistoryEvent {
    return event(EventType.ExecutionStarted, this.options.clock.now(), {
      Name: record.name,
      Input: record.input,
    });
  }

  /**
   * Hands a new event to the instance. Resolves once the event is committed (that is when a raised
   * event is "accepted"). Events that arrive while an episode runs wait in the inbox and are
   * committed together afterwards, so the next episode replays them all at once.
   */
  private queueEpisode(
    instance: Instance,
    newEvent: HistoryEvent,
    executionId?: string,
    ownWrite = false,
  ): Promise<DeliveryResult> {
    const delivered = new Promise<DeliveryResult>((settle, fail) =>
      instance.inbox.push({ event: newEvent, executionId, ownWrite, settle, fail }),
    );
    if (!instance.pumping) {
      instance.pumping = true;
      instance
        .serial(() => this.pump(instance))
        .catch((error: unknown) =>
          this.options.log(`durable: events of ${instance.id} failed: ${describe(error)}`),
        );
    }
    return delivered;
  }

  /**
   * Takes every event in the inbox into one open episode, replays it, and commits the engine's
   * events with the episode's decisions in one write (history rows, then the instance row), until
   * none is left. Such an event is accepted once that write is stored; when it fails (or the
   * replay throws), nothing of it is stored and the event is delivered again, as when storing the
   * event failed. A client's raise is stored on its own first (see Delivery.ownWrite), after what
   * was staged before it, so the episode keeps the order of arrival.
   */
  private async pump(instance: Instance): Promise<void> {
    try {
      while (instance.inbox.length > 0) {
        const batch = instance.inbox.splice(0);
        const staged: HistoryEvent[] = [];
        let taken: Delivery[] = [];
        for (const delivery of batch) {
          try {
            if (delivery.ownWrite) {
              taken = await this.storeStaged(instance, staged, taken);
              const result = await this.stage(instance, staged, delivery.event, delivery.executionId);
              if (result === 'accepted') taken = await this.storeStaged(instance, staged, [delivery]);
              else delivery.settle(result);
              continue;
            }
            const result = await this.stage(instance, staged, delivery.event, delivery.executionId);
            if (result === 'accepted') taken.push(delivery);
            else delivery.settle(result);
          } catch (error) {
            delivery.fail(error);
          }
        }
        await this.replayStaged(instance, staged, taken);
      }
    } finally {
      // No await between the empty check above and this: an arrival now starts a new pump.
      instance.pumping = false;
    }
  }

  /** Stores what is staged as events only (the episode replays later), and answers their senders. */
  private async storeStaged(
    instance: Instance,
    staged: HistoryEvent[],
    taken: Delivery[],
  ): Promise<Delivery[]> {
    if (staged.length === 0) return [];
    const events = staged.splice(0);
    try {
      await this.commit(instance, events, {
        runtimeStatus: 'Running',
        lastUpdatedTime: this.options.clock.now().toISOString(),
      });
      for (const delivery of taken) delivery.settle('accepted');
    } catch (error) {
      for (const delivery of taken) delivery.fail(error);
    }
    return [];
  }

  /** Replays the open episode, if any, with what is staged, and stores both in one write. */
  private async replayStaged(instance: Instance, staged: HistoryEvent[], taken: Delivery[]): Promise<void> {
    if (staged.length === 0) {
      // Only raises stored on their own (or nothing new): the open episode replays as before.
      if (openEpisode(instance.history)) await this.runEpisodeOrRetry(instance);
      return;
    }
    try {
      await this.replayAndCommit(instance, staged);
      for (const delivery of taken) delivery.settle('accepted');
    } catch (error) {
      for (const delivery of taken) delivery.fail(error);
      // Events stored on their own before may wait in the open episode: it replays again later.
      if (openEpisode(instance.history)) await this.runEpisodeOrRetry(instance);
    }
  }

  /** Adds a new event to the episode being staged (`staged`, not stored yet), or says why not. */
  private async stage(
    instance: Instance,
    staged: HistoryEvent[],
    newEvent: HistoryEvent,
    executionId?: string,
  ): Promise<DeliveryResult> {
    await this.load(instance);
    const record = instance.record;
    if (!record) return 'notFound';
    if (!isActive(record.runtimeStatus) || (executionId && executionId !== record.executionId)) return 'gone';
    if (isDuplicate([...instance.history, ...staged], newEvent)) return 'gone';
    const started =
      record.historyLength > 0 || staged.some((e) => e.EventType === EventType.ExecutionStarted);
    if (!started && newEvent.EventType !== EventType.ExecutionStarted) {
      // An event that overtook the start (raised while Pending, or right after ContinueAsNew)
      // waits behind ExecutionStarted, as the extension keeps events for a Pending instance: the
      // start gets an episode of its own first. (Nothing can be staged here: a staged
      // ExecutionStarted would make the instance started.)
      if (staged.length > 0) throw new Error(`${record.instanceId}: an event staged before its start`);
      await this.storeNewEvent(instance, this.executionStarted(record));
      await this.runEpisodeOrRetry(instance);
      return this.stage(instance, staged, newEvent, executionId);
    }
    // An open episode takes the event as it is; otherwise the event opens the next one.
    const opening =
      openEpisode(instance.history) || staged.length > 0
        ? []
        : [event(EventType.OrchestratorStarted, this.options.clock.now())];
    staged.push(...opening, newEvent);
    return 'accepted';
  }

  /** Replays the open episode with the staged events, then stores both in one commit. */
  private async replayAndCommit(instance: Instance, staged: HistoryEvent[]): Promise<void> {
    const record = instance.record!;
    const history = [...instance.history, ...staged];
    const open = openEpisode(history)!;
    const result = await runEpisode({
      orchestrator: (trigger) => this.options.invoker.invoke(record.name, trigger),
      instanceId: record.instanceId,
      input: fromJsonText(record.input),
      history: history.slice(0, open.startedAt),
      newEvents: history.slice(open.startedAt + 1),
      now: open.now,
    });
    // The execution ends and a new one starts: the staged events belonged to the old one.
    if (result.status === 'continuedAsNew') return this.continueAsNew(instance, result.continueAsNewInput);
    const now = this.options.clock.now();
    const decided = result.history.slice(history.length);
    await this.commit(instance, [...staged, ...decided], {
      runtimeStatus: 'Running',
      ...recordChanges(record, result, now),
    });
    this.afterEpisode(instance, record, result, decided);
  }

  /** The old two writes: the event stored on its own, the episode replayed and stored after it. */
  private async storeNewEvent(instance: Instance, newEvent: HistoryEvent): Promise<void> {
    const now = this.options.clock.now();
    const opening = openEpisode(instance.history) ? [] : [event(EventType.OrchestratorStarted, now)];
    await this.commit(instance, [...opening, newEvent], {
      runtimeStatus: 'Running',
      lastUpdatedTime: now.toISOString(),
    });
  }

  /** Appends events after the committed history, then commits them with the record's changes. */
  private async commit(
    instance: Instance,
    events: HistoryEvent[],
    changes: Partial<InstanceRecord>,
  ): Promise<void> {
    const record = instance.record!;
    await this.store.appendHistory(record, record.historyLength, events);
    const next: InstanceRecord = {
      ...record,
      ...changes,
      historyLength: record.historyLength + events.length,
    };
    await this.store.putInstance(next);
    instance.record = next;
    instance.history.push(...events);
  }

  private async runEpisode(instance: Instance): Promise<void> {
    const record = instance.record;
    const open = openEpisode(instance.history);
    if (!record || !isActive(record.runtimeStatus) || !open) return;
    const result = await runEpisode({
      orchestrator: (trigger) => this.options.invoker.invoke(record.name, trigger),
      instanceId: record.instanceId,
      input: fromJsonText(record.input),
      history: instance.history.slice(0, open.startedAt),
      newEvents: instance.history.slice(open.startedAt + 1),
      now: open.now,
    });
    if (result.status === 'continuedAsNew') return this.continueAsNew(instance, result.continueAsNewInput);
    const now = this.options.clock.now();
    const decided = result.history.slice(instance.history.length);
    await this.commit(instance, decided, recordChanges(record, result, now));
    this.afterEpisode(instance, record, result, decided);
  }

  /** What follows a stored episode: its activities and timers, or the end of the instance. */
  private afterEpisode(
    instance: Instance,
    record: InstanceRecord,
    result: EpisodeResult,
    decided: HistoryEvent[],
  ): void {
    if (result.stalled)
      this.options.log(
        `durable: WARNING ${record.name} ${record.instanceId} waits for a task that will never complete: ` +
          'every action it emitted has completed, so the SDK and the extension disagree on task ids ' +
          '(durable-functions LongTimerTask takes a new id when a canceled long timer fires). Azure would hang too.',
      );
    if (result.status === 'running') {
      const work = openWork(decided);
      this.dispatch(instance.record!, work.activities, work.timers);
    } else {
      this.timers.cancelOwner(record.instanceId);
      const status = instance.record!.runtimeStatus;
      const shown = result.status === 'completed' ? ` (output: ${toJsonText(result.output)})` : '';
      this.options.log(`durable: ${record.name} ${record.instanceId} ${status}${shown}`);
    }
  }

  /** A fresh execution under the same id: new history, the new input, Pending until it starts. */
  private async continueAsNew(instance: Instance, input: unknown): Promise<void> {
    const old = instance.record!;
    const now = this.options.clock.now().toISOString();
    const record: InstanceRecord = {
      ...old,
      input: toJsonText(input),
      output: 'null',
      customStatus: 'null',
      runtimeStatus: 'Pending',
      lastUpdatedTime: now,
      executionId: randomUUID().replace(/-/g, ''),
      historyLength: 0,
    };
    await this.store.putInstance(record);
    instance.record = record;
    instance.history = [];
    this.timers.cancelOwner(old.instanceId);
    this.redeliver(instance, this.executionStarted(record), 'start');
    this.deleteOldHistory(old.instanceId, record.executionId);
  }

  /** Removes an earlier execution's history rows; a failure leaves rows nobody reads (purge removes them). */
  private deleteOldHistory(instanceId: string, keepExecutionId: string): void {
    this.store
      .deleteHistory(instanceId, keepExecutionId)
      .catch((error: unknown) =>
        this.options.log(`durable: old history of ${instanceId} kept for now: ${describe(error)}`),
      );
  }

  /**
   * Delivers an event the engine itself produced (an activity's result, a fired timer, the start)
   * until it is stored or no longer wanted ('gone': the instance ended or moved to a new execution),
   * as a queue message is delivered again until it is handled.
   */
  private redeliver(instance: Instance, newEvent: HistoryEvent, what: string, executionId?: string): void {
    const attempt = (failures: number): void => {
      if (this.stopped) return;
      this.queueEpisode(instance, newEvent, executionId).catch((error: unknown) => {
        const delay = this.backoff(failures);
        this.options.log(
          `durable: ${what} of ${instance.id} not stored (${describe(error)}); delivering it again in ${delay} ms`,
        );
        this.later(delay, () => attempt(failures + 1));
      });
    };
    attempt(0);
  }

  /** Replays the open episode; when its decisions cannot be stored, replays it again later. */
  private async runEpisodeOrRetry(instance: Instance, failures = 0): Promise<void> {
    try {
      await this.runEpisode(instance);
    } catch (error) {
      const delay = this.backoff(failures);
      this.options.log(
        `durable: episode of ${instance.id} not stored (${describe(error)}); replaying it again in ${delay} ms`,
      );
      this.later(delay, () => {
        // runEpisode is a no-op when a later event's pump already replayed the open episode.
        instance
          .serial(() => this.runEpisodeOrRetry(instance, failures + 1))
          .catch((e: unknown) =>
            this.options.log(`durable: episode of ${instance.id} failed: ${describe(e)}`),
          );
      });
    }
  }

  private backoff(failures: number): number {
    const base = this.options.redeliveryBaseMs ?? REDELIVERY_BASE_MS;
    const max = this.options.redeliveryMaxMs ?? REDELIVERY_MAX_MS;
    const delay = Math.min(max, base * 2 ** Math.min(failures, 20));
    // Jitter, so instances that failed together do not all come back in the same instant.
    return Math.round(delay * (0.75 + Math.random() * 0.5));
  }

  private later(ms: number, job: () => void): void {
    if (this.stopped) return;
    const handle = setTimeout(() => {
      this.retries.delete(handle);
      if (!this.stopped) job();
    }, ms);
    this.retries.add(handle);
  }

  /** After a restart: runs what was scheduled but never finished, and re-arms open timers. */
  private resumeWork(instance: Instance): void {
    const record = instance.record!;
    const work = openWork(instance.history);
    this.dispatch(record, work.activities, work.timers);
    if (openEpisode(instance.history))
      instance
        .serial(() => this.runEpisodeOrRetry(instance))
        .catch((error: unknown) =>
          this.options.log(`durable: episode of ${instance.id} failed: ${describe(error)}`),
        );
  }

  private dispatch(record: InstanceRecord, activities: HistoryEvent[], timers: HistoryEvent[]): void {
    const instance = this.instance(record.instanceId);
    for (const scheduled of activities) {
      this.activitiesRunning++;
      void this.pool
        .run(() => this.runActivity(scheduled))
        .then((completion) => this.redeliver(instance, completion, 'activity', record.executionId))
        .finally(() => this.activitiesRunning--);
    }
    for (const created of timers) {
      const key = `${record.instanceId}/${record.executionId}/${created.EventId}`;
      const fireAt = new Date(created.FireAt ?? 0);
      this.timers.add(record.instanceId, key, fireAt, () => {
        const fired = event(EventType.TimerFired, this.options.clock.now(), {
          TimerId: created.EventId,
          FireAt: created.FireAt,
        });
        this.redeliver(instance, fired, 'timer', record.executionId);
      });
    }
  }

  private async runActivity(scheduled: HistoryEvent): Promise<HistoryEvent> {
    const name = scheduled.Name ?? '';
    const input = fromJsonText(scheduled.Input);
    try {
      const result = await this.options.invoker.invoke(name, input);
      return event(EventType.TaskCompleted, this.options.clock.now(), {
        TaskScheduledId: scheduled.EventId,
        Result: toJsonText(result),
      });
    } catch (error) {
      return activityFailed(scheduled.EventId, error, name, this.options.clock.now());
    }
  }
}

function recordChanges(record: InstanceRecord, result: EpisodeResult, now: Date): Partial<InstanceRecord> {
  const changes: Partial<InstanceRecord> = {
    customStatus: toJsonText(result.customStatus),
    lastUpdatedTime: now.toISOString(),
  };
  if (result.status === 'completed')
    return { ...changes, runtimeStatus: 'Completed', output: toJsonText(result.output) };
  if (result.status === 'failed')
    return {
      ...changes,
      runtimeStatus: 'Failed',
      output: toJsonText(`Orchestrator function '${record.name}' failed: ${result.error ?? ''}`),
    };
  return changes;
}

/**
 * The open episode at the end of history: from its OrchestratorStarted on, events committed but
 * not yet replayed (no OrchestratorCompleted after them).
 */
function openEpisode(history: HistoryEvent[]): { startedAt: number; now: Date } | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const e = history[i]!;
    if (e.EventType === EventType.OrchestratorCompleted) return undefined;
    if (e.EventType === EventType.OrchestratorStarted)
      return i < history.length - 1 ? { startedAt: i, now: new Date(e.Timestamp) } : undefined;
  }
  return undefined;
}

/** A completion or timer delivered twice (an activity that ran again) must reach the SDK once. */
function isDuplicate(history: HistoryEvent[], e: HistoryEvent): boolean {
  if (e.EventType === EventType.TaskCompleted || e.EventType === EventType.TaskFailed)
    return !openWork(history).activities.some((a) => a.EventId === e.TaskScheduledId);
  if (e.EventType === EventType.TimerFired)
    return !openWork(history).timers.some((t) => t.EventId === e.TimerId);
  if (e.EventType === EventType.ExecutionStarted) return history.length > 0;
  return false;
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
