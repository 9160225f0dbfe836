/**
 * Timer triggers (`app.timer`, and `df.app.client.timer`), as the Functions host runs them: an
 * NCRONTAB schedule in UTC, one invocation at a time per function (the host holds a singleton
 * lock), the trigger value in the host's shape ({Schedule, ScheduleStatus, IsPastDue}), which the
 * library turns into a `Timer`.
 *
 * On the local host's clock: an occurrence is due when the clock (real time plus the offset that
 * POST /admin/clock/advance moves) reaches it. Between advances it fires in real time; an advance
 * that passes one or more occurrences fires the function once with IsPastDue, as Azure does for
 * occurrences missed while the app was down.
 */
import type { ExtraInputsFor } from './bindingInputs';
import type { FunctionInvoker, HostClock } from './types';

export interface TimerTriggerOptions {
  invoker: FunctionInvoker;
  clock: HostClock;
  extraInputsFor?: ExtraInputsFor;
  log: (message: string) => void;
}

export interface TimerTriggerRunner {
  start(): Promise<void>;
  stop(): Promise<void>;
  describe(): string[];
}

interface Watch {
  functionName: string;
  expression: string;
  schedule: Schedule;
  runOnStartup: boolean;
  last?: Date;
  next: Date;
  running?: Promise<void>;
  /** An occurrence came due while it ran: run again right after. */
  again: boolean;
}

/** Real-time waits are capped so a far occurrence is re-checked against the clock now and then. */
const MAX_WAIT_MS = 60_000;

export function createTimerTriggerRunner(options: TimerTriggerOptions): TimerTriggerRunner {
  const watches: Watch[] = options.invoker
    .list()
    .filter((f) => f.trigger.type.toLowerCase() === 'timertrigger')
    .map((f) => {
      const expression = String(f.trigger.schedule ?? '');
      const schedule = parseNcrontab(expression);
      return {
        functionName: f.name,
        expression,
        schedule,
        runOnStartup: f.trigger.runOnStartup === true,
        next: schedule.next(options.clock.now()),
        again: false,
      };
    });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  function fire(watch: Watch, pastDue: boolean): void {
    if (watch.running) {
      watch.again = true;
      return;
    }
    const now = options.clock.now();
    const value = {
      Schedule: { AdjustForDST: false },
      ScheduleStatus: {
        Last: (watch.last ?? now).toISOString(),
        Next: watch.schedule.next(now).toISOString(),
        LastUpdated: now.toISOString(),
      },
      IsPastDue: pastDue,
    };
    watch.last = now;
    watch.running = options.invoker
      .invoke(watch.functionName, value, { extraInputs: options.extraInputsFor?.(watch.functionName) ?? {} })
      .then(
        () => undefined,
        // The invoker already printed the failure line; the schedule goes on, as in Azure.
        () => undefined,
      )
      .finally(() => {
        watch.running = undefined;
        if (watch.again && !stopped) {
          watch.again = false;
          fire(watch, true);
        }
      });
  }

  /** Fires what is due on the clock and waits (real time) for the next occurrence. */
  function check(): void {
    if (stopped) return;
    clearTimeout(timer);
    const now = options.clock.now();
    for (const watch of watches) {
      if (watch.next.getTime() > now.getTime()) continue;
      // Every occurrence up to now is covered by this one invocation.
      const missed = watch.schedule.next(watch.next).getTime() <= now.getTime();
      watch.next = watch.schedule.next(now);
      fire(watch, missed);
    }
    if (watches.length === 0) return;
    const soonest = Math.min(...watches.map((w) => w.next.getTime()));
    const wait = Math.max(0, Math.min(MAX_WAIT_MS, soonest - options.clock.now().getTime()));
    timer = setTimeout(check, wait);
    timer.unref?.();
  }

  return {
    async start() {
      options.clock.onAdvance(() => check());
      for (const watch of watches) if (watch.runOnStartup) fire(watch, false);
      check();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.all(watches.map((w) => w.running));
    },
    describe: () =>
      watches.map((w) => `${w.functionName}: "${w.expression}" (UTC), next ${w.next.toISOString()}`),
  };
}

export interface Schedule {
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
}

const FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

/**
 * An NCRONTAB expression: `{second} {minute} {hour} {day} {month} {day-of-week}` (the Functions
 * format; five fields mean seconds = 0), each `*`, a value, a range `a-b`, a list `a,b`, or a
 * step (`*` or a range followed by `/n`), months and days by their English three-letter names; day of week 0-6 from
 * Sunday (7 is Sunday too). As in NCrontab, a day must match both the day and the day of week.
 */
export function parseNcrontab(expression: string): Schedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6)
    throw new Error(
      `Timer schedule "${expression}" must have 6 fields (or 5): {second} {minute} {hour} {day} {month} {day-of-week}.`,
    );
  const full = parts.length === 5 ? ['0', ...parts] : parts;
  const sets = full.map((part, i) => parseField(part, FIELDS[i]!, expression));
  const [seconds, minutes, hours, days, months, weekdays] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (weekdays.has(7)) weekdays.add(0);
  const dayMatches = (d: Date) => days.has(d.getUTCDate()) && weekdays.has(d.getUTCDay());
  return {
    next(after) {
      const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
      // Five years bound the search: "30 2 * *" (February 30th) never matches.
      const limit = after.getTime() + 5 * 366 * 86_400_000;
      while (t.getTime() <= limit) {
        if (!months.has(t.getUTCMonth() + 1)) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0, 0, 0);
        } else if (!dayMatches(t)) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0, 0, 0);
        } else if (!hours.has(t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
        } else if (!minutes.has(t.getUTCMinutes())) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
        } else if (!seconds.has(t.getUTCSeconds())) {
          t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
        } else {
          return t;
        }
      }
      throw new Error(`Timer schedule "${expression}" has no occurrence in the next five years.`);
    },
  };
}

function parseField(text: string, field: (typeof FIELDS)[number], expression: string): Set<number> {
  const max = field.name === 'day of week' ? 7 : field.max;
  const bad = () => new Error(`Timer schedule "${expression}": "${text}" is not a valid ${field.name}.`);
  const value = (v: string): number => {
    const named = 'names' in field ? (field.names as readonly string[]).indexOf(v.toLowerCase()) : -1;
    const n = named >= 0 ? named + field.min : /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < field.min || n > max) throw bad();
    return n;
  };
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!range || !Number.isInteger(step) || step < 1) throw bad();
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [field.min, field.max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-');
      [from, to] = [value(a ?? ''), value(b ?? '')];
      if (from > to) throw bad();
    } else {
      from = value(range);
      to = stepText === undefined ? from : field.max;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}
