import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite } from '../devhost/azurite';
import { blobSource, validatePackage } from '../shared/adapters/package';
import { OFFER_APP, ZipEntrySpec, navxManifest, writeAppFile } from '../test/support/packages';

/**
 * Validates 1, 50 and 200 MiB .app packages through the blob source against a local Azurite and
 * prints time, bytes read from storage and peak RSS growth, beside `unzip -l` on the same file.
 * Each validation runs in a fresh process so its peak RSS is its own.
 * Run: npm run bench:package
 */
const SIZES_MIB = [1, 50, 200];
const CHUNK = 4 * 1024 * 1024;
const CONTAINER = 'packages';
const MiB = 1024 * 1024;

function* benchEntries(totalBytes: number): Generator<ZipEntrySpec> {
  yield { name: 'NavxManifest.xml', data: Buffer.from(navxManifest()) };
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

async function measure(connection: string, blobName: string): Promise<void> {
  const client = BlobServiceClient.fromConnectionString(connection)
    .getContainerClient(CONTAINER)
    .getBlobClient(blobName);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 1);
  const started = process.hrtime.bigint();
  const source = await blobSource(client);
  const report = await validatePackage(source, { app: OFFER_APP }, blobName, new Date().toISOString());
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  const result = {
    ms,
    size: source.size,
    bytesRead: source.bytesRead,
    requests: source.requests,
    peakGrowth: peak - baseline,
    state: report.state,
    findings: report.findings.length,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
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
    for (const mib of SIZES_MIB) {
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
  } finally {
    await azurite.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--measure') {
  measure(process.argv[3] ?? '', process.argv[4] ?? '').catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
} else {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
