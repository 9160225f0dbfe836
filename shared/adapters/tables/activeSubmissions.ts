import type { TableClient } from '@azure/data-tables';
import { TABLES } from '../../contracts/names';
import type { ActiveSubmissions, WatchEntry } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { getEntity, isStatus, listPartition, safeKey, StoredEntity, upsertChecked } from './documents';
import { RememberedRows } from './rememberedRows';

/**
 * The reconciler's watch list, in table ActiveSubmissions: partition `active` (a row per offer
 * with a submission in progress), partition `stale` (a row per offer whose list rows a failed
 * write left behind), and the row `meta`/`sweep`. Each partition is read with one query, so the
 * reconciler's cost is the rows in it, never the marketplace.
 */
const ACTIVE = 'active';
const STALE = 'stale';
const META = 'meta';
const SWEEP = 'sweep';

export function createActiveSubmissions(storage: StorageClients): ActiveSubmissions {
  const table = () => storage.table(TABLES.activeSubmissions);
  // The watch rows this process wrote, with their ETags (rememberedRows.ts): the submission's end
  // removes its row under that ETag with no read first. A 412 (the row was written again: a newer
  // Publish, the daily sweep) or a 404 forgets it and takes the usual path, read then decide.
  const written = new RememberedRows<{ submissionId: string; etag: string }>();
  const put = async (partitionKey: string, offerId: string, submissionId: string | null, since: string) =>
    upsertChecked(await table(), {
      partitionKey,
      rowKey: safeKey(offerId),
      offerId,
      submissionId: submissionId ?? '',
      since,
    });
  const list = async (partitionKey: string) =>
    (await listPartition(await table(), partitionKey)).map(entryOf);
  const remove = async (partitionKey: string, entry: WatchEntry) =>
    deleteIfSame(await table(), partitionKey, entry.offerId, entry.etag);
  return {
    async mark(offerId, submissionId, since) {
      written.forget(offerId); // a failed write may have landed
      const etag = await put(ACTIVE, offerId, submissionId, since);
      if (etag) written.set(offerId, { submissionId, etag });
    },
    list: () => list(ACTIVE),
    remove: (entry) => remove(ACTIVE, entry),
    async clear(offerId, submissionId) {
      const t = await table();
      const mine = written.get(offerId);
      written.forget(offerId);
      // Only the version this process wrote for this submission is deleted: it names it.
      if (mine?.submissionId === submissionId && (await deleteIfSame(t, ACTIVE, offerId, mine.etag))) return;
      const row = await getEntity(t, ACTIVE, safeKey(offerId));
      // A newer submission re-marked the row: it is not ours to remove.
      if (row && String(row.submissionId) === submissionId)
        await deleteIfSame(t, ACTIVE, offerId, String(row.etag));
    },
    async markStale(offerId, at) {
      const etag = await put(STALE, offerId, null, at);
      return { offerId, submissionId: null, since: at, writtenAt: at, etag };
    },
    listStale: () => list(STALE),
    removeStale: (entry) => remove(STALE, entry),
    async lastSweep() {
      const row = await getEntity(await table(), META, SWEEP);
      return row ? String(row.sweptAt) : undefined;
    },
    async setLastSweep(at) {
      await upsertChecked(await table(), { partitionKey: META, rowKey: SWEEP, sweptAt: at });
    },
  };
}

function entryOf(row: StoredEntity): WatchEntry {
  return {
    offerId: String(row.offerId),
    submissionId: row.submissionId ? String(row.submissionId) : null,
    since: String(row.since),
    writtenAt: String(row.timestamp ?? ''),
    etag: String(row.etag),
  };
}

/** Deletes under the ETag: false when the row was written again meanwhile (412) or is gone (404). */
async function deleteIfSame(table: TableClient, partitionKey: string, offerId: string, etag: string) {
  try {
    await table.deleteEntity(partitionKey, safeKey(offerId), { etag });
    return true;
  } catch (error) {
    if (isStatus(error, 412) || isStatus(error, 404)) return false;
    throw error;
  }
}
