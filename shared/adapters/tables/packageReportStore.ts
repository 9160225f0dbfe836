import { createHash } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import type { PackageReport } from '../../domain/package/report';
import { supersedes } from '../../domain/uploadOrder';
import type { PackageReportStore, ValidationAttempt } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import {
  createChecked,
  decodeDoc,
  encodeDoc,
  getEntity,
  insertIfAbsent,
  isStatus,
  replaceChecked,
  safeKey,
  type StoredEntity,
} from './documents';
import { RememberedRows } from './rememberedRows';

const LATEST = 'latest';
const SEQUENCE = 'sequence';
const MAX_ATTEMPTS = 20;

/** Row keys may hold 512 characters; a long one keeps its start and a hash of the whole. */
function boundedKey(key: string): string {
  if (key.length <= 400) return key;
  return `${key.slice(0, 300)}~${createHash('sha256').update(key).digest('hex')}`;
}

/** A receipt per blob version: the blob trigger may fire twice for one upload (at least once). */
function receiptKey(blobName: string, etag: string): string {
  return boundedKey(`receipt-${safeKey(blobName)}-${safeKey(etag.replace(/"/g, ''))}`);
}

function versionSequenceKey(blobName: string, etag: string): string {
  return boundedKey(`sequence-${safeKey(blobName)}-${safeKey(etag.replace(/"/g, ''))}`);
}

/** Attempt rows of one version share this prefix, then `|{attemptId}` (a range query finds them). */
function attemptPrefix(blobName: string, etag: string): string {
  return boundedKey(`attempt-${safeKey(blobName)}-${safeKey(etag.replace(/"/g, ''))}`);
}

const backoff = (attempt: number) =>
  new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));

/**
 * Table PackageReports: row `latest` per offer (what step 2 and the API read), the offer's upload
 * sequence counter (row `sequence`), receipts, a row per validation attempt and (for blobs that
 * carry no sequence of their own) an assigned sequence per blob version.
 */
export function createPackageReportStore(storage: StorageClients): PackageReportStore {
  const table = () => storage.table(TABLES.packageReports);
  // The `latest` rows this process last read or wrote (rememberedRows.ts): the trigger reads the
  // report before validating, and stores the final one under that read's ETag without reading again;
  // an upload route reads it with its sequence and stores its Pending under it (null: read absent,
  // so the Pending is a conditional insert, refused with 409 if another was first).
  const remembered = new RememberedRows<StoredEntity | null>();
  const readLatest = async (t: TableClient, offerId: string) => {
    const row = await getEntity(t, offerId, LATEST);
    if (row) remembered.set(offerId, row);
    else remembered.forget(offerId);
    return row;
  };
  const store: PackageReportStore = {
    async get(offerId) {
      const row = await readLatest(await table(), offerId);
      return row && decodeDoc<PackageReport>(row);
    },
    /**
     * Latest upload wins: read, compare upload order, write under the row's ETag; a writer that
     * lost the race reads again, so a slower validation of an older upload never overwrites. The
     * first attempt may start from the remembered row; not writing is decided on a fresh read.
     */
    async put(offerId, report) {
      const t = await table();
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const memo = attempt === 0 ? remembered.get(offerId) : undefined;
        const cached = memo !== undefined;
        const row = cached ? (memo ?? undefined) : await readLatest(t, offerId);
        if (!supersedes(report, row && decodeDoc<PackageReport>(row))) {
          if (cached) continue;
          return false;
        }
        const entity = { partitionKey: offerId, rowKey: LATEST, ...encodeDoc(report) };
        try {
          const etag = row?.etag ? await replaceChecked(t, entity, row.etag) : await createChecked(t, entity);
          if (etag) remembered.set(offerId, { ...entity, etag } as StoredEntity);
          return true;
        } catch (error) {
          remembered.forget(offerId);
          if (!isStatus(error, 412) && !isStatus(error, 409)) throw error;
          if (!cached) await backoff(attempt);
        }
      }
      throw new Error(`the package report of '${offerId}' kept changing; gave up`);
    },
    async nextSequence(offerId) {
      // The counter and the report in one query: the route stores its Pending next (put above).
      const t = await table();
      let counter: StoredEntity | undefined;
      let latest: StoredEntity | null = null;
      const rows = t.listEntities<Record<string, unknown>>({
        queryOptions: {
          filter: odata`PartitionKey eq ${offerId} and (RowKey eq ${SEQUENCE} or RowKey eq ${LATEST})`,
        },
      });
      for await (const row of rows) {
        if (row.rowKey === SEQUENCE) counter = row as StoredEntity;
        else latest = row as StoredEntity;
      }
      remembered.set(offerId, latest);
      return increment(t, offerId, SEQUENCE, { row: counter });
    },
    async currentSequence(offerId) {
      return Number((await getEntity(await table(), offerId, SEQUENCE))?.count ?? 0);
    },
    async sequenceOfVersion(offerId, blobName, etag) {
      const t = await table();
      const rowKey = versionSequenceKey(blobName, etag);
      const known = await getEntity(t, offerId, rowKey);
      if (known) return Number(known.sequence);
      const sequence = await increment(t, offerId, SEQUENCE);
      // First writer wins: a concurrent attempt for the same version may have taken another number.
      await insertIfAbsent(t, { partitionKey: offerId, rowKey, sequence, blobName });
      return Number((await getEntity(t, offerId, rowKey))?.sequence ?? sequence);
    },
    async wasHandled(offerId, blobName, etag) {
      return (await getEntity(await table(), offerId, receiptKey(blobName, etag))) !== undefined;
    },
    async markHandled(offerId, blobName, etag) {
      return insertIfAbsent(await table(), {
        partitionKey: offerId,
        rowKey: receiptKey(blobName, etag),
        ...encodeDoc({ blobName, etag }),
      });
    },
    async attempts(offerId, blobName, etag) {
      const prefix = attemptPrefix(blobName, etag);
      const rows = (await table()).listEntities<Record<string, unknown>>({
        queryOptions: {
          // '}' follows '|': every key `${prefix}|...` and nothing else.
          filter: odata`PartitionKey eq ${offerId} and RowKey ge ${`${prefix}|`} and RowKey lt ${`${prefix}}`}`,
        },
      });
      const found: ValidationAttempt[] = [];
      for await (const row of rows) found.push(attemptOf(row));
      return found;
    },
    async recordAttempt(offerId, blobName, etag, attempt) {
      const rowKey = `${attemptPrefix(blobName, etag)}|${safeKey(attempt.attemptId).slice(0, 80)}`;
      await (await table()).upsertEntity({ partitionKey: offerId, rowKey, ...attempt }, 'Replace');
    },
    async withFirstReads(offerId, blobName, etag) {
      const receipt = receiptKey(blobName, etag);
      const prefix = attemptPrefix(blobName, etag);
      // One query of the offer's partition instead of four point reads and a range, one after the other.
      const rows = (await table()).listEntities<Record<string, unknown>>({
        queryOptions: {
          filter: odata`PartitionKey eq ${offerId} and (RowKey eq ${LATEST} or RowKey eq ${SEQUENCE} or RowKey eq ${receipt} or (RowKey ge ${`${prefix}|`} and RowKey lt ${`${prefix}}`}))`,
        },
      });
      let latest: StoredEntity | undefined;
      let sequence = 0;
      let handled = false;
      const found: ValidationAttempt[] = [];
      for await (const row of rows) {
        const key = String(row.rowKey);
        if (key === LATEST) latest = row as StoredEntity;
        else if (key === SEQUENCE) sequence = Number(row.count ?? 0);
        else if (key === receipt) handled = true;
        else found.push(attemptOf(row));
      }
      if (latest) remembered.set(offerId, latest);
      else remembered.forget(offerId);
      const version = (o: string, b: string, e: string) => o === offerId && b === blobName && e === etag;
      const first = new Set<string>();
      const once = (what: string) => !first.has(what) && first.add(what) !== undefined;
      return {
        ...store,
        get: async (o) =>
          o === offerId && once('get') ? latest && decodeDoc<PackageReport>(latest) : store.get(o),
        currentSequence: async (o) =>
          o === offerId && once('sequence') ? sequence : store.currentSequence(o),
        wasHandled: async (o, b, e) =>
          version(o, b, e) && once('receipt') ? handled : store.wasHandled(o, b, e),
        attempts: async (o, b, e) => (version(o, b, e) && once('attempts') ? found : store.attempts(o, b, e)),
      };
    },
  };
  return store;
}

function attemptOf(row: Record<string, unknown>): ValidationAttempt {
  return {
    attemptId: String(row.attemptId),
    state: String(row.state) as ValidationAttempt['state'],
    aliveUntil: String(row.aliveUntil),
  };
}

/** Adds one to the row's `count` under its ETag (a conditional insert for the first); returns the new count. */
async function increment(
  t: TableClient,
  partitionKey: string,
  rowKey: string,
  /** The row as the caller just read it: its first attempt needs no read. */
  read?: { row: StoredEntity | undefined },
): Promise<number> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const row = attempt === 0 && read ? read.row : await getEntity(t, partitionKey, rowKey);
    const count = Number(row?.count ?? 0) + 1;
    try {
      const entity = { partitionKey, rowKey, count };
      if (row?.etag) await replaceChecked(t, entity, row.etag);
      else await createChecked(t, entity);
      return count;
    } catch (error) {
      if (!isStatus(error, 412) && !isStatus(error, 409)) throw error;
      await backoff(attempt);
    }
  }
  throw new Error(`the counter ${rowKey} of '${partitionKey}' kept changing; gave up`);
}
