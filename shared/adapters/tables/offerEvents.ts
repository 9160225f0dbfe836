import { createHash } from 'node:crypto';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { TABLES } from '../../contracts/names';
import { ConcurrentUpdateError } from '../../ports/stores';
import type { OfferEvent, OfferEventInput, OfferEventLog, OfferEventType } from '../../ports/offerEvents';
import type { StorageClients } from '../storage';
import {
  EntityTooLargeError,
  assertEntityFits,
  conflictPause,
  entitySize,
  getEntity,
  isStatus,
  type StoredEntity,
} from './documents';

/**
 * The offer's webhook events in its partition of OfferTimeline (see ports/offerEvents.ts). The
 * partition's `status` row keeps the last sequence number in the plain column `eventSeq`; every
 * writer raises it under the row's ETag in the same entity-group transaction that creates the
 * event rows, so two writers never take the same number and no event exists without its count.
 */
export const STATUS_ROW = 'status';
export const EVENT_SEQ = 'eventSeq';
export const EVENT_PREFIX = 'event|';
/** Azure's entity-group transaction: 100 operations, one of them the status row. */
export const MAX_EVENTS_PER_APPEND = 99;
/** The `data` column's characters: 30,000 UTF-16 code units are 60,004 bytes, under Azure's 64 KiB per property. */
export const MAX_DATA_CHARS = 30_000;
/**
 * Azure refuses an entity-group transaction over 4 MiB. The entities' sizes (as Azure counts them)
 * of one append stay under this, which leaves room for the request's own framing; a step change
 * that puts event rows in its batch must count them with its other rows (entitySize).
 */
export const MAX_BATCH_ENTITY_BYTES = 3.5 * 1024 * 1024;
const MAX_ATTEMPTS = 20;
/**
 * The status row's column of the last keys of keyed appends (JSON). The keys name outbox rows of
 * at most 50 questions and 30 answers each per submission, flushed in order as they come, so a
 * repeat always finds its key among the last ones.
 */
export const EVENT_KEYS = 'eventKeys';
const KEPT_EVENT_KEYS = 100;

function eventKeysOf(row: Record<string, unknown> | undefined): string[] {
  try {
    const keys: unknown = JSON.parse(String(row?.[EVENT_KEYS] ?? '[]'));
    return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return [];
  }
}

export const eventRowKey = (seq: number) => `${EVENT_PREFIX}${String(seq).padStart(10, '0')}`;

/** The event id: stable for (offer, seq, content), so a repeated write of the same event keeps it. */
export function eventIdOf(offerId: string, seq: number, input: OfferEventInput): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([offerId, seq, input.type, input.submissionId, input.at]))
    .digest('hex');
  return `evt_${hash.slice(0, 32)}`;
}

const fits = (data: unknown) => JSON.stringify(data).length <= MAX_DATA_CHARS;
const cutText = (value: unknown) =>
  typeof value === 'string' && value.length > 1000 ? `${value.slice(0, 997)}...` : value;

/**
 * `data` bounded to MAX_DATA_CHARS of JSON. What can be long is a failure's `error.details` (one
 * per finding): they are halved until the data fits, and `error.detailsOmitted` counts the rest.
 * Anything still too large keeps only its short top-level fields, each text cut to 1,000
 * characters, with `truncated: true`; the status API still has everything.
 */
export function boundedData(data: Record<string, unknown>): Record<string, unknown> {
  if (fits(data)) return data;
  const error = data.error as { details?: unknown[] } | undefined;
  if (error && Array.isArray(error.details)) {
    const all = error.details;
    for (let keep = Math.floor(all.length / 2); keep >= 0; keep = keep === 0 ? -1 : Math.floor(keep / 2)) {
      const next = {
        ...data,
        error: { ...error, details: all.slice(0, keep), detailsOmitted: all.length - keep },
      };
      if (fits(next)) return next;
    }
  }
  const short: Record<string, unknown> = { truncated: true };
  for (const [name, value] of Object.entries(data)) {
    const cut = cutText(value);
    if (cut === null || typeof cut !== 'object') short[name] = cut;
    if (!fits(short)) delete short[name];
  }
  return short;
}

/**
 * The table entity of one event: the step-change batch puts the same rows beside the status,
 * history and email rows. Plain columns, no document chunks: `data` is one JSON string.
 */
export function eventEntity(offerId: string, seq: number, input: OfferEventInput) {
  const entity = {
    partitionKey: offerId,
    rowKey: eventRowKey(seq),
    eventId: eventIdOf(offerId, seq, input),
    type: input.type,
    submissionId: input.submissionId ?? '',
    at: input.at,
    data: JSON.stringify(boundedData(input.data)),
  };
  assertEntityFits(entity);
  return entity;
}

function eventOf(row: StoredEntity): OfferEvent {
  const submissionId = String(row.submissionId ?? '');
  return {
    offerId: String(row.partitionKey),
    seq: Number(String(row.rowKey).slice(EVENT_PREFIX.length)),
    eventId: String(row.eventId),
    type: String(row.type) as OfferEventType,
    submissionId: submissionId === '' ? null : submissionId,
    at: String(row.at),
    data: JSON.parse(String(row.data ?? '{}')) as Record<string, unknown>,
  };
}

/** The sequence number on a status row (absent: 0). */
export function eventSeqOf(row: Record<string, unknown> | undefined): number {
  const value = Number(row?.[EVENT_SEQ] ?? 0);
  return Number.isInteger(value) && value > 0 ? value : 0;
}

/**
 * The status row's part of a transaction that sets `eventSeq`: a Merge under the row's ETag (only
 * that column changes), or a create holding only `eventSeq` when the offer has no status row yet.
 */
export function eventSeqAction(
  offerId: string,
  row: { etag?: string } | undefined,
  eventSeq: number,
  eventKeys?: string[],
): TransactionAction {
  const entity = {
    partitionKey: offerId,
    rowKey: STATUS_ROW,
    [EVENT_SEQ]: eventSeq,
    ...(eventKeys ? { [EVENT_KEYS]: JSON.stringify(eventKeys.slice(-KEPT_EVENT_KEYS)) } : {}),
  };
  return row ? ['update', entity, 'Merge', { etag: row.etag }] : ['create', entity];
}

export async function appendEvents(
  table: TableClient,
  offerId: string,
  events: OfferEventInput[],
  key?: string,
): Promise<OfferEvent[]> {
  if (events.length === 0) return [];
  if (events.length > MAX_EVENTS_PER_APPEND)
    throw new Error(`At most ${MAX_EVENTS_PER_APPEND} events are appended at once, not ${events.length}.`);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const status = await getEntity(table, offerId, STATUS_ROW);
    const keys = key === undefined ? undefined : eventKeysOf(status);
    if (key !== undefined && keys?.includes(key)) return [];
    const first = eventSeqOf(status) + 1;
    const rows = events.map((event, i) => eventEntity(offerId, first + i, event));
    const bytes = rows.reduce((sum, row) => sum + entitySize(row), 0);
    if (bytes > MAX_BATCH_ENTITY_BYTES)
      throw new EntityTooLargeError(
        `${events.length} events are ${bytes} bytes: over one transaction's 4 MiB`,
      );
    const actions: TransactionAction[] = [
      eventSeqAction(offerId, status, first + events.length - 1, keys && key ? [...keys, key] : undefined),
      ...rows.map((row): TransactionAction => ['create', row]),
    ];
    try {
      await table.submitTransaction(actions);
      return rows.map((row, i) => ({ ...events[i]!, offerId, seq: first + i, eventId: row.eventId }));
    } catch (error) {
      // Another writer took the numbers (412 on the status row, 409 on its create or an event row).
      if (!isStatus(error, 412) && !isStatus(error, 409)) throw error;
      await conflictPause(attempt);
    }
  }
  throw new ConcurrentUpdateError(`the events of offer '${offerId}' kept changing; gave up`);
}

const quoted = (value: string) => `'${value.replace(/'/g, "''")}'`;

export async function eventsAfter(
  table: TableClient,
  offerId: string,
  after: number,
  top: number,
): Promise<OfferEvent[]> {
  // ':' sorts right after '9': every event row of the partition is below it.
  const filter =
    `PartitionKey eq ${quoted(offerId)} and RowKey gt ${quoted(eventRowKey(Math.max(0, after)))}` +
    ` and RowKey lt ${quoted(`${EVENT_PREFIX}:`)}`;
  const events: OfferEvent[] = [];
  const pages = table
    .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
    .byPage({ maxPageSize: Math.min(top, 1000) });
  for await (const page of pages) {
    for (const row of page) {
      events.push(eventOf(row));
      if (events.length >= top) return events;
    }
  }
  return events;
}

export function createOfferEventLog(storage: Pick<StorageClients, 'table'>): OfferEventLog {
  const table = () => storage.table(TABLES.timeline);
  return {
    append: async (offerId, events, key) => appendEvents(await table(), offerId, events, key),
    after: async (offerId, after, top) => eventsAfter(await table(), offerId, after, Math.max(1, top)),
  };
}
