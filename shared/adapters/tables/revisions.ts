import type { TableClient } from '@azure/data-tables';
import { ConcurrentUpdateError } from '../../ports/stores';
import {
  conflictPause,
  createChecked,
  decodeDoc,
  encodeDoc,
  getEntity,
  hasDoc,
  isStatus,
  mergeChecked,
  replaceChecked,
  type StoredEntity,
} from './documents';

/**
 * A count the store raises on every write of a row (a plain column beside the document). Rows
 * are written under their ETag, so two writes never get the same revision, and a higher one is
 * always the later write. The offer lists compare them so that a slow writer holding an older
 * read can never put back what a newer writer replaced (offerIndex.ts).
 */
export const REVISION = 'revision';
const MAX_ATTEMPTS = 20;

/** A document as stored, with its revision (0: no row yet, or a row written before revisions). */
export interface Revised<T> {
  doc: T | undefined;
  revision: number;
}

function revisionOf(row: StoredEntity | undefined): number {
  const value = Number(row?.[REVISION] ?? 0);
  return Number.isFinite(value) ? value : 0;
}

/** One row's document and revision. */
export async function readRevised<T>(table: TableClient, pk: string, rk: string): Promise<Revised<T>> {
  const row = await getEntity(table, pk, rk);
  return { doc: hasDoc(row) ? decodeDoc<T>(row as StoredEntity) : undefined, revision: revisionOf(row) };
}

/** What a revised write decides from the row as stored: the document to write, if any, and its answer. */
export interface Decision<R> {
  doc?: unknown;
  result: R;
}

/**
 * Writes one row with the next revision, under the ETag of the row `decide` saw (created if there
 * was none). Another writer first (412, or 409 on a create) means read and decide again.
 */
export async function writeRevised<R>(
  table: TableClient,
  pk: string,
  rk: string,
  decide: (row: StoredEntity | undefined) => Promise<Decision<R>>,
  what: string,
  /** Merge keeps the row's other columns (the status row's event sequence and applied changes). */
  mode: 'Replace' | 'Merge' = 'Replace',
): Promise<R> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const row = await getEntity(table, pk, rk);
    const { doc, result } = await decide(row);
    if (doc === undefined) return result;
    const entity = { partitionKey: pk, rowKey: rk, ...encodeDoc(doc), [REVISION]: revisionOf(row) + 1 };
    try {
      if (row && mode === 'Merge') await mergeChecked(table, entity, row.etag);
      else if (row) await replaceChecked(table, entity, row.etag);
      else await createChecked(table, entity);
      return result;
    } catch (error) {
      if (!isStatus(error, 412) && !isStatus(error, 409)) throw error;
      await conflictPause(attempt);
    }
  }
  throw new ConcurrentUpdateError(`${what} kept changing; gave up after ${MAX_ATTEMPTS} attempts`);
}
