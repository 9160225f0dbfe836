/**
 * N offers of ONE publisher driven concurrently from Publish to Live on the local host, with
 * automated reviewers: a publisher's busy hour.
 *   npm run bench:pipeline        (BENCH_OFFERS=100; a list such as 100,1000 runs each size)
 *   BENCH_BASELINE_ROOT=/path/to/another/checkout npm run bench:pipeline
 *   BENCH_ENGINES=embedded,extension npm run bench:pipeline   (also on the real Durable extension; .NET)
 * With BENCH_BASELINE_ROOT (a checkout of another version, built with `npm run build`), the same
 * workload first runs against that version's app (same local host, same machine, same run), so
 * the two are side by side. Prints, per version and size: how many reached Live, the first error,
 * submissions per second, p50/p95 Go Live → Live, orchestration history per submission and the
 * host's peak RSS, as a table on its last lines.
 * The simulated publishers share one polite client (./support/politeClient.ts): BENCH_CONNECTIONS
 * kept-alive connections (default 64), polls backing off from 250 ms to BENCH_POLL_MAX_MS
 * (default 2000), and a request that never reached the host sent again. Go Live -> Live is measured
 * to the poll that saw Live, so it is late by up to one poll pause.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { TableClient } from '@azure/data-tables';
import { instanceIdFor } from '../shared/domain/transitions';
import { driveToLive, prepareOffer } from '../test/support/scenario';
import { ms, percentile, startBenchHost } from './support/localHost';
import { politeClient } from './support/politeClient';

const SIZES = (process.env.BENCH_OFFERS ?? '100').split(',').map(Number);
const BASELINE_ROOT = process.env.BENCH_BASELINE_ROOT;
const DRIVE_TIMEOUT_MS = Number(process.env.BENCH_DRIVE_TIMEOUT_MS ?? 600_000);
const ENGINES = (process.env.BENCH_ENGINES ?? 'embedded').split(',');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const POLL_MAX_MS = Number(process.env.BENCH_POLL_MAX_MS ?? 2_000);
/** A file to keep the host's output in (one per run: the engine and size are appended). */
const HOST_LOG = process.env.BENCH_HOST_LOG;

/** The message, and the cause's code or message (fetch's "fetch failed" says nothing by itself). */
function errorText(reason: unknown): string {
  const error = reason as
    | (Error & { code?: string; cause?: { code?: string; message?: string } })
    | undefined;
  const cause = error?.cause ? ` (${error.cause.code ?? error.cause.message ?? ''})` : '';
  return `${error?.code ? `${error.code}: ` : ''}${String(error?.message ?? reason)}${cause}`;
}

/** VmHWM: the most resident memory the process has had. */
function peakRssMiB(pid: number | undefined): number {
  if (!pid) return NaN;
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return line ? Number(line[1]) / 1024 : NaN;
}

async function historyOf(connection: string, taskHub: string, instanceId: string) {
  const table = TableClient.fromConnectionString(connection, `${taskHub}History`, {
    allowInsecureConnection: true,
  });
  let events = 0;
  let bytes = 0;
  const filter = `PartitionKey eq '${instanceId}'`;
  for await (const row of table.listEntities({ queryOptions: { filter } })) {
    events++;
    bytes += Buffer.byteLength(JSON.stringify(row));
  }
  return { events, bytes };
}

async function pool<T, R>(items: T[], width: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await job(items[i] as T);
      }
    }),
  );
  return out;
}

/** One version at one size: a fresh Azurite and host, every offer of publisher contoso. */
async function runOnce(
  version: string,
  offers: number,
  root: string | undefined,
  engine = 'embedded',
): Promise<string> {
  const { host, azurite, stop } = await startBenchHost({
    ...(root ? { DEVHOST_ROOT: root } : {}),
    DURABLE_ENGINE: engine,
  });
  const client = politeClient({ connections: CONNECTIONS, pollMaxMs: POLL_MAX_MS });
  try {
    const ids = Array.from({ length: offers }, (_, i) => `bench-pipe-${String(i).padStart(4, '0')}`);
    const prepared = Date.now();
    // Preparing (draft, images, package) is not what is measured: 16 at a time.
    await pool(ids, 16, (id) => prepareOffer(host.baseUrl, id, client));
    const started = Date.now();
    const runs = await Promise.allSettled(
      ids.map((id) => driveToLive(host.baseUrl, id, DRIVE_TIMEOUT_MS, client)),
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `${version}, ${offers} offers: prepared in ${((started - prepared) / 1000).toFixed(0)} s, driven in ${seconds.toFixed(0)} s`,
    );
    const done = runs.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const live = done.filter((r) => r.status.state === 'Live');
    const errors = runs.flatMap((r) => (r.status === 'rejected' ? [errorText(r.reason)] : []));
    const gaveUp = (host.output().match(/kept changing; gave up/g) ?? []).length;
    const goLive = live.map((r) => r.goLiveToLiveMs).sort((a, b) => a - b);
    const histories = await Promise.all(
      ids.slice(0, 50).map((id) => historyOf(azurite.connectionString, host.taskHub, instanceIdFor(id, '1'))),
    );
    const events = histories.reduce((n, h) => n + h.events, 0) / histories.length;
    const kib = histories.reduce((n, h) => n + h.bytes, 0) / histories.length / 1024;
    const firstError = (errors[0] ?? '-').replace(/\|/g, '/').slice(0, 90);
    console.log(
      `${version}, ${offers} offers: ${client.retried()} requests sent again (connection refused or reset)`,
    );
    return (
      `| ${version} | ${offers} | ${live.length} | ${errors.length} | ${gaveUp} | ${firstError} | ` +
      `${(live.length / seconds).toFixed(2)} | ${ms(percentile(goLive, 50))} / ${ms(percentile(goLive, 95))} | ` +
      `${events.toFixed(0)} / ${kib.toFixed(1)} KiB | ${peakRssMiB(host.pid()).toFixed(0)} MiB |`
    );
  } catch (error) {
    // What the host said last is usually why a request failed.
    console.error(`host output (tail):\n${host.output().slice(-6000)}`);
    throw error;
  } finally {
    client.close();
    if (HOST_LOG) writeFileSync(`${HOST_LOG}.${engine}.${offers}`, host.output());
    await stop();
  }
}

async function main() {
  const rows: string[] = [];
  for (const size of SIZES) {
    if (BASELINE_ROOT) rows.push(await runOnce('baseline', size, BASELINE_ROOT));
    for (const engine of ENGINES) {
      const label = ENGINES.length > 1 ? `this version, ${engine} engine` : 'this version';
      rows.push(await runOnce(label, size, undefined, engine));
      console.log(rows[rows.length - 1]);
    }
  }
  console.log(`bench/pipeline: offers of one publisher from Publish to Live concurrently`);
  console.log(
    '| version | offers | reached Live | errors | "kept changing; gave up" in host log | first error | Live/s | Go Live -> Live p50 / p95 | history per submission | host peak RSS (Node) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
