/**
 * Status and All-offers reads under concurrent load on the local host.
 *   npm run bench:api            (BENCH_SECONDS=30, BENCH_CONCURRENCY=32, BENCH_OFFERS=100)
 * Prints requests per second and p50/p95/p99 latency per route on its last lines.
 */
import { PEOPLE } from '../test/support/principals';
import { ms, percentile, startBenchHost } from './support/localHost';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const OFFERS = Number(process.env.BENCH_OFFERS ?? 100);

interface RouteStats {
  latencies: number[];
  errors: number;
}

async function seed(baseUrl: string): Promise<string[]> {
  const ids = Array.from({ length: OFFERS }, (_, i) => `bench-offer-${String(i).padStart(4, '0')}`);
  for (const id of ids) {
    const res = await fetch(`${baseUrl}/api/offers/${id}`, {
      method: 'PUT',
      headers: { 'x-ms-client-principal': PEOPLE.ann, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Bench ${id}`, summary: 'A benchmark offer' }),
    });
    if (res.status >= 300) throw new Error(`seeding ${id}: ${res.status} ${await res.text()}`);
  }
  return ids;
}

async function worker(baseUrl: string, ids: string[], deadline: number, stats: Record<string, RouteStats>) {
  let i = 0;
  while (Date.now() < deadline) {
    const route = i % 2 === 0 ? 'status' : 'allOffers';
    const url =
      route === 'status' ? `${baseUrl}/api/offers/${ids[i % ids.length]}/status` : `${baseUrl}/api/offers`;
    const started = performance.now();
    const res = await fetch(url, { headers: { 'x-ms-client-principal': PEOPLE.ann } });
    await res.arrayBuffer();
    const s = stats[route]!;
    s.latencies.push(performance.now() - started);
    if (res.status !== 200) s.errors++;
    i++;
  }
}

async function main() {
  const { host, stop } = await startBenchHost();
  try {
    const ids = await seed(host.baseUrl);
    const stats: Record<string, RouteStats> = {
      status: { latencies: [], errors: 0 },
      allOffers: { latencies: [], errors: 0 },
    };
    const deadline = Date.now() + SECONDS * 1000;
    await Promise.all(Array.from({ length: CONCURRENCY }, () => worker(host.baseUrl, ids, deadline, stats)));
    console.log(`bench/api: ${OFFERS} offers, ${CONCURRENCY} concurrent clients, ${SECONDS} s`);
    for (const [route, s] of Object.entries(stats)) {
      const sorted = [...s.latencies].sort((a, b) => a - b);
      console.log(
        `${route}: ${(sorted.length / SECONDS).toFixed(1)} req/s, p50 ${ms(percentile(sorted, 50))}, ` +
          `p95 ${ms(percentile(sorted, 95))}, p99 ${ms(percentile(sorted, 99))}, errors ${s.errors}`,
      );
    }
  } finally {
    await stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
