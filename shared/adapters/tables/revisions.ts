import type { StoredEntity } from './documents';

/**
 * A count the store raises on every write of a row (a plain column beside the document). Rows
 * are written under their ETag, so two writes never get the same revision, and a higher one is
 * always the later write. The offer lists compare them so that a slow writer holding an older
 * read can never put back what a newer writer replaced (offerIndex.ts).
 */
export const REVISION = 'revision';

/** A document as stored, with its revision (0: no row yet, or a row written before revisions). */
export interface Revised<T> {
  doc: T | undefined;
  revision: number;
}

export function revisionOf(row: StoredEntity | undefined): number {
  const value = Number(row?.[REVISION] ?? 0);
  return Number.isFinite(value) ? value : 0;
}

/** The revision the next write of this row carries. */
export function nextRevision(row: StoredEntity | undefined): number {
  return revisionOf(row) + 1;
}
