import { RestError, TableClient, TableEntity, TableEntityResult } from '@azure/data-tables';

/**
 * JSON documents in table rows. Azure caps a string property at 64 KiB (32K UTF-16 chars) and
 * an entity at 1 MiB; Azurite enforces neither, so the split is done here, where both behave alike.
 */
const CHUNK_CHARS = 30_000;
const MAX_CHUNKS = 30;

export type DocEntity = TableEntity<Record<string, unknown>>;
export type StoredEntity = TableEntityResult<Record<string, unknown>>;

export function encodeDoc(doc: unknown): Record<string, string | number> {
  const json = JSON.stringify(doc);
  const chunks = Math.max(1, Math.ceil(json.length / CHUNK_CHARS));
  if (chunks > MAX_CHUNKS) throw new Error(`document of ${json.length} characters exceeds a table row`);
  const props: Record<string, string | number> = { docChunks: chunks };
  for (let i = 0; i < chunks; i++) props[`doc${i}`] = json.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
  return props;
}

export function decodeDoc<T>(entity: Record<string, unknown>): T {
  const chunks = Number(entity.docChunks ?? 1);
  let json = '';
  for (let i = 0; i < chunks; i++) json += String(entity[`doc${i}`] ?? '');
  return JSON.parse(json) as T;
}

export function isStatus(error: unknown, status: number): boolean {
  return error instanceof RestError
    ? error.statusCode === status
    : (error as { statusCode?: number }).statusCode === status;
}

// Control characters are exactly what must be escaped here.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_KEY_CHARS = /[/\\#?\u0000-\u001f\u007f-\u009f]/g;

/** Table keys may not contain / \ # ? or control characters. */
export function safeKey(value: string): string {
  return value.replace(FORBIDDEN_KEY_CHARS, (c) => `~${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Insert-if-absent: false when the row already exists (the cheap idempotency receipt). */
export async function insertIfAbsent(table: TableClient, entity: DocEntity): Promise<boolean> {
  try {
    await table.createEntity(entity);
    return true;
  } catch (error) {
    if (isStatus(error, 409)) return false;
    throw error;
  }
}

export async function getEntity(
  table: TableClient,
  pk: string,
  rk: string,
): Promise<StoredEntity | undefined> {
  try {
    return await table.getEntity<Record<string, unknown>>(pk, rk);
  } catch (error) {
    if (isStatus(error, 404)) return undefined;
    throw error;
  }
}

export async function listPartition(table: TableClient, pk: string): Promise<StoredEntity[]> {
  const rows: StoredEntity[] = [];
  const filter = `PartitionKey eq '${pk.replace(/'/g, "''")}'`;
  for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } }))
    rows.push(row);
  return rows;
}

export async function listAll(table: TableClient): Promise<StoredEntity[]> {
  const rows: StoredEntity[] = [];
  for await (const row of table.listEntities<Record<string, unknown>>()) rows.push(row);
  return rows;
}
