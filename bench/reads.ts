/**
 * "All offers" at marketplace scale, on the local host with an in-memory Azurite.
 *   npm run bench:reads     (BENCH_SIZES=1000,10000,50000  BENCH_SECONDS=6  BENCH_CONCURRENCY=16)
 *
 * At each marketplace size, the same concurrent clients take turns at a raw Table point read (the
 * floor) and GET /api/offers for a publisher who owns 5 offers, so both see the same load; then
 * they read the reviewers' queue (GET /api/offers?state=WaitingForReview, 20 offers waiting) on
 * its own. Apart, because Azurite answers every query by scanning the whole table (its point
 * reads are indexed): at 50k the queue's scans would slow every other read in the same run. The
 * queue phase also times the same range query straight to the table, which shows how much of the
 * queue's cost is Azurite's scan (on Azure, a PartitionKey + RowKey range reads only the range).
 * Beside them, the same clients read the publisher's list the way it was stored before issue 21
 * (the baseline: one row holding all of a publisher's summaries, a point read, decoded and paged
 * in memory) and the way it is stored now, straight to the table (a RowKey range of the
 * publisher's partition), so the layouts are compared in the same run under the same load.
 * The marketplace is seeded straight into the tables, not through 50k API calls: the index
 * tables the reads use (the catalog and each publisher's partition in entity-group transactions,
 * and the baseline's one row per publisher),
 * and the Offers rows and OfferTimeline status rows of the offers measured. BENCH_FULL_SOURCE=1 also writes an
 * Offers row for every offer: one write each (every offer is its own partition), so much slower
 * to seed, and it changes nothing the reads touch.
 * Prints a table of p50/p95 on its last lines.
 */
import { TableClient } from '@azure/data-tables';
import { TABLES } from '../shared/contracts/names';
import {
  backfillMarker,
  catalogRows,
  publisherPartition,
  publisherRows,
} from '../shared/adapters/tables/offerIndex';
import { decodeDoc, encodeDoc } from '../shared/adapters/tables/documents';
import { STATUS_ROW } from '../shared/adapters/tables/statusStore';
import { OfferSummary, pageOf } from '../shared/domain/offerSummary';
import { notStartedStatus } from '../shared/domain/status';
import { PEOPLE, principalHeader } from '../test/support/principals';
import { ms, percentile, startBenchHost } from './support/localHost';

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,50000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const WARMUP_SECONDS = 2;
const PUBLISHER = 'bench-five';
const OWNED = 5;
const WAITING = 20;
const PER_PUBLISHER = 5;
const AT = '2026-12-01T00:00:00.000Z';
const FULL_SOURCE = process.env.BENCH_FULL_SOURCE === '1';
/** The old layout's rows, seeded beside the new one so both are read in the same run. */
const BASELINE_TABLE = 'BenchBaselinePublisherRows';

type Entity = { partitionKey: string; rowKey: string; [key: string]: unknown };

function summaryOf(i: number): OfferSummary {
  const offerId = `offer-${String(i).padStart(6, '0')}`;
  const owned = i < OWNED;
  const waiting = i >= OWNED && i < OWNED + WAITING;
  return {
    offerId,
    name: `Offer ${i}`,
    publisherId: owned ? PUBLISHER : `pub-${Math.floor(i / PER_PUBLISHER)}`,
    state: waiting ? 'WaitingForReview' : 'NotStarted',
    currentStep: waiting ? 'marketing-technical-validation' : null,
    liveVersion: null,
    updatedAt: AT,
  };
}

/** Runs `jobs` with `width` in flight. */
async function pool<T>(items: T[], width: number, job: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await job(items[next++] as T);
    }),
  );
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function seed(connection: string, from: number, to: number): Promise<void> {
  const table = async (name: string) => {
    const client = TableClient.fromConnectionString(connection, name, { allowInsecureConnection: true });
    await client.createTable();
    return client;
  };
  const [offers, statuses, catalog, publishers, baseline] = await Promise.all(
    [TABLES.offers, TABLES.timeline, TABLES.offerCatalog, TABLES.offersByPublisher, BASELINE_TABLE].map(
      table,
    ),
  );
  const summaries = Array.from({ length: to - from }, (_, k) => summaryOf(from + k));
  // The catalog is one partition: 100 rows per transaction.
  const catalogEntities = summaries.flatMap((s) => {
    const rows = catalogRows(s);
    return [rows.all, rows.state];
  });
  await pool(chunks(catalogEntities, 100), 8, (batch) =>
    catalog!.submitTransaction(batch.map((e) => ['upsert', e, 'Replace'])),
  );
  // A publisher's offers are a partition (two rows per offer): one transaction per publisher.
  const byPublisher = new Map<string, OfferSummary[]>();
  for (const s of summaries) {
    const list = byPublisher.get(s.publisherId);
    if (list) list.push(s);
    else byPublisher.set(s.publisherId, [s]);
  }
  await pool([...byPublisher.values()], 16, (list) =>
    publishers!.submitTransaction(
      list.flatMap((s) => {
        const rows = publisherRows(s);
        return [
          ['upsert', rows.all, 'Replace'],
          ['upsert', rows.state, 'Replace'],
        ];
      }),
    ),
  );
  // The baseline: the layout before issue 21, one row per publisher holding every summary.
  await pool([...byPublisher], 32, ([publisherId, list]) =>
    baseline!.upsertEntity(
      {
        partitionKey: publisherPartition(publisherId),
        rowKey: publisherPartition(publisherId),
        ...encodeDoc({ offers: Object.fromEntries(list.map((s) => [s.offerId, s])) }),
      },
      'Replace',
    ),
  );
  // Offers are a partition each; a status is the `status` row of its offer's timeline partition.
  const rows: [TableClient, Entity][] = [
    ...summaries
      .filter((s) => FULL_SOURCE || s.publisherId === PUBLISHER || s.state !== 'NotStarted')
      .map((s): [TableClient, Entity] => [
        offers!,
        {
          partitionKey: s.offerId,
          rowKey: 'offer',
          ...encodeDoc({
            offerId: s.offerId,
            publisherId: s.publisherId,
            name: s.name,
            createdAt: AT,
            updatedAt: AT,
          }),
        },
      ]),
    ...summaries
      .filter((s) => s.state !== 'NotStarted')
      .map((s): [TableClient, Entity] => [
        statuses!,
        {
          partitionKey: s.offerId,
          rowKey: STATUS_ROW,
          ...encodeDoc({
            ...notStartedStatus(s.offerId, AT),
            submissionId: '1',
            state: s.state,
            currentStep: s.currentStep,
          }),
        },
      ]),
  ];
  await pool(rows, 32, ([client, entity]) => client.upsertEntity(entity, 'Replace'));
  await catalog!.upsertEntity(backfillMarker(), 'Replace');
}

interface Stats {
  latencies: number[];
  errors: number;
}

async function measure(baseUrl: string, connection: string): Promise<Record<string, Stats>> {
  const raw = TableClient.fromConnectionString(connection, TABLES.offers, { allowInsecureConnection: true });
  const client = (name: string) =>
    TableClient.fromConnectionString(connection, name, { allowInsecureConnection: true });
  const catalog = client(TABLES.offerCatalog);
  const publishers = client(TABLES.offersByPublisher);
  const baseline = client(BASELINE_TABLE);
  const owner = principalHeader('five@bench.example', ['Publisher'], PUBLISHER);
  const stats: Record<string, Stats> = {
    point: { latencies: [], errors: 0 },
    baselineRow: { latencies: [], errors: 0 },
    rawPublisher: { latencies: [], errors: 0 },
    allOffers: { latencies: [], errors: 0 },
    rawQueue: { latencies: [], errors: 0 },
    queue: { latencies: [], errors: 0 },
  };
  const check = {
    allOffers: (body: { offers: unknown[] }) => body.offers.length === OWNED,
    queue: (body: { offers: unknown[] }) => body.offers.length === WAITING,
  };
  const reads: Read[] = [
    ['point', async () => Boolean(await raw.getEntity('offer-000003', 'offer'))],
    [
      // What "All offers" read before issue 21: the publisher's one row, decoded, paged in memory.
      'baselineRow',
      async () => {
        const key = publisherPartition(PUBLISHER);
        const row = await baseline.getEntity<Record<string, unknown>>(key, key);
        const doc = decodeDoc<{ offers: Record<string, OfferSummary> }>(row);
        return pageOf(Object.values(doc.offers), undefined, 100).items.length === OWNED;
      },
    ],
    [
      // What it reads now, straight to the table: the range `all|` of the publisher's partition.
      'rawPublisher',
      async () => {
        let n = 0;
        const filter = `PartitionKey eq '${publisherPartition(PUBLISHER)}' and RowKey ge 'all|' and RowKey lt 'all}'`;
        for await (const row of publishers.listEntities({ queryOptions: { filter } })) n += row ? 1 : 0;
        return n === OWNED;
      },
    ],
    [
      'allOffers',
      async () => {
        const res = await fetch(`${baseUrl}/api/offers`, { headers: { 'x-ms-client-principal': owner } });
        return res.status === 200 && check.allOffers((await res.json()) as { offers: unknown[] });
      },
    ],
    [
      'rawQueue',
      async () => {
        let n = 0;
        const filter =
          "PartitionKey eq 'catalog' and RowKey ge 'state|WaitingForReview|' and RowKey lt 'state|WaitingForReview}'";
        for await (const row of catalog.listEntities({ queryOptions: { filter } })) n += row ? 1 : 0;
        return n === WAITING;
      },
    ],
    [
      'queue',
      async () => {
        const res = await fetch(`${baseUrl}/api/offers?state=WaitingForReview`, {
          headers: { 'x-ms-client-principal': PEOPLE.mia },
        });
        return res.status === 200 && check.queue((await res.json()) as { offers: unknown[] });
      },
    ],
  ];
  // Warm up connections, the JIT and the host's caches (settings, signing key) unmeasured.
  for (const phase of [reads.slice(0, 4), reads.slice(4)]) {
    await run(phase, Date.now() + WARMUP_SECONDS * 1000, undefined);
    await run(phase, Date.now() + SECONDS * 1000, stats);
  }
  return stats;
}

type Read = [string, () => Promise<boolean>];

/** CONCURRENCY clients, each taking the reads in turn until the deadline. */
async function run(reads: Read[], deadline: number, stats: Record<string, Stats> | undefined) {
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (let i = worker; Date.now() < deadline; i++) {
        const [name, read] = reads[i % reads.length]!;
        const started = performance.now();
        const ok = await read().catch(() => false);
        if (!stats) continue;
        stats[name]!.latencies.push(performance.now() - started);
        if (!ok) stats[name]!.errors++;
      }
    }),
  );
}

async function main() {
  const { host, azurite, stop } = await startBenchHost();
  const connection = azurite.connectionString;
  const rows: string[] = [];
  try {
    let seeded = 0;
    for (const size of SIZES) {
      const started = performance.now();
      await seed(connection, seeded, size);
      seeded = size;
      console.log(`seeded ${size} offers in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      const stats = await measure(host.baseUrl, connection);
      const p = (name: string, q: number) =>
        percentile(
          [...stats[name]!.latencies].sort((a, b) => a - b),
          q,
        );
      const errors = Object.values(stats).reduce((n, s) => n + s.errors, 0);
      rows.push(
        `| ${size.toLocaleString('en-US').padStart(6)} | ${ms(p('point', 50))} / ${ms(p('point', 95))} | ` +
          `${ms(p('baselineRow', 50))} / ${ms(p('baselineRow', 95))} | ${ms(p('rawPublisher', 50))} / ${ms(p('rawPublisher', 95))} | ` +
          `${ms(p('allOffers', 50))} / ${ms(p('allOffers', 95))} | ${(p('allOffers', 50) / p('point', 50)).toFixed(2)}x | ` +
          `${ms(p('queue', 50))} / ${ms(p('queue', 95))} | ${ms(p('rawQueue', 50))} / ${ms(p('rawQueue', 95))} | ${errors} |`,
      );
    }
  } finally {
    await stop();
  }
  const first = rows.length > 0 ? SIZES[0] : 0;
  console.log(`bench/reads: ${CONCURRENCY} concurrent clients, ${SECONDS} s per size, sizes from ${first}`);
  console.log(
    '| offers | raw point read p50 / p95 | baseline: one row per publisher, raw p50 / p95 | new: publisher partition range, raw p50 / p95 | All offers API (5 owned) p50 / p95 | vs point | reviewers queue (20) p50 / p95 | its raw range query p50 / p95 | errors |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
