/**
 * N offers driven concurrently from Publish to Live on the local host, with automated reviewers.
 *   npm run bench:pipeline        (BENCH_OFFERS=100)
 * Prints submissions per second, p50/p95 Go Live → Live, orchestration history events and bytes
 * per submission, and the host's peak RSS on its last lines.
 */
import { readFileSync } from 'node:fs';
import { TableClient } from '@azure/data-tables';
import { instanceIdFor } from '../shared/domain/transitions';
import { driveToLive, prepareOffer } from '../test/support/scenario';
import { ms, percentile, startBenchHost } from './support/localHost';

const OFFERS = Number(process.env.BENCH_OFFERS ?? 100);

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

async function main() {
  const { host, azurite, stop } = await startBenchHost();
  try {
    const ids = Array.from({ length: OFFERS }, (_, i) => `bench-pipe-${String(i).padStart(4, '0')}`);
    await Promise.all(ids.map((id) => prepareOffer(host.baseUrl, id)));
    const started = Date.now();
    const runs = await Promise.all(ids.map((id) => driveToLive(host.baseUrl, id, 300_000)));
    const seconds = (Date.now() - started) / 1000;
    const failed = runs.filter((r) => r.status.state !== 'Live').length;
    const goLive = runs.map((r) => r.goLiveToLiveMs).sort((a, b) => a - b);
    const histories = await Promise.all(
      ids.map((id) => historyOf(azurite.connectionString, host.taskHub, instanceIdFor(id, '1'))),
    );
    const events = histories.reduce((n, h) => n + h.events, 0) / histories.length;
    const bytes = histories.reduce((n, h) => n + h.bytes, 0) / histories.length;
    console.log(
      `bench/pipeline: ${OFFERS} offers from Publish to Live concurrently (${failed} did not reach Live)`,
    );
    console.log(
      `throughput: ${(OFFERS / seconds).toFixed(2)} submissions/s (${seconds.toFixed(1)} s in all)`,
    );
    console.log(`go live -> live: p50 ${ms(percentile(goLive, 50))}, p95 ${ms(percentile(goLive, 95))}`);
    console.log(
      `orchestration history: ${events.toFixed(0)} events, ${(bytes / 1024).toFixed(1)} KiB per submission`,
    );
    console.log(`host peak RSS: ${peakRssMiB(host.pid()).toFixed(0)} MiB`);
  } catch (error) {
    // What the host said last is usually why a request failed.
    console.error(`host output (tail):\n${host.output().slice(-6000)}`);
    throw error;
  } finally {
    await stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
