import type { OrchestrationContext, Task } from 'durable-functions';

/**
 * The one way the publishing orchestrator waits for external events (Go Live, Cancel, review
 * decisions, package reports), with or without a deadline.
 *
 * Why it exists: how durable-functions 3.5 hands an event to a task
 * (lib/src/orchestrations/TaskOrchestrationExecutor.js, lib/src/task/*.js).
 * - `waitForExternalEvent(name)` only creates a task. It starts listening when it is yielded
 *   (alone or inside Task.any): `trackOpenTask` pushes it on a per-name list. An EventRaised pops
 *   the newest task of that list and completes it, whatever the orchestrator is doing at that
 *   moment: running an activity, sending a reminder, escalating, or replaying. When no task of that
 *   name listens, the event is deferred and given to the next task of that name that is tracked.
 * - A completed task stays completed. Yielding it again inside a new `Task.any` does not resolve
 *   that Task.any (WhenAnyTask only reacts to a child that completes later), and re-tracking it
 *   puts it on the listening list a second time, where a later event of that name completes it
 *   again and is lost. That is how a Go Live pressed during a reminder, a decision sent during an
 *   escalation, and a Cancel sent right after Go Live disappeared.
 *
 * So: every wait creates fresh listener tasks and yields each exactly once; after every wait (and
 * before the next) the inbox collects every listener that completed, at any time, into a queue in
 * a fixed order; a wait first takes from that queue and yields only when nothing it wants is
 * queued. An event is therefore taken exactly once, by the first wait that asks for its name.
 * Events nobody asks for again (a second Go Live, a late package report) stay queued and change
 * nothing. Everything here is deterministic: replay rebuilds the same queue. A deadline's timers
 * are fresh per wait too, never composed again, never longer than TIMER_PIECE_MS (see wait).
 */

/** The longest timer a wait creates: the Azure Storage backend's long-timer piece (3 days). */
export const TIMER_PIECE_MS = 3 * 24 * 3600 * 1000;

export interface Arrival {
  name: string;
  payload: unknown;
}

export type Waited = ({ kind: 'event' } & Arrival) | { kind: 'timeout' };

export class EventInbox {
  private listeners: { name: string; task: Task }[] = [];
  private readonly queued: Arrival[] = [];

  /**
   * `everyName`: every event the orchestration may receive. Each wait also listens to those of
   * them that no listener awaits yet, so no event is ever deferred inside the SDK: an event of a
   * name nobody asked for would be handed out only when a wait first asks for it, after events of
   * other names that came later (a rejection, then a Cancel, raised while the change that starts
   * step 7 was retried: the Cancel was taken first).
   */
  constructor(
    private readonly context: OrchestrationContext,
    private readonly everyName: readonly string[] = [],
  ) {}

  /** The first queued event with one of these names, taken off the queue; never waits. */
  take(names: readonly string[]): Arrival | undefined {
    this.collect();
    const index = this.queued.findIndex((a) => names.includes(a.name));
    return index < 0 ? undefined : this.queued.splice(index, 1)[0];
  }

  /** Takes every queued event with this name; for events where only the latest news matters. */
  drain(name: string): void {
    while (this.take([name])) {
      // taken and dropped
    }
  }

  /**
   * Waits for the first of these events, or until `deadline` when one is given. `names` may be
   * empty for a plain timer, so that every wait of the orchestrator goes through here.
   *
   * A far deadline is reached through timers of at most TIMER_PIECE_MS, each wait with fresh
   * listeners. The SDK turns a timer past the backend's limit (6 days on Azure Storage) into a
   * chain that creates its next piece whenever one fires, even after its wait is over, and, once
   * cancel()ed, keeps taking task ids where the extension stops: ids drift apart and the instance
   * hangs. Short timers have neither problem. One that lost to an event is cancelled: the
   * extension (and so the local engine) ends an execution only when no uncancelled timer is open,
   * so a timer left to fire would keep a Live submission's instance Running for up to 3 days.
   */
  *wait(names: readonly string[], deadline?: Date): Generator<Task, Waited, unknown> {
    if (names.length === 0 && !deadline) throw new Error('A wait needs an event name or a deadline.');
    for (;;) {
      const ready = this.take(names);
      if (ready) return { kind: 'event', ...ready };
      const now = this.context.df.currentUtcDateTime.getTime();
      if (deadline && now >= deadline.getTime()) return { kind: 'timeout' };
      const unheard = this.everyName.filter(
        (name) => !names.includes(name) && !this.listeners.some((l) => l.name === name),
      );
      const tasks: Task[] = [...names, ...unheard].map((name) => this.listen(name));
      const timer = deadline
        ? this.context.df.createTimer(new Date(Math.min(deadline.getTime(), now + TIMER_PIECE_MS)))
        : undefined;
      if (timer) tasks.push(timer);
      const [only] = tasks;
      yield only && tasks.length === 1 ? only : this.context.df.Task.any(tasks);
      if (timer && !timer.isCompleted) timer.cancel();
    }
  }

  private listen(name: string): Task {
    const task = this.context.df.waitForExternalEvent(name);
    this.listeners.push({ name, task });
    return task;
  }

  /**
   * Moves completed listeners to the queue in the order their events arrived. Of the listeners of
   * one name that completed since the last look, the newest got the first event: the SDK (like the
   * extension, a stack) hands an event to the most recent listening task. A listener that got an
   * event buffered before it listened is its wait's only one of that name. Across names the SDK
   * keeps no order, so the moment the API accepted each action (`at`, `decidedAt`) decides.
   */
  private collect(): void {
    const done = this.listeners.filter((l) => l.task.isCompleted);
    if (done.length === 0) return;
    this.listeners = this.listeners.filter((l) => !l.task.isCompleted);
    const arrivals = done.reverse().map((l) => ({ name: l.name, payload: l.task.result }));
    const times = arrivals.map((a) => acceptedAt(a.payload));
    if (times.every((t) => t !== undefined)) {
      const order = arrivals.map((a, i) => ({ a, t: times[i] ?? '' }));
      order.sort((x, y) => (x.t < y.t ? -1 : x.t > y.t ? 1 : 0));
      this.queued.push(...order.map((o) => o.a));
    } else this.queued.push(...arrivals);
  }
}

function acceptedAt(payload: unknown): string | undefined {
  const p = payload as { at?: unknown; decidedAt?: unknown } | undefined;
  const at = p?.at ?? p?.decidedAt;
  return typeof at === 'string' ? at : undefined;
}
