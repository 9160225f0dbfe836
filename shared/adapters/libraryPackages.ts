import type { Readable } from 'node:stream';
import type yauzl from 'yauzl';
import type { IngestionFinding, LibraryApp } from '../domain/ingestion';
import { boundedFindings, compareVersions } from '../domain/ingestion';
import type { AppCatalog, ArchiveEntry, Finding } from '../domain/package';
import { entryFindings, normalizeAppId, PACKAGE_LIMITS } from '../domain/package';
import { openZip } from './package/archiveReader';
import { RandomAccessSource, sliceSource, SourceReadError } from './package/source';
import { validatePackage } from './package/validatePackage';

/**
 * Library packages of the ingestion API: a `.app` as is, or a zip of `.app` files (what
 * New-AppSourceSubmission uploads for -libraryAppFiles). Each app is validated with the package
 * rules of design.md and reported under its own file name; the apps of one upload resolve each
 * other's dependencies, as they will resolve the main app's.
 *
 * No archive is inflated in memory (design.md "Packages"). The outer zip is judged first from its
 * central directory alone, with step 2's zip-bomb rules (ratio, total declared size) and the
 * library limits; then its apps are inflated one at a time, as a stream, into a temporary blob
 * that the package rules read by ranges, and removed before the next one. An entry that inflates
 * to more than it declared stops there: the declared sizes, bounded above, bound what is written.
 */
export const LIBRARY_LIMITS = {
  apps: 50,
  appBytes: 64 * 1024 * 1024,
  /** Everything the outer zip declares, as step 2's rule for a package (1 GiB). */
  totalBytes: PACKAGE_LIMITS.maxTotalUncompressedBytes,
  /** Entries of any kind in the outer zip (a folder entry, a readme). */
  entries: 200,
} as const;

export interface LibraryReading {
  apps: LibraryApp[];
  findings: IngestionFinding[];
}

/** What the central directory promised: the apps to validate, in the zip's order. */
export type LibraryPlan =
  | { kind: 'app'; file: string }
  | { kind: 'zip'; apps: { file: string; index: number; declaredBytes: number }[] };

/** Where one inflated app is put to be read by ranges, and taken away once validated. */
export interface ScratchBlobs {
  write(name: string, bytes: AsyncIterable<Uint8Array>): Promise<RandomAccessSource>;
  remove(name: string): Promise<void>;
}

const NAVX = Buffer.from('NAVX');
const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** The first bytes say what a file is: a Business Central .app, a zip, or neither. */
export async function packageKind(source: RandomAccessSource): Promise<'app' | 'zip' | undefined> {
  const head = await source.read(0, 4);
  if (head.equals(NAVX)) return 'app';
  if (head.equals(ZIP)) return 'zip';
  return undefined;
}

/**
 * The cheap part, on the request path: what the upload is and what its directory declares. Reads
 * the central directory only. A string is why the upload is not an acceptable library package.
 */
export async function planLibraries(
  source: RandomAccessSource,
  fileName: string,
): Promise<LibraryPlan | string> {
  const kind = await packageKind(source);
  if (!kind) return `${fileName} is neither a .app nor a zip of .app files.`;
  if (kind === 'app') {
    return source.size > LIBRARY_LIMITS.appBytes
      ? `${fileName} is larger than the library limit (${mib(LIBRARY_LIMITS.appBytes)}).`
      : { kind: 'app', file: fileName };
  }
  const entries = await directoryOf(source);
  if (typeof entries === 'string') return `${fileName}: ${entries}`;
  const problem = outerZipProblem(entries);
  if (problem) return `${fileName}: ${problem}`;
  const apps = entries.flatMap((entry, index) =>
    isApp(entry.name) ? [{ file: baseName(entry.name), index, declaredBytes: entry.uncompressedSize }] : [],
  );
  if (apps.length === 0) return `${fileName} holds no .app file.`;
  return { kind: 'zip', apps };
}

/** Step 2's rules for the archive as a whole, and the library limits, from declared sizes alone. */
function outerZipProblem(entries: ArchiveEntry[]): string | undefined {
  for (const entry of entries) {
    const [finding] = entryFindings(entry);
    if (finding) return finding.message;
  }
  const total = entries.reduce((sum, e) => sum + e.uncompressedSize, 0);
  if (total > LIBRARY_LIMITS.totalBytes)
    return `the zip declares ${total} bytes uncompressed; at most ${LIBRARY_LIMITS.totalBytes} (${mib(LIBRARY_LIMITS.totalBytes)}) are accepted.`;
  const apps = entries.filter((e) => isApp(e.name));
  if (apps.length > LIBRARY_LIMITS.apps) return `more than ${LIBRARY_LIMITS.apps} .app files`;
  for (const app of apps) {
    if (app.uncompressedSize > LIBRARY_LIMITS.appBytes)
      return `${baseName(app.name)} is over the library limit (${mib(LIBRARY_LIMITS.appBytes)}).`;
    if (app.compressionMethod !== 0 && app.compressionMethod !== 8)
      return `${baseName(app.name)} uses compression method ${app.compressionMethod}; only stored and deflated entries can be read.`;
  }
  return undefined;
}

/**
 * The slow part, in the background: each app of the plan validated with the package rules, one at
 * a time. A zip app is inflated into a scratch blob (removed before the next one); a lone .app is
 * read where it is.
 */
export async function readLibraries(
  source: RandomAccessSource,
  plan: LibraryPlan,
  scratch: { blobs: ScratchBlobs; prefix: string },
  catalog: AppCatalog,
  now: string,
): Promise<LibraryReading> {
  const reports: { file: string; report: Awaited<ReturnType<typeof validatePackage>> }[] = [];
  const problems: IngestionFinding[] = [];
  const validate = async (file: string, app: RandomAccessSource) =>
    reports.push({ file, report: await validatePackage(app, {}, file, now, { catalog }) });
  if (plan.kind === 'app') await validate(plan.file, source);
  else {
    const problem = await eachInflated(source, plan, scratch, validate);
    if (problem) problems.push(problem);
  }
  const apps: LibraryApp[] = reports.flatMap(({ file, report }) => {
    const m = report.manifest;
    return m?.id && m.version
      ? [
          {
            file: short(file),
            id: m.id,
            name: short(m.name ?? ''),
            publisher: short(m.publisher ?? ''),
            version: m.version,
          },
        ]
      : [];
  });
  const findings = reports.flatMap(({ file, report }) =>
    report.findings
      .filter((f) => f.rule !== 'manifest.app-id-taken' && !resolvedBySibling(f, report.manifest, apps))
      .map((f) => toIngestionFinding(file, f)),
  );
  return { apps, findings: boundedFindings([...problems, ...findings]) };
}

/**
 * Inflates the planned apps one by one into a scratch blob each and hands it to `validate`. The
 * bytes are counted as they stream: past the entry's declared size the stream stops and the zip
 * is reported hostile. Returns that finding, or undefined when every app was validated.
 */
async function eachInflated(
  source: RandomAccessSource,
  plan: Extract<LibraryPlan, { kind: 'zip' }>,
  scratch: { blobs: ScratchBlobs; prefix: string },
  validate: (file: string, app: RandomAccessSource) => Promise<unknown>,
): Promise<IngestionFinding | undefined> {
  const zip = await openZip(source);
  try {
    const wanted = new Map(plan.apps.map((a) => [a.index, a]));
    let index = 0;
    for await (const entry of entriesOf(zip)) {
      const app = wanted.get(index++);
      if (!app) continue;
      const name = `${scratch.prefix}.lib${app.index}`;
      try {
        const stored = await storedInPlace(source, entry);
        if (stored) {
          await validate(app.file, stored);
          continue;
        }
        const stream = await openStream(zip, entry);
        const inflated = await scratch.blobs.write(name, bounded(stream, app.declaredBytes, app.file));
        await validate(app.file, inflated);
      } catch (error) {
        if (error instanceof SourceReadError) throw error;
        return {
          code: 'zip.library-unreadable',
          message: `${app.file}: ${error instanceof Error ? error.message : String(error)}`,
          path: app.file,
          severity: 'error',
        };
      } finally {
        await scratch.blobs.remove(name);
      }
    }
    return undefined;
  } finally {
    zip.close();
  }
}

class HostileEntry extends Error {}

/**
 * A stored (uncompressed) entry is already a .app inside the outer zip: it is read there, by
 * ranges, with no copy. Its data starts after the local header, whose name and extra field may
 * differ in length from the directory's.
 */
async function storedInPlace(
  source: RandomAccessSource,
  entry: yauzl.Entry,
): Promise<RandomAccessSource | undefined> {
  if (entry.compressionMethod !== 0 || entry.compressedSize !== entry.uncompressedSize) return undefined;
  const header = await source.read(entry.relativeOffsetOfLocalHeader, 30);
  if (header.length < 30 || header.readUInt32LE(0) !== 0x04034b50)
    throw new HostileEntry('has no local header where its zip entry says.');
  const start = entry.relativeOffsetOfLocalHeader + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (start + entry.compressedSize > source.size) throw new HostileEntry('points past the end of the zip.');
  return sliceSource(source, start, entry.compressedSize);
}

/** The entry's bytes, refused as soon as they pass its declared size (a lying header). */
async function* bounded(stream: Readable, declared: number, file: string): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > declared) {
      stream.destroy();
      throw new HostileEntry(
        `inflates to more than the ${declared} bytes its zip entry declares; this looks like a zip bomb.`,
      );
    }
    yield chunk;
  }
  if (total !== declared)
    throw new HostileEntry(
      `inflates to ${total} bytes, not the ${declared} its zip entry declares (${file}).`,
    );
}

/** The central directory as entries, or why the zip cannot be read; nothing is inflated. */
async function directoryOf(source: RandomAccessSource): Promise<ArchiveEntry[] | string> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(source);
  } catch (error) {
    if (error instanceof SourceReadError) throw error;
    return 'the zip cannot be read';
  }
  try {
    if (zip.entryCount > LIBRARY_LIMITS.entries) return `more than ${LIBRARY_LIMITS.entries} entries`;
    const entries: ArchiveEntry[] = [];
    for await (const raw of entriesOf(zip)) {
      entries.push({
        name: nameOf(raw),
        compressedSize: raw.compressedSize,
        uncompressedSize: raw.uncompressedSize,
        compressionMethod: raw.compressionMethod,
        encrypted: raw.isEncrypted(),
      });
    }
    return entries;
  } catch (error) {
    if (error instanceof SourceReadError) throw error;
    return 'the zip is damaged';
  } finally {
    zip.close();
  }
}

async function* entriesOf(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  for (let i = 0; i < zip.entryCount; i++) {
    yield await new Promise<yauzl.Entry>((resolve, reject) => {
      const onEntry = (entry: yauzl.Entry) => {
        zip.removeListener('error', onError);
        resolve(entry);
      };
      const onError = (err: Error) => {
        zip.removeListener('entry', onEntry);
        reject(err);
      };
      zip.once('entry', onEntry);
      zip.once('error', onError);
      zip.readEntry();
    });
  }
}

function openStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, stream) =>
      err || !stream ? reject(err ?? new Error('no stream')) : resolve(stream),
    ),
  );
}

const nameOf = (entry: yauzl.Entry) =>
  Buffer.isBuffer(entry.fileName) ? entry.fileName.toString('utf8') : String(entry.fileName);
const isApp = (name: string) => /\.app$/i.test(name) && !name.endsWith('/');
const baseName = (name: string) => name.split(/[/\\]/).pop() ?? name;
const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

/** Names as stored with the product (one table row holds them all). */
const short = (text: string) => text.slice(0, 100);

/** A library's dependency that another library of the same upload satisfies is no finding. */
function resolvedBySibling(
  f: Finding,
  manifest: { dependencies?: { id?: string; version?: string }[] } | undefined,
  apps: LibraryApp[],
): boolean {
  if (f.rule !== 'dependencies.unresolved') return false;
  const index = /\[(\d+)\]$/.exec(f.path ?? '')?.[1];
  const dependency = index !== undefined ? manifest?.dependencies?.[Number(index)] : undefined;
  if (!dependency?.id) return false;
  const id = normalizeAppId(dependency.id);
  return apps.some(
    (a) => normalizeAppId(a.id) === id && compareVersions(a.version, dependency.version ?? '0.0.0.0') >= 0,
  );
}

function toIngestionFinding(file: string, f: Finding): IngestionFinding {
  return {
    code: f.rule,
    message: `${file}: ${f.message}`,
    path: `${file}${f.path ? `#${f.path}` : ''}`,
    severity: f.severity,
  };
}
