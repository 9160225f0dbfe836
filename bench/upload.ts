/**
 * Memory of the local host while it refuses an oversized package PUT.
 *   npm run bench:upload
 * Sends PUT /api/offers/{id}/package bodies generated on the fly (never held by this process) and
 * samples the host process's resident memory (/proc/<pid>/status VmRSS) every few milliseconds.
 * Prints, per request, the status and the host's peak growth over its resident memory just before;
 * the 1 MiB upload is the baseline. Exits 1 when the 250 MiB refusal grows the host by 32 MiB or more.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { PEOPLE } from '../test/support/principals';
import { startBenchHost } from './support/localHost';

const MiB = 1024 * 1024;
const LIMIT_GROWTH_MIB = 32;

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

interface Sent {
  status: number;
  code: string;
}

/**
 * Writes `bytes` zeros in 1 MiB chunks, respecting backpressure, and stops writing as soon as
 * the answer arrives (a refusal comes before the body is read).
 */
function send(baseUrl: string, offerId: string, bytes: number, declareLength: boolean): Promise<Sent> {
  const url = new URL(`${baseUrl}/api/offers/${offerId}/package`);
  const chunk = Buffer.alloc(MiB, 0x50);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'PUT',
      headers: {
        'x-ms-client-principal': PEOPLE.ann,
        'content-type': 'application/octet-stream',
        'x-file-name': 'bench.app',
        ...(declareLength ? { 'content-length': String(bytes) } : { 'transfer-encoding': 'chunked' }),
      },
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let code = '';
        try {
          code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '';
        } catch {
          code = text.slice(0, 40);
        }
        req.destroy();
        resolve({ status: res.statusCode ?? 0, code });
      });
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    let sent = 0;
    const pump = () => {
      while (!answered && sent < bytes) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n)))
          return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

async function measure(
  baseUrl: string,
  pid: number,
  offerId: string,
  bytes: number,
  declareLength: boolean,
): Promise<{ sent: Sent; before: number; growth: number }> {
  if (global.gc) global.gc();
  await new Promise((r) => setTimeout(r, 500));
  const before = rssBytes(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 2);
  try {
    const sent = await send(baseUrl, offerId, bytes, declareLength);
    await new Promise((r) => setTimeout(r, 300));
    peak = Math.max(peak, rssBytes(pid));
    return { sent, before, growth: peak - before };
  } finally {
    clearInterval(sampler);
  }
}

async function main(): Promise<void> {
  const { host, stop } = await startBenchHost();
  try {
    const pid = host.pid();
    if (!pid) throw new Error('the host is not running');
    const offerId = 'bench-upload';
    const created = await host.request(
      'PUT',
      `/api/offers/${offerId}`,
      { name: 'Bench upload', summary: 'Upload bench' },
      { 'x-ms-client-principal': PEOPLE.ann },
    );
    if (created.status >= 300) throw new Error(`creating the offer: ${created.status} ${created.text}`);
    await send(host.baseUrl, offerId, MiB, true); // warm-up: modules loaded, clients created

    const runs: Array<[string, number, boolean]> = [
      ['baseline: 1 MiB, Content-Length', MiB, true],
      ['250 MiB, Content-Length', 250 * MiB, true],
      ['250 MiB, chunked (no length)', 250 * MiB, false],
    ];
    console.log('request                           status  code               host RSS before  peak growth');
    let refusalGrowth = 0;
    for (const [label, bytes, declared] of runs) {
      const r = await measure(host.baseUrl, pid, offerId, bytes, declared);
      if (bytes > MiB) refusalGrowth = Math.max(refusalGrowth, r.growth);
      console.log(
        [
          label.padEnd(33),
          String(r.sent.status).padEnd(7),
          r.sent.code.padEnd(18),
          `${(r.before / MiB).toFixed(1)} MiB`.padEnd(16),
          `${(r.growth / MiB).toFixed(1)} MiB`,
        ].join(' '),
      );
    }
    const ok = refusalGrowth < LIMIT_GROWTH_MIB * MiB;
    console.log(
      `bench/upload: largest growth refusing 250 MiB = ${(refusalGrowth / MiB).toFixed(1)} MiB (limit ${LIMIT_GROWTH_MIB} MiB): ${ok ? 'ok' : 'TOO MUCH'}`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
