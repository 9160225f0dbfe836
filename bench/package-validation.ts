import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { BlobServiceClient } from '@azure/storage-blob';
import yauzl from 'yauzl';
import { startAzurite } from '../devhost/azurite';
import {
  RandomAccessSource,
  blobSource,
  cachedSource,
  sliceSource,
  validatePackage,
} from '../shared/adapters/package';
import { openZip } from '../shared/adapters/package/archiveReader';
import {
  OFFER_APP,
  ZipEntrySpec,
  largeSymbols,
  navxManifest,
  symbolReference,
  writeAppFile,
} from '../test/support/packages';
import { startHost } from '../test/support/host';
import { PEOPLE } from '../test/support/principals';

/**
 * Validates 1, 50 and 200 MiB .app packages through the blob source against a local Azurite and
 * prints time, bytes read from storage and peak RSS growth, beside `unzip -l` on the same file.
 * Then the technical case: a 200 MiB .app whose SymbolReference.json is 20 MiB, validated against
 * a live package of the same size, beside the time to merely inflate that one entry.
 * Each measurement runs in a fresh process so its peak RSS is its own.
 * Last, the trigger path through the local host: a 1 GiB blob written through an upload URL (over
 * the 200 MiB limit: never read, report package.too-large, blob deleted) beside a 2 MiB package
 * through an upload URL (validated), each measured as the host process's RSS growth
 * (/proc/<pid>/status VmRSS, sampled every few ms) from the upload's start to its settled report.
 * Run: npm run bench:package (append `-- --symbols` or `-- --trigger` for one case alone)
 */
const SIZES_MIB = [1, 50, 200];
const CHUNK = 4 * 1024 * 1024;
const CONTAINER = 'packages';
const MiB = 1024 * 1024;

function* benchEntries(totalBytes: number, symbols: Buffer = symbolReference()): Generator<ZipEntrySpec> {
  yield { name: 'NavxManifest.xml', data: Buffer.from(navxManifest()) };
  yield { name: 'SymbolReference.json', data: symbols };
  yield { name: 'logo/contoso.png', data: Buffer.from('89504e470d0a1a0a', 'hex'), method: 0 };
  for (let i = 0, left = totalBytes; left > 0; i++, left -= CHUNK) {
    // Random bytes, stored: the content is as incompressible as compiled code and images.
    yield {
      name: `bin/chunk${String(i).padStart(4, '0')}.bin`,
      data: randomBytes(Math.min(CHUNK, left)),
      method: 0,
    };
  }
}

/** Runs `work` and prints its time and peak RSS growth (sampled every ms, and the OS's peak). */
async function timed(work: () => Promise<Record<string, unknown>>): Promise<void> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 1);
  const started = process.hrtime.bigint();
  const extra = await work();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  process.stdout.write(JSON.stringify({ ms, peakGrowth: peak - baseline, ...extra }) + '\n');
}

function blobClient(connection: string, container: string, name: string) {
  return BlobServiceClient.fromConnectionString(connection).getContainerClient(container).getBlobClient(name);
}

async function measure(connection: string, blobName: string, liveName?: string): Promise<void> {
  await timed(async () => {
    const source = await blobSource(blobClient(connection, CONTAINER, blobName));
    const live = liveName ? await blobSource(blobClient(connection, CONTAINER, liveName)) : undefined;
    const context = live
      ? { baseline: async () => ({ source: cachedSource(live), name: liveName ?? '' }) }
      : {};
    const report = await validatePackage(
      cachedSource(source),
      { app: OFFER_APP },
      blobName,
      new Date().toISOString(),
      context,
    );
    return {
      size: source.size,
      bytesRead: source.bytesRead + (live?.bytesRead ?? 0),
      requests: source.requests + (live?.requests ?? 0),
      state: report.state,
      findings: report.findings.map((f) => f.rule),
    };
  });
}

/** The floor: inflate SymbolReference.json of the package by ranged reads and discard the bytes. */
async function measureInflate(connection: string, blobName: string): Promise<void> {
  await timed(async () => {
    const source = await blobSource(blobClient(connection, CONTAINER, blobName));
    const head = await source.read(0, 40);
    const zip = sliceSource(cachedSource(source), 40, Number(head.readBigInt64LE(28)));
    const inflated = await inflateEntry(zip, 'SymbolReference.json');
    return { size: source.size, bytesRead: source.bytesRead, requests: source.requests, inflated };
  });
}

async function inflateEntry(source: RandomAccessSource, name: string): Promise<number> {
  // The adapter's own opener, so the floor reads exactly as validation does.
  const zip = await openZip(source);
  try {
    const entry = await new Promise<yauzl.Entry>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => (String(e.fileName) === name ? resolve(e) : zip.readEntry()));
      zip.on('end', () => reject(new Error(`${name} not found`)));
      zip.on('error', reject);
      zip.readEntry();
    });
    const stream = await new Promise<Readable>((resolve, reject) =>
      zip.openReadStream(entry, (e, s) => (e ? reject(e) : resolve(s))),
    );
    let total = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) total += chunk.length;
    return total;
  } finally {
    zip.close();
  }
}

function unzipListMs(file: string): string {
  const probe = spawnSync('unzip', ['-v'], { stdio: 'ignore' });
  if (probe.error) return 'n/a (unzip not installed)';
  const started = process.hrtime.bigint();
  // unzip warns (exit 1) about the 40 header bytes before the zip and still lists it.
  const run = spawnSync('unzip', ['-l', file], { stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return run.status === 0 || run.status === 1 ? `${ms.toFixed(1)} ms` : `failed (exit ${run.status})`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'package-bench-'));
  const azurite = await startAzurite({ location: path.join(dir, 'azurite') });
  try {
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      CONTAINER,
    );
    await container.createIfNotExists();
    console.log('size      time      bytes read (share)        requests  peak RSS growth  state   unzip -l');
    // `--symbols` runs only the SymbolReference.json case.
    const only = process.argv.find((a) => a === '--symbols' || a === '--trigger');
    for (const mib of only ? [] : SIZES_MIB) {
      const file = path.join(dir, `bench-${mib}.app`);
      const size = await writeAppFile(file, benchEntries(mib * MiB));
      const blobName = `bench-offer/bench-${mib}.app`;
      await container.getBlockBlobClient(blobName).uploadFile(file);
      const out = execFileSync(
        process.execPath,
        [__filename, '--measure', azurite.connectionString, blobName],
        { encoding: 'utf8' },
      );
      const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, number | string>;
      const share = ((Number(r.bytesRead) / size) * 100).toFixed(3);
      console.log(
        [
          `${mib} MiB`.padEnd(9),
          `${Number(r.ms).toFixed(1)} ms`.padEnd(9),
          `${r.bytesRead} B (${share}%)`.padEnd(25),
          String(r.requests).padEnd(9),
          `${(Number(r.peakGrowth) / MiB).toFixed(1)} MiB`.padEnd(16),
          String(r.state).padEnd(7),
          unzipListMs(file),
        ].join(' '),
      );
      rmSync(file);
    }
    if (only !== '--trigger') await symbolsCase(azurite.connectionString, container, dir);
    if (only !== '--symbols') await triggerCase(azurite.connectionString);
  } finally {
    await azurite.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const SYMBOLS_MIB = 20;
const SYMBOLS_PACKAGE_MIB = 200;

/** 200 MiB packages whose SymbolReference.json is 20 MiB: the upload and its live version. */
async function symbolsCase(
  connection: string,
  container: ReturnType<BlobServiceClient['getContainerClient']>,
  dir: string,
): Promise<void> {
  const doc = largeSymbols(SYMBOLS_MIB * MiB);
  const liveSymbols = symbolReference(doc, { version: '1.1.0.0' });
  const nextSymbols = symbolReference(doc);
  const rest = SYMBOLS_PACKAGE_MIB * MiB - nextSymbols.length;
  const names = { live: 'bench-offer/live-symbols.app', next: 'bench-offer/next-symbols.app' };
  for (const [key, symbols] of [
    ['live', liveSymbols],
    ['next', nextSymbols],
  ] as const) {
    const file = path.join(dir, `${key}.app`);
    await writeAppFile(file, benchEntries(rest, symbols));
    await container.getBlockBlobClient(names[key]).uploadFile(file);
    rmSync(file);
  }
  const run = (args: string[]) => {
    const out = execFileSync(process.execPath, [__filename, ...args], { encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
  };
  const inflate = run(['--inflate', connection, names.next]);
  const validate = run(['--measure', connection, names.next, names.live]);
  const mib = (n: unknown) => `${(Number(n) / MiB).toFixed(1)} MiB`;
  console.log(
    `\n${SYMBOLS_PACKAGE_MIB} MiB .app, SymbolReference.json ${mib(nextSymbols.length)}, against a live package of the same size:`,
  );
  console.log('case                          time        peak RSS growth  bytes read   requests  result');
  const row = (label: string, r: Record<string, unknown>, result: string) =>
    console.log(
      [
        label.padEnd(29),
        `${Number(r.ms).toFixed(1)} ms`.padEnd(11),
        mib(r.peakGrowth).padEnd(16),
        mib(r.bytesRead).padEnd(12),
        String(r.requests).padEnd(9),
        result,
      ].join(' '),
    );
  row('inflate SymbolReference only', inflate, `${mib(inflate.inflated)} inflated`);
  row('validate with baseline', validate, `${String(validate.state)} ${JSON.stringify(validate.findings)}`);
}

/** Resident memory of a process, from /proc (Linux). */
function rssOf(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? 0) * 1024;
}

/** `bytes` of random data in 4 MiB chunks, so the bench itself never holds the package. */
async function* randomStream(bytes: number): AsyncGenerator<Buffer> {
  for (let left = bytes; left > 0; left -= CHUNK) yield randomBytes(Math.min(CHUNK, left));
}

/**
 * Validation from the blob's event, through the local host (design.md "Validation holds no
 * package in memory"): the host's RSS growth while a package arrives through an upload URL and its
 * report settles, for a 1 GiB blob (over the limit) and a 2 MiB one (the baseline), same host.
 */
async function triggerCase(connection: string): Promise<void> {
  const host = await startHost({ env: { AzureWebJobsStorage: connection } });
  try {
    const pid = host.pid();
    if (!pid) throw new Error('the host is not running');
    console.log('\nThe trigger path (local host, upload URL, host RSS growth until the report settles):');
    console.log('package               time         host peak RSS growth  report');
    for (const [label, bytes, file] of [
      ['2 MiB .app (baseline)', 2 * MiB, 'small'],
      ['1 GiB blob (> limit)', 1024 * MiB, 'large'],
    ] as const) {
      const offerId = `bench-trigger-${file}-${Date.now().toString(36)}`;
      const r = await uploadThroughUrl(host.baseUrl, pid, offerId, bytes, connection);
      console.log(
        [
          label.padEnd(21),
          `${r.ms.toFixed(0)} ms`.padEnd(12),
          `${(r.growth / MiB).toFixed(1)} MiB`.padEnd(21),
          `${r.state} ${r.rules.join(',')}${r.deleted ? ' (blob deleted)' : ''}`,
        ].join(' '),
      );
    }
  } finally {
    await host.stop();
  }
}

async function uploadThroughUrl(
  baseUrl: string,
  pid: number,
  offerId: string,
  bytes: number,
  connection: string,
): Promise<{ ms: number; growth: number; state: string; rules: string[]; deleted: boolean }> {
  const headers = { 'x-ms-client-principal': PEOPLE.ann, 'content-type': 'application/json' };
  const put = await fetch(`${baseUrl}/api/offers/${offerId}`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ name: 'Bench', app: { ...OFFER_APP } }),
  });
  if (put.status >= 300) throw new Error(`PUT offer answered ${put.status}`);
  const asked = await fetch(`${baseUrl}/api/offers/${offerId}/package/upload-url`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ fileName: 'bench.app', size: Math.min(bytes, MiB) }),
  });
  const target = (await asked.json()) as {
    uploadUrl: string;
    blobName: string;
    headers: Record<string, string>;
  };
  const before = rssOf(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 5);
  const started = process.hrtime.bigint();
  const client = BlobServiceClient.fromConnectionString(connection)
    .getContainerClient(CONTAINER)
    .getBlockBlobClient(target.blobName);
  const metadata = Object.fromEntries(
    Object.entries(target.headers)
      .filter(([k]) => k.startsWith('x-ms-meta-'))
      .map(([k, v]) => [k.slice('x-ms-meta-'.length), v]),
  );
  const body =
    bytes <= 2 * MiB
      ? Readable.from([
          await (async () => {
            const file = path.join(tmpdir(), `${offerId}.app`);
            await writeAppFile(file, benchEntries(bytes));
            const data = readFileSync(file);
            rmSync(file);
            return data;
          })(),
        ])
      : Readable.from(randomStream(bytes));
  await client.uploadStream(body, CHUNK, 4, { metadata });
  let report: { state: string; findings: { rule: string }[] } = { state: 'Pending', findings: [] };
  for (let i = 0; i < 1200 && report.state === 'Pending'; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const res = await fetch(`${baseUrl}/api/offers/${offerId}/package-validation`, { headers });
    if (res.status === 200) report = (await res.json()) as typeof report;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  clearInterval(sampler);
  peak = Math.max(peak, rssOf(pid));
  return {
    ms,
    growth: peak - before,
    state: report.state,
    rules: report.findings.map((f) => f.rule),
    deleted: !(await client.exists()),
  };
}

if (process.argv[2] === '--inflate') {
  measureInflate(process.argv[3] ?? '', process.argv[4] ?? '').catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
} else if (process.argv[2] === '--measure') {
  measure(process.argv[3] ?? '', process.argv[4] ?? '', process.argv[5]).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
} else {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
