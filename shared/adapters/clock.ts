import { HOST_CLOCK_TABLE } from '../contracts/names';
import type { Clock } from '../ports/stores';
import type { StorageClients } from './storage';
import { getEntity } from './tables/documents';

/** In Azure the workflow's clock (the Durable extension's) is the system clock. */
export function systemClock(now: () => Date): Clock {
  return { now: async () => now() };
}

/**
 * Locally the workflow runs on the local host's clock: real time plus an offset that
 * POST /admin/clock/advance moves, which the host keeps per task hub in a table (devhost/clock.ts)
 * before it answers. Reading that row on each use gives offers the workflow's time, even right
 * after an advance; without the row (Core Tools, or a host that never moved) the offset is zero.
 */
export function hostOffsetClock(storage: StorageClients, taskHub: string, realNow: () => number): Clock {
  return {
    async now() {
      const row = await getEntity(await storage.table(HOST_CLOCK_TABLE), 'clock', taskHub);
      return new Date(realNow() + (Number(row?.offsetMs) || 0));
    },
  };
}
