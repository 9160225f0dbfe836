import { RestError, TableClient, TableEntity, TableEntityResult } from '@azure/data-tables';

/**
 * JSON documents in table rows, within Azure's limits. Azurite enforces none of them, so they are
 * enforced here, where a test fails exactly as the write would fail in Azure.
 *
 * Azure counts an entity as 4 bytes + 2 x len(PartitionKey + RowKey) + for each property
 * 8 bytes + 2 x len(name) + the value (string: 2 bytes per UTF-16 code unit + 4; binary: length
 * + 4; Int32 4; Int64, Double and DateTime 8; GUID 16; Boolean 1), and refuses more than 1 MiB,
 * a property over 64 KiB, more than 252 custom properties, or a key over 1 KiB.
 */
export const AZURE_TABLE_LIMITS = {
  entityBytes: 1024 * 1024,
  propertyBytes: 64 * 1024,
  customProperties: 252,
  keyChars: 512,
  propertyNameChars: 255,
} as const;

/** A string property's characters: 30,000 UTF-16 code units are 60,004 bytes, under 64 KiB. */
const CHUNK_CHARS = 30_000;
/**
 * 16 chunks are at most 960,384 bytes, which leaves about 88 KB of the 1 MiB for the keys (at most
 * 2 KB) and the plain columns some tables add beside the document.
 */
const MAX_CHUNKS = 16;
/** The largest document (JSON characters) one row holds. */
export const MAX_DOC_CHARS = CHUNK_CHARS * MAX_CHUNKS;

export type DocEntity = TableEntity<Record<string, unknown>>;
export type StoredEntity = TableEntityResult<Record<string, unknown>>;

/** An entity Azure would refuse; thrown before the request, locally and in Azure alike. */
export class EntityTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EntityTooLargeError';
  }
}

const SYSTEM_PROPERTIES = new Set(['partitionKey', 'rowKey', 'etag', 'timestamp', 'odata.etag']);

/** The bytes Azure counts for one property value (the SDK's EDM types, by JavaScript type). */
function valueBytes(value: unknown): number {
  if (typeof value === 'string') return value.length * 2 + 4;
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 2 ** 31 ? 4 : 8;
  if (typeof value === 'bigint' || value instanceof Date) return 8;
  if (value instanceof Uint8Array) return value.byteLength + 4;
  if (value && typeof value === 'object' && 'value' in value && 'type' in value) {
    const typed = value as { type: string; value: unknown };
    if (typed.type === 'Guid') return 16;
    if (typed.type === 'Int64' || typed.type === 'DateTime' || typed.type === 'Double') return 8;
    return valueBytes(typed.value);
  }
  return value === undefined || value === null ? 0 : String(value).length * 2 + 4;
}

/** The size of an entity as Azure counts it (see the formula above). */
export function entitySize(entity: Record<string, unknown>): number {
  const keys = String(entity.partitionKey ?? '').length + String(entity.rowKey ?? '').length;
  let size = 4 + keys * 2;
  for (const [name, value] of Object.entries(entity)) {
    if (SYSTEM_PROPERTIES.has(name) || value === undefined) continue;
    size += 8 + name.length * 2 + valueBytes(value);
  }
  return size;
}

/** Throws EntityTooLargeError when Azure would refuse this entity. */
export function assertEntityFits(entity: Record<string, unknown>): void {
  const limits = AZURE_TABLE_LIMITS;
  for (const key of ['partitionKey', 'rowKey'] as const) {
    if (String(entity[key] ?? '').length > limits.keyChars)
      throw new EntityTooLargeError(`${key} is over ${limits.keyChars} characters (1 KiB)`);
  }
  const custom = Object.entries(entity).filter(([n, v]) => !SYSTEM_PROPERTIES.has(n) && v !== undefined);
  if (custom.length > limits.customProperties)
    throw new EntityTooLargeError(`${custom.length} properties: Azure allows ${limits.customProperties}`);
  for (const [name, value] of custom) {
    if (name.length > limits.propertyNameChars)
      throw new EntityTooLargeError(`a property name is over ${limits.propertyNameChars} characters`);
    if (valueBytes(value) > limits.propertyBytes)
      throw new EntityTooLargeError(`property ${name} is over 64 KiB`);
  }
  const size = entitySize(entity);
  if (size > limits.entityBytes)
    throw new EntityTooLargeError(`entity of ${size} bytes is over Azure's 1 MiB limit`);
}

/** Where to cut `json` near `end` without splitting a UTF-16 surrogate pair. */
function cutAt(json: string, end: number): number {
  if (end >= json.length) return json.length;
  const code = json.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}

/** A document as string properties doc0..docN (each under 64 KiB), refusing one that cannot fit a row. */
export function encodeDoc(doc: unknown): Record<string, string | number> {
  const json = JSON.stringify(doc);
  const parts: string[] = [];
  for (let start = 0; start < json.length || parts.length === 0; ) {
    const end = cutAt(json, start + CHUNK_CHARS);
    parts.push(json.slice(start, end));
    start = end;
    if (parts.length > MAX_CHUNKS)
      throw new EntityTooLargeError(
        `document of ${json.length} characters is over the ${MAX_DOC_CHARS} one table row holds`,
      );
  }
  const props: Record<string, string | number> = { docChunks: parts.length };
  parts.forEach((part, i) => (props[`doc${i}`] = part));
  return props;
}

/** Every write of the adapters goes through these, so no entity Azure would refuse leaves here. */
/** Resolves with the row's new ETag (as every checked write does). */
export async function createChecked(table: TableClient, entity: DocEntity): Promise<string> {
  assertEntityFits(entity);
  return (await table.createEntity(entity)).etag ?? '';
}

/** Resolves with the row's new ETag. */
export async function upsertChecked(table: TableClient, entity: DocEntity): Promise<string> {
  assertEntityFits(entity);
  return (await table.upsertEntity(entity, 'Replace')).etag ?? '';
}

/** Merges the row's columns only if it still has `etag`: other columns (the event sequence) stay. */
export async function mergeChecked(table: TableClient, entity: DocEntity, etag: string): Promise<string> {
  assertEntityFits(entity);
  return (await table.updateEntity(entity, 'Merge', { etag })).etag ?? '';
}

/** Replaces the row only if it still has `etag` (412 otherwise). */
export async function replaceChecked(table: TableClient, entity: DocEntity, etag?: string): Promise<string> {
  assertEntityFits(entity);
  return (await table.updateEntity(entity, 'Replace', etag ? { etag } : {})).etag ?? '';
}

/** A short random wait before trying again after another writer got there first. */
export function conflictPause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (attempt + 1)));
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
    await createChecked(table, entity);
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

/**
 * Deletes a row only while it is as read (its ETag): false when it is gone or changed meanwhile.
 * The undo of a refused request (design.md "A refused request leaves nothing behind").
 */
export async function deleteIfUnchanged(table: TableClient, row: StoredEntity): Promise<boolean> {
  try {
    await table.deleteEntity(row.partitionKey ?? '', row.rowKey ?? '', { etag: row.etag });
    return true;
  } catch (error) {
    if (isStatus(error, 404) || isStatus(error, 412)) return false;
    throw error;
  }
}

const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Every row an OData filter selects, page after page. */
async function listWhere(table: TableClient, filter: string): Promise<StoredEntity[]> {
  const rows: StoredEntity[] = [];
  for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } }))
    rows.push(row);
  return rows;
}

export function listPartition(table: TableClient, pk: string): Promise<StoredEntity[]> {
  return listWhere(table, `PartitionKey eq ${quote(pk)}`);
}

/** The rows of one partition whose row keys start with `prefix` (a range query, not a scan). */
export function listPrefix(table: TableClient, pk: string, prefix: string): Promise<StoredEntity[]> {
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  return listWhere(
    table,
    `PartitionKey eq ${quote(pk)} and RowKey ge ${quote(prefix)} and RowKey lt ${quote(end)}`,
  );
}

/** Every row with this row key, across partitions (one per offer: the status rows). */
export function listRowKey(table: TableClient, rk: string): Promise<StoredEntity[]> {
  return listWhere(table, `RowKey eq ${quote(rk)}`);
}

/** Whether a row holds a document (a status row may hold only the event sequence so far). */
export function hasDoc(entity: Record<string, unknown> | undefined): boolean {
  return entity !== undefined && entity.doc0 !== undefined;
}

export async function listAll(table: TableClient): Promise<StoredEntity[]> {
  const rows: StoredEntity[] = [];
  for await (const row of table.listEntities<Record<string, unknown>>()) rows.push(row);
  return rows;
}
