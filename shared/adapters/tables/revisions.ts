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
export async function readRevised<T>(
  table: TableClient,
  pk: string,
  rk: string,
  memory?: RowMemory,
): Promise<Revised<T>> {
  const row = await readRow(table, pk, rk, memory);
  return { doc: hasDoc(row) ? decodeDoc<T>(row as StoredEntity) : undefined, revision: revisionOf(row) };
}

/** What a revised write decides from the row as stored: the document to write, if any, and its answer. */
export interface Decision<R> {
  doc?: unknown;
  result: R;
}

/** Where a writer may start from the row as this process last saw it (rememberedRows.ts). */
export interface RowMemory {
  get(): StoredEntity | undefined;
  set(row: StoredEntity): void;
  forget(): void;
}

/**
 * Writes one row with the next revision, under the ETag of the row `decide` saw (created if there
 * was none). Another writer first (412, or 409 on a create) means read and decide again. With a
 * `memory`, the first attempt decides on the remembered row and writes under its ETag without
 * reading; a decision to write nothing (or a refusal) taken there is taken again on a fresh read.
 * `written` learns the revision this call wrote.
 */
export async function writeRevised<R>(
  table: TableClient,
  pk: string,
  rk: string,
  decide: (row: StoredEntity | undefined) => Promise<Decision<R>>,
  what: string,
  /** Merge keeps the row's other columns (the status row's event sequence and applied changes). */
  mode: 'Replace' | 'Merge' = 'Replace',
  memory?: RowMemory,
  written?: (revision: number) => void,
): Promise<R> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const remembered = attempt === 0 ? memory?.get() : undefined;
    const row = remembered ?? (await readRow(table, pk, rk, memory));
    let decision: Decision<R>;
    try {
      decision = await decide(row);
    } catch (error) {
      if (!remembered) throw error;
      memory?.forget(); // refused on what may be an old row: decide on a fresh read
      continue;
    }
    const { doc, result } = decision;
    if (doc === undefined) {
      if (!remembered) return result;
      memory?.forget();
      continue;
    }
    const revision = revisionOf(row) + 1;
    const entity = { partitionKey: pk, rowKey: rk, ...encodeDoc(doc), [REVISION]: revision };
    try {
      let etag: string;
      if (row && mode === 'Merge') etag = await mergeChecked(table, entity, row.etag);
      else if (row) etag = await replaceChecked(table, entity, row.etag);
      else etag = await createChecked(table, entity);
      memory?.set({ ...(mode === 'Merge' && row ? row : {}), ...entity, etag } as StoredEntity);
      written?.(revision);
      return result;
    } catch (error) {
      memory?.forget();
      if (!isStatus(error, 412) && !isStatus(error, 409)) throw error;
      if (!remembered) await conflictPause(attempt);
    }
  }
  throw new ConcurrentUpdateError(`${what} kept changing; gave up after ${MAX_ATTEMPTS} attempts`);
}

async function readRow(
  table: TableClient,
  pk: string,
  rk: string,
  memory: RowMemory | undefined,
): Promise<StoredEntity | undefined> {
  const row = await getEntity(table, pk, rk);
  if (row) memory?.set(row);
  else memory?.forget();
  return row;
}
