/**
 * The local host's clock: real time plus an offset. Tests and demos move it forward to reach
 * reminders, SLAs and promised dates without waiting days. The offset is kept in a table so a
 * restarted host (same task hub) still agrees with the timers it already scheduled.
 */
import { RestError, TableClient } from '@azure/data-tables';
import type { HostClock } from './types';

export const CLOCK_TABLE = 'DevhostClock';

export interface PersistentClock extends HostClock {
  /** Resolves once every advance so far is stored. */
  saved(): Promise<void>;
}

export interface ClockOptions {
  storageConnectionString: string;
  /** One offset per task hub, so hosts of different tests do not move each other's time. */
  key: string;
  realNow?: () => number;
}

interface ClockEntity {
  partitionKey: string;
  rowKey: string;
  offsetMs: number;
}

export async function createPersistentClock(options: ClockOptions): Promise<PersistentClock> {
  const table = TableClient.fromConnectionString(options.storageConnectionString, CLOCK_TABLE, {
    allowInsecureConnection: true,
  });
  await createTableIfMissing(table);
  const realNow = options.realNow ?? Date.now;
  let offsetMs = await readOffset(table, options.key);
  const listeners: Array<() => void> = [];
  let saving: Promise<void> = Promise.resolve();

  return {
    now: () => new Date(realNow() + offsetMs),
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('The clock only moves forward.');
      offsetMs += ms;
      const entity: ClockEntity = { partitionKey: 'clock', rowKey: options.key, offsetMs };
      // After a failed save (storage down) the next advance saves again: one failure must not
      // leave every later saved() rejected.
      saving = saving
        .catch(() => undefined)
        .then(() => table.upsertEntity(entity, 'Replace'))
        .then(() => undefined);
      for (const listener of listeners) listener();
    },
    onAdvance: (listener) => void listeners.push(listener),
    saved: () => saving,
  };
}

async function readOffset(table: TableClient, key: string): Promise<number> {
  try {
    const entity = await table.getEntity<ClockEntity>('clock', key);
    return Number(entity.offsetMs) || 0;
  } catch (error) {
    if (error instanceof RestError && error.statusCode === 404) return 0;
    throw error;
  }
}

export async function createTableIfMissing(table: TableClient): Promise<void> {
  try {
    await table.createTable();
  } catch (error) {
    // Two hosts starting together may both try; "already exists" is what we wanted.
    if (!(error instanceof RestError && error.statusCode === 409)) throw error;
  }
}

const DURATION =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Parses an ISO 8601 duration made of weeks, days, hours, minutes and seconds (e.g. P8D, PT36H,
 * P1DT2H30M). Years and months are refused: their length depends on the calendar date.
 * Returns milliseconds, or undefined for anything else.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim().toUpperCase());
  if (!match || text.trim().toUpperCase() === 'P' || text.trim().toUpperCase().endsWith('T'))
    return undefined;
  const [, weeks, days, hours, minutes, seconds] = match.map((part) => Number(part ?? 0));
  const ms =
    ((weeks ?? 0) * 7 * 86400 +
      (days ?? 0) * 86400 +
      (hours ?? 0) * 3600 +
      (minutes ?? 0) * 60 +
      (seconds ?? 0)) *
    1000;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}
