import type { TableClient, TransactionAction } from '@azure/data-tables';
import { TABLES } from '../../contracts/names';
import { OfferSummary, Page, pageOf, sameSummary, summarize } from '../../domain/offerSummary';
import type { OfferStatus } from '../../domain/status';
import { ConcurrentUpdateError, OfferIndex, OfferStore, StatusStore } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { decodeDoc, DocEntity, encodeDoc, getEntity, isStatus, safeKey, StoredEntity } from './documents';

/**
 * Two read models, each answering its view with one request whose cost is what it returns:
 *
 * - `OfferCatalog`, one partition: a row `all|{offerId}` per offer and a row
 *   `state|{state}|{offerId}` per offer. Admin and reviewers page either prefix in RowKey (offerId)
 *   order. A state change is ONE entity-group transaction (update `all|` under its ETag, delete
 *   the old state row, write the new one), so a reader never sees an offer in two states or none.
 * - `OffersByPublisher`: one row per publisher holding the summaries of their offers. A publisher's
 *   "All offers" is one point read, whatever the size of the marketplace (Azurite answers a
 *   partition query by scanning the whole table; a point read is indexed there as in Azure).
 *
 * Both are derived from the stored offer and status, never from the change being made: a write
 * that failed halfway is repaired by the next refresh of that offer (the retried activity, the
 * next transition or offer save), and a refresh that raced a newer write re-reads and writes again.
 */
const CATALOG = 'catalog';
const META = 'meta';
const BACKFILL_MARKER = 'backfill-v1';
const MAX_ATTEMPTS = 30;
const BACKFILL_CONCURRENCY = 8;

const allKey = (offerId: string) => `all|${offerId}`;
/**
 * A publisher's row: partition and row both named by the publisher. Azurite looks an entity up by
 * RowKey first, so a RowKey shared by every row (like Offers' 'offer') makes its point reads scan
 * the table; a distinct one keeps them indexed there, as (PartitionKey, RowKey) always is in Azure.
 */
const publisherKey = (publisherId: string) => {
  const key = safeKey(publisherId);
  return { partitionKey: key, rowKey: key };
};
const statePrefix = (state: string) => `state|${state}|`;
const odata = (text: string) => text.replace(/'/g, "''");

interface Sources {
  /** The stores as stored, without the index (the index must not refresh itself). */
  offers: OfferStore;
  statuses: StatusStore;
}

type PublisherDoc = { offers: Record<string, OfferSummary> };

export function createOfferIndex(storage: StorageClients, sources: Sources): OfferIndex {
  const catalog = () => storage.table(TABLES.offerCatalog);
  const publishers = () => storage.table(TABLES.offersByPublisher);
  let backfilled: Promise<void> | undefined;

  async function derive(offerId: string, known?: OfferStatus): Promise<OfferSummary | undefined> {
    const [offer, status] = await Promise.all([
      sources.offers.get(offerId),
      known ?? sources.statuses.get(offerId),
    ]);
    return offer && summarize(offer, status);
  }

  const runBackfill = async () =>
    backfill(index, { catalog: await catalog(), publishers: await publishers() }, sources);

  const index: OfferIndex = {
    async refresh(offerId, written) {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        // The status just written (first attempt only) saves a read on the activity's path.
        const wanted = await derive(offerId, attempt === 0 ? written : undefined);
        if (!wanted) return;
        // Two tables, written side by side: a conflict in the catalog starts over, and the
        // publisher's row is rewritten with what is derived then.
        const [inCatalog, inPublisherRow] = await Promise.all([
          catalog().then((t) => writeCatalog(t, wanted)),
          publishers().then((t) => writePublisherRow(t, wanted)),
        ]);
        if (inCatalog === 'conflict') {
          await pause(attempt);
          continue;
        }
        if (inCatalog === 'unchanged' && !inPublisherRow) return;
        // A writer that changed the offer or status after our read may have finished its own
        // refresh before ours landed: whoever sees the stored state still differ writes again.
        if (sameSummary(await derive(offerId), wanted)) return;
      }
      throw new ConcurrentUpdateError(`index of '${offerId}' kept changing; gave up`);
    },

    async page(view, after, top) {
      if (view.kind === 'none') return { items: [], next: null };
      if (view.kind === 'publisher') {
        const key = publisherKey(view.publisherId);
        const row = await getEntity(await publishers(), key.partitionKey, key.rowKey);
        const all = row ? Object.values(decodeDoc<PublisherDoc>(row).offers) : [];
        return pageOf(
          all.filter((s) => !view.state || s.state === view.state),
          after,
          top,
        );
      }
      const prefix = view.state ? statePrefix(view.state) : 'all|';
      return rangePage(await catalog(), prefix, after, top);
    },

    ensureBackfilled() {
      backfilled ??= runBackfill().catch((error: unknown) => {
        backfilled = undefined;
        throw error;
      });
      return backfilled;
    },
  };
  return index;
}

/** The catalog's two rows of an offer (`all|` and its state's), as stored. */
export function catalogRows(summary: OfferSummary): { all: DocEntity; state: DocEntity } {
  const text = JSON.stringify(summary);
  return {
    all: { partitionKey: CATALOG, rowKey: allKey(summary.offerId), summary: text },
    state: { partitionKey: CATALOG, rowKey: statePrefix(summary.state) + summary.offerId, summary: text },
  };
}

/** A publisher's row holding all their offers' summaries (what bench/reads seeds in bulk). */
export function publisherRow(publisherId: string, summaries: OfferSummary[]): DocEntity {
  const doc: PublisherDoc = { offers: Object.fromEntries(summaries.map((s) => [s.offerId, s])) };
  return { ...publisherKey(publisherId), ...encodeDoc(doc) };
}

/** The marker that says offers stored before the index are in it (bench/reads seeds it too). */
export const backfillMarker = (): DocEntity => ({ partitionKey: META, rowKey: BACKFILL_MARKER });

function summaryOf(row: StoredEntity | undefined): OfferSummary | undefined {
  return row ? (JSON.parse(String(row.summary)) as OfferSummary) : undefined;
}

/** One transaction in the catalog partition; 'conflict' when another writer got there first. */
async function writeCatalog(
  table: TableClient,
  wanted: OfferSummary,
): Promise<'unchanged' | 'written' | 'conflict'> {
  const row = await getEntity(table, CATALOG, allKey(wanted.offerId));
  const current = summaryOf(row);
  if (sameSummary(current, wanted)) return 'unchanged';
  const { all, state: stateRow } = catalogRows(wanted);
  const move: TransactionAction[] =
    current && current.state !== wanted.state
      ? [['delete', { partitionKey: CATALOG, rowKey: statePrefix(current.state) + wanted.offerId }]]
      : [];
  const head: TransactionAction = row ? ['update', all, 'Replace', { etag: row.etag }] : ['create', all];
  try {
    await table.submitTransaction([head, ...move, ['upsert', stateRow, 'Replace']]);
    return 'written';
  } catch (error) {
    if (isStatus(error, 412) || isStatus(error, 409)) return 'conflict';
    // The old state row is already gone (only a hand-edited table gets here): move without it.
    if (isStatus(error, 404) && move.length > 0) {
      await table.submitTransaction([head, ['upsert', stateRow, 'Replace']]);
      return 'written';
    }
    throw error;
  }
}

/** Read-modify-write of the publisher's row under its ETag; false when it already matched. */
async function writePublisherRow(table: TableClient, wanted: OfferSummary): Promise<boolean> {
  const key = publisherKey(wanted.publisherId);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const row = await getEntity(table, key.partitionKey, key.rowKey);
    const doc: PublisherDoc = row ? decodeDoc<PublisherDoc>(row) : { offers: {} };
    if (sameSummary(doc.offers[wanted.offerId], wanted)) return false;
    doc.offers[wanted.offerId] = wanted;
    const entity = publisherRow(wanted.publisherId, Object.values(doc.offers));
    try {
      if (row) await table.updateEntity(entity, 'Replace', { etag: row.etag });
      else await table.createEntity(entity);
      return true;
    } catch (error) {
      if (!isStatus(error, 412) && !isStatus(error, 409)) throw error;
      await pause(attempt);
    }
  }
  throw new ConcurrentUpdateError(`offers of publisher '${wanted.publisherId}' kept changing; gave up`);
}

/** Rows of one RowKey prefix after `after`, `top` of them, reading one more to know if more follow. */
async function rangePage(
  table: TableClient,
  prefix: string,
  after: string | undefined,
  top: number,
): Promise<Page> {
  const from = after === undefined ? `RowKey ge '${odata(prefix)}'` : `RowKey gt '${odata(prefix + after)}'`;
  // '|' + 1 is '}': the first key past every key of this prefix.
  const to = `RowKey lt '${odata(prefix.slice(0, -1))}}'`;
  const filter = `PartitionKey eq '${CATALOG}' and ${from} and ${to}`;
  const items: OfferSummary[] = [];
  const pages = table
    .listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ['summary'] } })
    .byPage({ maxPageSize: top + 1 });
  // The service may answer with fewer rows than asked and a continuation: keep reading.
  for await (const rows of pages) {
    for (const row of rows) items.push(JSON.parse(String(row.summary)) as OfferSummary);
    if (items.length > top) break;
  }
  const page = items.slice(0, top);
  return { items: page, next: items.length > top ? (page[page.length - 1]?.offerId ?? null) : null };
}

/**
 * Offers stored before this index existed, written in bulk: catalog rows 50 offers to a
 * transaction, and each publisher's row once. Both only ADD what is missing (create, or entries
 * absent from the publisher's row), so a live writer's fresher rows always win; a batch that meets
 * one (409) falls back to refresh, the path of every write. A marker row then says it is done.
 */
async function backfill(
  index: OfferIndex,
  tables: { catalog: TableClient; publishers: TableClient },
  sources: Sources,
): Promise<void> {
  if (await getEntity(tables.catalog, META, BACKFILL_MARKER)) return;
  const indexed = new Set<string>();
  const filter = `PartitionKey eq '${CATALOG}' and RowKey ge 'all|' and RowKey lt 'all}'`;
  for await (const row of tables.catalog.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
    indexed.add(String(row.rowKey).slice('all|'.length));
  }
  const [offers, statuses] = await Promise.all([sources.offers.list(), sources.statuses.list()]);
  const statusOf = new Map(statuses.map((s) => [s.offerId, s]));
  const missing = offers
    .filter((o) => !indexed.has(o.offerId))
    .map((o) => summarize(o, statusOf.get(o.offerId)));
  await inParallel(chunks(missing, 50), async (batch) => {
    const actions = batch.flatMap((s): TransactionAction[] => {
      const rows = catalogRows(s);
      return [
        ['create', rows.all],
        ['upsert', rows.state, 'Replace'],
      ];
    });
    try {
      await tables.catalog.submitTransaction(actions);
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
      for (const s of batch) await index.refresh(s.offerId);
    }
  });
  const byPublisher = new Map<string, OfferSummary[]>();
  for (const s of missing) byPublisher.set(s.publisherId, [...(byPublisher.get(s.publisherId) ?? []), s]);
  await inParallel([...byPublisher.values()], (list) => addAbsent(tables.publishers, list));
  await tables.catalog.upsertEntity(backfillMarker());
}

/** Adds to a publisher's row the offers it does not hold yet (all of `list` share the publisher). */
async function addAbsent(table: TableClient, list: OfferSummary[]): Promise<void> {
  const publisherId = (list[0] as OfferSummary).publisherId;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const key = publisherKey(publisherId);
    const row = await getEntity(table, key.partitionKey, key.rowKey);
    const held = row ? decodeDoc<PublisherDoc>(row).offers : {};
    const added = list.filter((s) => !held[s.offerId]);
    if (added.length === 0) return;
    const entity = publisherRow(publisherId, [...Object.values(held), ...added]);
    try {
      if (row) await table.updateEntity(entity, 'Replace', { etag: row.etag });
      else await table.createEntity(entity);
      return;
    } catch (error) {
      if (!isStatus(error, 412) && !isStatus(error, 409)) throw error;
      await pause(attempt);
    }
  }
  throw new ConcurrentUpdateError(`offers of publisher '${publisherId}' kept changing; gave up`);
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function inParallel<T>(items: T[], job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await job(items[next++] as T);
  };
  await Promise.all(Array.from({ length: BACKFILL_CONCURRENCY }, worker));
}

function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 10 * (attempt + 1)));
}
