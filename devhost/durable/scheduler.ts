/** Durable timers on the host clock, and the bounded pool that runs activities. */
import type { HostClock } from '../types';

/** Node's setTimeout overflows past 2^31-1 ms; long waits are re-checked at least this often. */
const MAX_SLEEP_MS = 60_000;

interface Pending {
  owner: string;
  fireAt: number;
  fire: () => void;
}

/**
 * Timers fire when the host clock reaches them. The clock can jump forward
 * (POST /admin/clock/advance), so every advance re-checks what is due.
 */
export class TimerScheduler {
  private readonly pending = new Map<string, Pending>();
  private handle: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly clock: HostClock) {
    clock.onAdvance(() => this.check());
  }

  /** Arms a timer; `key` makes re-arming the same timer (after a restart) idempotent. */
  add(owner: string, key: string, fireAt: Date, fire: () => void): void {
    if (this.stopped) return;
    this.pending.set(key, { owner, fireAt: fireAt.getTime(), fire });
    this.check();
  }

  /** Forgets every timer of an owner (an instance that ended). */
  cancelOwner(owner: string): void {
    for (const [key, timer] of this.pending) if (timer.owner === owner) this.pending.delete(key);
    this.check();
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
    if (this.handle) clearTimeout(this.handle);
  }

  private check(): void {
    if (this.stopped) return;
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    const now = this.clock.now().getTime();
    let earliest = Infinity;
    for (const [key, timer] of this.pending) {
      if (timer.fireAt <= now) {
        this.pending.delete(key);
        timer.fire();
      } else earliest = Math.min(earliest, timer.fireAt);
    }
    if (earliest === Infinity) return;
    this.handle = setTimeout(() => this.check(), Math.min(Math.max(earliest - now, 0), MAX_SLEEP_MS));
    // A pending durable timer must not keep a stopping process alive.
    this.handle.unref();
  }
}

/** Runs at most `limit` jobs at once, the rest in arrival order. */
export class WorkPool {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await job();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
