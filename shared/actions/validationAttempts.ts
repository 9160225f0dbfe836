import { randomUUID } from 'node:crypto';
import type { PackageReportStore, ValidationAttempt } from '../ports/stores';

/**
 * Failed tries per blob version before its report is settled as Failed (`internal`); the Event Grid
 * subscription delivers an event at most this many times too (infra/app/package-events.bicep,
 * maxDeliveryAttempts), as the local host does (devhost/blobTriggers.ts MAX_ATTEMPTS).
 */
export const MAX_VALIDATION_ATTEMPTS = 5;

/**
 * Event Grid retries a delivery that gets no answer within 30 s, while the first invocation goes
 * on running. A try that fails after that long is retried here rather than thrown: its delivery
 * already counts as failed, and Event Grid may have no delivery left to retry it with.
 */
export const EVENT_GRID_ANSWER_MS = 30_000;
const ANSWER_MARGIN_MS = 5_000;

/** A running try renews `aliveUntil` this often; a try not renewed for ALIVE_MS died with its process. */
const HEARTBEAT_MS = 15_000;
const ALIVE_MS = 60_000;

/** What the package trigger knows of the tries at validating one blob version. */
export interface Attempts {
  /** Failed tries so far, this invocation's included: tries that threw, and tries whose process died. */
  readonly failures: number;
  /** Whether an earlier try died with its process (a crash: it never reached a catch). */
  readonly crashed: boolean;
  /** Whether this invocation's delivery went unanswered so long that Event Grid counts it failed. */
  pastAnswer(): boolean;
  /** This try failed (once per try); returns the failures so far. */
  fail(): Promise<number>;
  /** Starts another try in this invocation. */
  retry(): Promise<void>;
  /** This try succeeded. */
  done(): Promise<void>;
  /** Stops renewing (always, when the invocation ends). */
  close(): void;
}

/**
 * Counts failed tries only (issue 32 item 7): a delivery Event Grid retried because the first got
 * no answer in time is not a failure, so a slow validation after a cold start never uses up the
 * attempts and fails a good package with `internal`. Each try has its own row, renewed while it
 * runs; a try another delivery finds still alive is left to run (the two store the same report),
 * and one whose renewals stopped is counted as failed: its process died.
 */
export async function startAttempts(
  store: PackageReportStore,
  version: { offerId: string; storedAs: string; etag: string },
  now: () => Date,
): Promise<Attempts> {
  const { offerId, storedAs, etag } = version;
  const write = (a: ValidationAttempt) => store.recordAttempt(offerId, storedAs, etag, a);
  const earlier = await store.attempts(offerId, storedAs, etag);
  const at = now().getTime();
  const died = earlier.filter((a) => a.state === 'running' && Date.parse(a.aliveUntil) < at).length;
  let failures = earlier.filter((a) => a.state === 'failed').length + died;
  const started = Date.now();
  const fresh = (): ValidationAttempt => ({
    attemptId: randomUUID(),
    state: 'running',
    aliveUntil: new Date(now().getTime() + ALIVE_MS).toISOString(),
  });
  let current = fresh();
  await write(current);
  const heartbeat = setInterval(() => {
    if (current.state !== 'running') return;
    const renewed = { ...current, aliveUntil: new Date(now().getTime() + ALIVE_MS).toISOString() };
    write(renewed).catch(() => undefined); // a missed renewal is made up by the next one
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const end = async (state: 'failed' | 'done') => {
    if (current.state !== 'running') return;
    current = { ...current, state };
    if (state === 'failed') failures += 1;
    await write(current);
  };
  return {
    get failures() {
      return failures;
    },
    crashed: died > 0,
    pastAnswer: () => Date.now() - started >= EVENT_GRID_ANSWER_MS - ANSWER_MARGIN_MS,
    fail: async () => {
      await end('failed');
      return failures;
    },
    retry: async () => {
      current = fresh();
      await write(current);
    },
    done: () => end('done'),
    close: () => clearInterval(heartbeat),
  };
}

/**
 * Whether to settle without trying again: the attempts are used up, or the last one left follows
 * a crash (another try would likely crash too, and nothing would settle the report then).
 */
export function attemptsUsedUp(attempts: Pick<Attempts, 'failures' | 'crashed'>): boolean {
  if (attempts.failures >= MAX_VALIDATION_ATTEMPTS) return true;
  return attempts.crashed && attempts.failures >= MAX_VALIDATION_ATTEMPTS - 1;
}
