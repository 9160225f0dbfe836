/**
 * What one submission costs in storage: N offers driven from package upload to Live through a
 * counting proxy in front of Azurite (test/support/storageProxy.ts).
 *   npm run bench:storage                      (BENCH_OFFERS=5)
 *   DURABLE_ENGINE=extension npm run bench:storage   (the real Durable extension; .NET)
 * Prints storage requests per submission, split by who made them (the app's functions and
 * activities, or the engine: its task hub's tables, queues and containers) and by table or
 * container, with the client's own polls and the idle traffic taken out:
 * - idle: requests per second by place while nothing runs, measured for IDLE_MS before, times
 *   the run's duration;
 * - polls: the bench's status and package-validation reads, each priced by reading a finished
 *   offer POLL_SAMPLES times afterwards.
 * Also per submission: emails (the notifications API) and activities (TaskScheduled events in
 * the engine's history table).
 */
import { TableClient } from '@azure/data-tables';
import { instanceIdFor } from '../shared/domain/transitions';
import { startAzurite } from '../devhost/azurite';
import { startHost } from '../test/support/host';
import { startStorageProxy, StorageOperation } from '../test/support/storageProxy';
import { api, publisherSteps, sleep } from '../test/support/scenario';

const OFFERS = Number(process.env.BENCH_OFFERS ?? 5);
const ENGINE = process.env.DURABLE_ENGINE ?? 'embedded';
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 10_000);
const POLL_SAMPLES = 20;
const TIMEOUT_MS = 600_000;

type Counts = Map<string, number>;

/** Where a request went: `app Table OfferTimeline`, `engine Queue ...` (the engine's names carry its task hub). */
function placeOf(op: StorageOperation, taskHub: string): string {
  const hub = taskHub.toLowerCase();
  const table =
    op.table ?? (op.batch ? /\/([A-Za-z][A-Za-z0-9]*)\(PartitionKey=/.exec(op.body)?.[1] : undefined);
  const name =
    op.service === 'table'
      ? (table ?? '(tables)')
      : op.service === 'blob'
        ? (op.container ?? '(account)')
        : queueOf(op);
  // The local host's own tables (its clock, its blob-trigger receipts) are the Functions host's
  // work, which Azure does elsewhere: counted with the engine, not the app.
  const engine = name.toLowerCase().startsWith(hub) || name.startsWith('Devhost') || op.service === 'queue';
  const who = engine ? 'engine' : 'app';
  return `${who} ${op.service} ${name}${op.batch ? ' $batch' : ''}`;
}

function queueOf(op: StorageOperation): string {
  return op.path.split('/')[2]?.replace(/-\d+$/, '-N') ?? '(queues)';
}

function count(ops: StorageOperation[], taskHub: string): Counts {
  const counts: Counts = new Map();
  for (const op of ops) counts.set(placeOf(op, taskHub), (counts.get(placeOf(op, taskHub)) ?? 0) + 1);
  return counts;
}

/** Polls counted by the bench: each status or package-validation read it made. */
const polls = { status: 0, packageValidation: 0 };

function counting(baseUrl: string, offerId: string) {
  const steps = publisherSteps(baseUrl, offerId);
  const { call } = api(baseUrl);
  const status = async () => {
    polls.status++;
    return (await call<{ state: string; error?: unknown }>('ann', 'GET', `/api/offers/${offerId}/status`))
      .body;
  };
  const until = async (states: string[]) => {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const s = await status();
      if (states.includes(s.state)) return s;
      if (Date.now() > deadline) throw new Error(`${offerId}: still ${s.state}`);
      await sleep(250);
    }
  };
  return { steps, call, status, until };
}

async function driveFromUpload(baseUrl: string, offerId: string): Promise<string> {
  const { steps, call, until } = counting(baseUrl, offerId);
  await steps.uploadPackage();
  for (;;) {
    polls.packageValidation++;
    const r = await call<{ state: string }>('ann', 'GET', `/api/offers/${offerId}/package-validation`);
    if (r.status === 200 && r.body.state !== 'Pending') break;
    await sleep(250);
  }
  const published = await steps.publish();
  if (published.status !== 202) throw new Error(`${offerId}: publish answered ${published.status}`);
  const signoff = await until(['WaitingForPublisher', 'Failed']);
  if (signoff.state === 'Failed') throw new Error(`${offerId} failed: ${JSON.stringify(signoff.error)}`);
  await steps.goLive();
  await until(['WaitingForReview']);
  await steps.review('marketing', { outcome: 'approved' });
  await steps.review('technical', { outcome: 'approved' });
  return (await until(['Live', 'Failed'])).state;
}

async function activitiesOf(connection: string, taskHub: string, instanceId: string): Promise<number> {
  const table = TableClient.fromConnectionString(connection, `${taskHub}History`, {
    allowInsecureConnection: true,
  });
  let scheduled = 0;
  const filter = `PartitionKey eq '${instanceId}'`;
  for await (const row of table.listEntities<{ EventType?: string }>({ queryOptions: { filter } }))
    if (row.EventType === 'TaskScheduled') scheduled++;
  return scheduled;
}

function minus(a: Counts, b: Counts, factor = 1): Counts {
  const out: Counts = new Map(a);
  for (const [k, v] of b) out.set(k, (out.get(k) ?? 0) - v * factor);
  return out;
}

async function main() {
  const azurite = await startAzurite();
  const proxy = await startStorageProxy(azurite.connectionString);
  const host = await startHost({
    env: { AzureWebJobsStorage: proxy.connectionString, DURABLE_ENGINE: ENGINE },
    readyWithinMs: 300_000,
  });
  try {
    const ids = Array.from({ length: OFFERS }, (_, i) => `bench-storage-${String(i).padStart(3, '0')}`);
    for (const id of ids) {
      const p = publisherSteps(host.baseUrl, id);
      await p.describe();
      await p.uploadArtifacts();
    }
    // Idle traffic: what the host and engine do with nothing to do.
    await sleep(2000);
    let mark = proxy.operations.length;
    await sleep(IDLE_MS);
    const idle = count(proxy.operations.slice(mark), host.taskHub);

    mark = proxy.operations.length;
    const started = Date.now();
    const ends = await Promise.all(ids.map((id) => driveFromUpload(host.baseUrl, id)));
    const seconds = (Date.now() - started) / 1000;
    const run = count(proxy.operations.slice(mark), host.taskHub);
    // BENCH_TRACE=1: every app request of the run, in order (to see where the cost is).
    if (process.env.BENCH_TRACE)
      for (const op of proxy.operations.slice(mark)) {
        const place = placeOf(op, host.taskHub);
        if (place.startsWith('app'))
          console.log(`${op.method} ${place} ${decodeURIComponent(op.path).slice(0, 160)}`);
      }
    const taken = { ...polls };

    // The price of one poll of each kind, on a finished offer.
    const { call } = api(host.baseUrl);
    mark = proxy.operations.length;
    for (let i = 0; i < POLL_SAMPLES; i++) await call('ann', 'GET', `/api/offers/${ids[0]}/status`);
    const statusPoll = count(proxy.operations.slice(mark), host.taskHub);
    mark = proxy.operations.length;
    for (let i = 0; i < POLL_SAMPLES; i++)
      await call('ann', 'GET', `/api/offers/${ids[0]}/package-validation`);
    const reportPoll = count(proxy.operations.slice(mark), host.taskHub);

    let net = minus(run, idle, seconds / (IDLE_MS / 1000));
    net = minus(net, statusPoll, taken.status / POLL_SAMPLES);
    net = minus(net, reportPoll, taken.packageValidation / POLL_SAMPLES);

    const emails = await Promise.all(
      ids.map(
        async (id) =>
          (await call<{ notifications: unknown[] }>('ann', 'GET', `/api/offers/${id}/notifications`)).body
            .notifications.length,
      ),
    );
    const activities = await Promise.all(
      ids.map((id) => activitiesOf(azurite.connectionString, host.taskHub, instanceIdFor(id, '1'))),
    );
    const per = (n: number) => (n / OFFERS).toFixed(1);
    const rows = [...net.entries()].filter(([, v]) => Math.abs(v) >= 0.5).sort((a, b) => b[1] - a[1]);
    const total = (who: string) => rows.filter(([k]) => k.startsWith(who)).reduce((n, [, v]) => n + v, 0);
    console.log(`bench/storage: ${OFFERS} offers from package upload to Live, engine ${ENGINE}`);
    console.log(
      `reached: ${ends.filter((e) => e === 'Live').length} Live of ${OFFERS}, in ${seconds.toFixed(1)} s`,
    );
    console.log(
      `polls taken out: ${taken.status} status reads (${per(sum(statusPoll) * (taken.status / POLL_SAMPLES))} requests/submission), ` +
        `${taken.packageValidation} report reads; one status read costs ${(sum(statusPoll) / POLL_SAMPLES).toFixed(2)} storage requests`,
    );
    console.log(`| who / service / place | requests per submission |`);
    console.log(`|---|---|`);
    for (const [k, v] of rows) console.log(`| ${k} | ${per(v)} |`);
    console.log(`| **app total** | **${per(total('app'))}** |`);
    console.log(`| **engine total** | **${per(total('engine'))}** |`);
    console.log(`| **all** | **${per(total('app') + total('engine'))}** |`);
    console.log(`emails per submission: ${per(emails.reduce((a, b) => a + b, 0))}`);
    console.log(`activities per submission: ${per(activities.reduce((a, b) => a + b, 0))}`);
  } finally {
    await host.stop();
    await proxy.close();
    await azurite.stop();
  }
}

function sum(c: Counts): number {
  return [...c.values()].reduce((a, b) => a + b, 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
