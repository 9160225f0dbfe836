import type { TableClient, TransactionAction } from '@azure/data-tables';
import { TABLES } from '../../contracts/names';
import {
  OfferSummary,
  Page,
  sameSummary,
  summarize,
  summarizedOffer,
  type SummarizedOffer,
} from '../../domain/offerSummary';
import type { Offer } from '../../domain/offer';
import type { OfferStatus } from '../../domain/status';
import { ConcurrentUpdateError, KnownStatus, OfferIndex } from '../../ports/stores';
import type { StorageClients } from '../storage';
import {
  assertEntityFits,
  conflictPause,
  DocEntity,
  getEntity,
  isStatus,
  safeKey,
  StoredEntity,
} from './documents';
import type { RevisedOfferStore } from './offerStore';
import { RememberedRows } from './rememberedRows';
import type { Revised } from './revisions';
import type { HookedStatusStore } from './statusStore';

/**
 * Two read models, each answering its view with one request whose cost is what it returns, and
 * both with the same shape: per offer a row `all|{offerId}` and a row `state|{state}|{offerId}`,
 * paged in RowKey (offerId) order by a range of one partition.
 *
 * - `OfferCatalog`, partition `catalog`: every offer, for Admin and reviewers.
 * - `OffersByPublisher`, one partition per publisher: that publisher's offers. One row per offer
 *   (not one row holding them all) so a publisher may have any number of offers (no row reaches
 *   Azure's 1 MiB entity limit) and status changes of different offers never touch the same row
 *   (no ETag conflict, no retry, however busy the publisher's hour).
 *
 * A change of an offer's rows in one view is ONE entity-group transaction in its partition
 * (update `all|` under its ETag, delete the old state row, write the new one), so a reader never
 * sees an offer in two states or none. Both views are derived from the stored offer and status,
 * never from the change being made: a write that failed halfway is repaired by the next refresh of
 * that offer (the next transition or offer save, or the reconciler).
 *
 * Rows never go back. The `all|` row keeps the revisions (revisions.ts) of the offer and status it
 * was derived from, and a refresh writes only what is at least as new in both. A refresh that read
 * before a newer write landed, and got to the row after that write's own refresh, finds newer
 * revisions there and leaves them, whatever fails afterwards (CI run 26: a Publish's slow refresh
 * put "Running" back over "Failed", then could not re-read to notice, in an outage).
 */
const CATALOG = 'catalog';
const META = 'meta';
/**
 * v2: the per-offer publisher rows. Its backfill also migrates the v1 shape (one row per
 * publisher, RowKey = PartitionKey = the publisher id): it writes the per-offer rows from the
 * stored offers and statuses, then deletes the old rows.
 */
const BACKFILL_MARKER = 'backfill-v2';
const MAX_ATTEMPTS = 30;
const BACKFILL_CONCURRENCY = 8;
/** Offers per entity-group transaction: two rows each, within the 100 operations one allows. */
const OFFERS_PER_BATCH = 50;

const allKey = (offerId: string) => `all|${offerId}`;
const statePrefix = (state: string) => `state|${state}|`;
/** The partition of a publisher's offers in OffersByPublisher. */
export const publisherPartition = (publisherId: string) => safeKey(publisherId);
const odata = (text: string) => text.replace(/'/g, "''");

interface Sources {
  /** The stores as stored, without the index (the index must not refresh itself). */
  offers: RevisedOfferStore;
  statuses: HookedStatusStore;
}

/** The revisions of the offer and status a summary was derived from. */
interface Derived {
  offer: number;
  status: number;
}

/** What an offer's rows should say, and from which revisions (and which part of the draft). */
interface Wanted {
  summary: OfferSummary;
  from: Derived;
  offer: SummarizedOffer;
}

/**
 * An offer's `all|` row in one view as this process last wrote it (rememberedRows.ts): its ETag,
 * what it says, and what it was derived from. A step change, which knows the status it just
 * stored, writes the view under that ETag without reading anything first.
 */
interface RememberedView {
  etag: string;
  partitionKey: string;
  summary: OfferSummary;
  from: Derived;
  offer: SummarizedOffer;
}

type ViewName = 'catalog' | 'publisher';
const VIEWS: ViewName[] = ['catalog', 'publisher'];

const OFFER_REVISION = 'offerRevision';
const STATUS_REVISION = 'statusRevision';

/** A view's partition: the catalog's one, or a publisher's. */
interface Place {
  view: ViewName;
  table: TableClient;
  partitionKey: string;
}

type Remembered = RememberedRows<RememberedView>;
const memoryKey = (view: ViewName, offerId: string) => `${view}|${offerId}`;

export function createOfferIndex(storage: StorageClients, sources: Sources): OfferIndex {
  const catalog = () => storage.table(TABLES.offerCatalog);
  const publishers = () => storage.table(TABLES.offersByPublisher);
  let backfilled: Promise<void> | undefined;
  const remembered: Remembered = new RememberedRows();

  async function derive(offerId: string, known?: KnownStatus): Promise<Wanted | undefined> {
    const [offer, status]: [Revised<Offer>, Revised<OfferStatus>] = await Promise.all([
      sources.offers.getRevised(offerId),
      known ? { doc: known.status, revision: known.revision } : sources.statuses.getRevised(offerId),
    ]);
    if (!offer.doc) return undefined;
    return {
      summary: summarize(offer.doc, status.doc),
      from: { offer: offer.revision, status: status.revision },
      offer: summarizedOffer(offer.doc),
    };
  }

  const places = async (summary: OfferSummary): Promise<Place[]> => [
    { view: 'catalog', table: await catalog(), partitionKey: CATALOG },
    { view: 'publisher', table: await publishers(), partitionKey: publisherPartition(summary.publisherId) },
  ];

  /**
   * A status its writer just stored, written to both views under their remembered ETags with no
   * read: undefined when a view is not remembered or its write was refused (then the reading path
   * runs), else whether anything was written.
   */
  async function refreshRemembered(offerId: string, known: KnownStatus): Promise<boolean | undefined> {
    const views = VIEWS.map((view) => ({ view, row: remembered.get(memoryKey(view, offerId)) }));
    if (views.some((v) => !v.row)) return undefined;
    const results = await Promise.all(
      views.map(async ({ view, row }) => {
        const r = row as RememberedView;
        const wanted: Wanted = {
          summary: summarize(r.offer, known.status),
          from: { offer: r.from.offer, status: known.revision },
          offer: r.offer,
        };
        const table = view === 'catalog' ? await catalog() : await publishers();
        return writeRemembered(remembered, { view, table, partitionKey: r.partitionKey }, r, wanted);
      }),
    );
    if (results.includes('conflict')) return undefined;
    return results.includes('written');
  }

  const runBackfill = async () =>
    backfill(index, { catalog: await catalog(), publishers: await publishers() }, sources);

  const index: OfferIndex = {
    async refresh(offerId, known) {
      const fast = known ? await refreshRemembered(offerId, known) : undefined;
      if (fast !== undefined) return fast;
      let changed = false;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        // The status its writer just stored, on the first attempt only: a conflict reads anew.
        const wanted = await derive(offerId, attempt === 0 ? known : undefined);
        if (!wanted) return changed;
        // Two views, written side by side: a conflict (another writer of THIS offer) starts over.
        const results = await Promise.all(
          (await places(wanted.summary)).map((place) => writeView(remembered, place, wanted)),
        );
        if (results.includes('written')) changed = true;
        if (!results.includes('conflict')) return changed;
        await conflictPause(attempt);
      }
      throw new ConcurrentUpdateError(`index of '${offerId}' kept changing; gave up`);
    },

    async page(view, after, top) {
      if (view.kind === 'none') return { items: [], next: null };
      const prefix = view.state ? statePrefix(view.state) : 'all|';
      const place: Place =
        view.kind === 'publisher'
          ? {
              view: 'publisher',
              table: await publishers(),
              partitionKey: publisherPartition(view.publisherId),
            }
          : { view: 'catalog', table: await catalog(), partitionKey: CATALOG };
      return rangePage(place, prefix, after, top);
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

/** An offer's two rows (`all|` and its state's) in one view's partition, as stored. */
export function viewRows(
  partitionKey: string,
  summary: OfferSummary,
  from?: Derived,
): { all: DocEntity; state: DocEntity } {
  const text = JSON.stringify(summary);
  const revisions = from ? { [OFFER_REVISION]: from.offer, [STATUS_REVISION]: from.status } : {};
  return {
    all: { partitionKey, rowKey: allKey(summary.offerId), summary: text, ...revisions },
    state: { partitionKey, rowKey: statePrefix(summary.state) + summary.offerId, summary: text },
  };
}

/** The catalog's two rows of an offer (what bench/reads seeds in bulk). */
export const catalogRows = (summary: OfferSummary) => viewRows(CATALOG, summary);

/** The publisher partition's two rows of an offer (what bench/reads seeds in bulk). */
export const publisherRows = (summary: OfferSummary) =>
  viewRows(publisherPartition(summary.publisherId), summary);

/** The marker that says offers stored before the index are in it (bench/reads seeds it too). */
export const backfillMarker = (): DocEntity => ({ partitionKey: META, rowKey: BACKFILL_MARKER });

function summaryOf(row: StoredEntity | undefined): OfferSummary | undefined {
  return row ? (JSON.parse(String(row.summary)) as OfferSummary) : undefined;
}

/** The revisions a stored `all|` row was derived from; -1 for rows written before revisions. */
function derivedOf(row: StoredEntity): Derived {
  const read = (name: string) => (typeof row[name] === 'number' ? (row[name] as number) : -1);
  return { offer: read(OFFER_REVISION), status: read(STATUS_REVISION) };
}

/**
 * Whether the stored row may be replaced by `wanted`: 'write' when wanted is at least as new in
 * both revisions (and says something else), 'keep' when the row is as new or newer, 'reread'
 * when each is newer in one (another writer read the other source later: read both again).
 */
export function compareDerived(stored: Derived, wanted: Derived, same: boolean): 'write' | 'keep' | 'reread' {
  const storedNewer = stored.offer > wanted.offer || stored.status > wanted.status;
  const wantedNewer = wanted.offer > stored.offer || wanted.status > stored.status;
  if (storedNewer && wantedNewer) return 'reread';
  if (storedNewer || same) return 'keep';
  return 'write';
}

/** One transaction in the view's partition; 'conflict' when another writer of the offer got there first. */
async function writeView(
  remembered: Remembered,
  place: Place,
  wanted: Wanted,
): Promise<'unchanged' | 'written' | 'conflict'> {
  const { table, partitionKey } = place;
  const { summary, from } = wanted;
  const key = memoryKey(place.view, summary.offerId);
  const row = await getEntity(table, partitionKey, allKey(summary.offerId));
  const current = summaryOf(row);
  if (row) {
    const stored = derivedOf(row);
    const verdict = compareDerived(stored, from, sameSummary(current, summary));
    if (verdict !== 'write') {
      // Derived from exactly what this refresh read: remembered as it is, for the next writer.
      if (current && stored.offer === from.offer && stored.status === from.status)
        remembered.set(key, { etag: row.etag, partitionKey, summary: current, from, offer: wanted.offer });
      else remembered.forget(key);
      return verdict === 'keep' ? 'unchanged' : 'conflict';
    }
  }
  const { all, state: stateRow } = viewRows(partitionKey, summary, from);
  assertEntityFits(all);
  const move: TransactionAction[] =
    current && current.state !== summary.state
      ? [['delete', { partitionKey, rowKey: statePrefix(current.state) + summary.offerId }]]
      : [];
  const head: TransactionAction = row ? ['update', all, 'Replace', { etag: row.etag }] : ['create', all];
  try {
    remember(
      remembered,
      key,
      place,
      wanted,
      await table.submitTransaction([head, ...move, ['upsert', stateRow, 'Replace']]),
    );
    return 'written';
  } catch (error) {
    remembered.forget(key);
    if (isStatus(error, 412) || isStatus(error, 409)) return 'conflict';
    // The old state row is already gone (only a hand-edited table gets here): move without it.
    if (isStatus(error, 404) && move.length > 0) {
      remember(
        remembered,
        key,
        place,
        wanted,
        await table.submitTransaction([head, ['upsert', stateRow, 'Replace']]),
      );
      return 'written';
    }
    throw error;
  }
}

/**
 * The write of a step change without reads: the view's `all|` row as this process last wrote it
 * is replaced under its ETag (so a refused write means someone else wrote since: 'conflict', and
 * the reading path decides), the old state row deleted, the new one written.
 */
async function writeRemembered(
  remembered: Remembered,
  place: Place,
  row: RememberedView,
  wanted: Wanted,
): Promise<'unchanged' | 'written' | 'conflict'> {
  const { table, partitionKey } = place;
  const { summary, from } = wanted;
  const key = memoryKey(place.view, summary.offerId);
  const verdict = compareDerived(row.from, from, sameSummary(row.summary, summary));
  if (verdict === 'keep') return 'unchanged';
  if (verdict === 'reread') return 'conflict';
  const { all, state: stateRow } = viewRows(partitionKey, summary, from);
  assertEntityFits(all);
  const move: TransactionAction[] =
    row.summary.state !== summary.state
      ? [['delete', { partitionKey, rowKey: statePrefix(row.summary.state) + summary.offerId }]]
      : [];
  try {
    const response = await table.submitTransaction([
      ['update', all, 'Replace', { etag: row.etag }],
      ...move,
      ['upsert', stateRow, 'Replace'],
    ]);
    remember(remembered, key, place, wanted, response);
    return 'written';
  } catch (error) {
    remembered.forget(key);
    if (isStatus(error, 412) || isStatus(error, 409) || isStatus(error, 404)) return 'conflict';
    throw error;
  }
}

function remember(
  remembered: Remembered,
  key: string,
  place: Place,
  wanted: Wanted,
  response: { subResponses: { etag?: string }[] },
): void {
  const etag = response.subResponses[0]?.etag;
  if (!etag) return remembered.forget(key);
  const { summary, from, offer } = wanted;
  remembered.set(key, { etag, partitionKey: place.partitionKey, summary, from, offer });
}

/** Rows of one RowKey prefix after `after`, `top` of them, reading one more to know if more follow. */
async function rangePage(
  place: Place,
  prefix: string,
  after: string | undefined,
  top: number,
): Promise<Page> {
  const from = after === undefined ? `RowKey ge '${odata(prefix)}'` : `RowKey gt '${odata(prefix + after)}'`;
  // '|' + 1 is '}': the first key past every key of this prefix.
  const to = `RowKey lt '${odata(prefix.slice(0, -1))}}'`;
  const filter = `PartitionKey eq '${odata(place.partitionKey)}' and ${from} and ${to}`;
  const items: OfferSummary[] = [];
  const pages = place.table
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
 * Offers the index does not hold yet (stored before it existed, or before v2), written in bulk:
 * 50 offers to a transaction per partition. Only ADDS what is missing (create), so a live
 * writer's fresher rows always win; a batch that meets one (409) falls back to refresh, the path
 * of every write. Then the v1 rows (one per publisher) are deleted and a marker says it is done.
 * Costs one read of every offer and status, once per storage account.
 */
async function backfill(
  index: OfferIndex,
  tables: { catalog: TableClient; publishers: TableClient },
  sources: Sources,
): Promise<void> {
  if (await getEntity(tables.catalog, META, BACKFILL_MARKER)) return;
  const inCatalog = new Set<string>();
  const filter = `PartitionKey eq '${CATALOG}' and RowKey ge 'all|' and RowKey lt 'all}'`;
  for await (const row of tables.catalog.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
    inCatalog.add(String(row.rowKey).slice('all|'.length));
  }
  const inPublishers = new Set<string>();
  const oldRows: { partitionKey: string; rowKey: string }[] = [];
  const keys = { select: ['PartitionKey', 'RowKey'] };
  for await (const row of tables.publishers.listEntities({ queryOptions: keys })) {
    const rowKey = String(row.rowKey);
    if (rowKey.startsWith('all|')) inPublishers.add(rowKey.slice('all|'.length));
    else if (!rowKey.includes('|')) oldRows.push({ partitionKey: String(row.partitionKey), rowKey });
  }
  const [offers, statuses] = await Promise.all([sources.offers.list(), sources.statuses.list()]);
  const statusOf = new Map(statuses.map((s) => [s.offerId, s]));
  const summaries = offers.map((o) => summarize(o, statusOf.get(o.offerId)));
  const batches = [
    ...chunks(
      summaries.filter((s) => !inCatalog.has(s.offerId)),
      OFFERS_PER_BATCH,
    ).map((batch) => ({ table: tables.catalog, batch, rows: catalogRows })),
    ...[
      ...groupBy(
        summaries.filter((s) => !inPublishers.has(s.offerId)),
        (s) => s.publisherId,
      ).values(),
    ]
      .flatMap((list) => chunks(list, OFFERS_PER_BATCH))
      .map((batch) => ({ table: tables.publishers, batch, rows: publisherRows })),
  ];
  await inParallel(batches, async ({ table, batch, rows }) => {
    const actions = batch.flatMap((s): TransactionAction[] => {
      const { all, state } = rows(s);
      return [
        ['create', all],
        ['upsert', state, 'Replace'],
      ];
    });
    try {
      await table.submitTransaction(actions);
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
      for (const s of batch) await index.refresh(s.offerId);
    }
  });
  await inParallel(oldRows, async (key) => {
    try {
      await tables.publishers.deleteEntity(key.partitionKey, key.rowKey);
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
    }
  });
  await tables.catalog.upsertEntity(backfillMarker());
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
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
