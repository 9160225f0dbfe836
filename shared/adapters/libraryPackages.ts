import type yauzl from 'yauzl';
import type { IngestionFinding, LibraryApp } from '../domain/ingestion';
import { boundedFindings, compareVersions } from '../domain/ingestion';
import type { AppCatalog, Finding } from '../domain/package';
import { normalizeAppId } from '../domain/package';
import { openZip } from './package/archiveReader';
import { bufferSource, RandomAccessSource } from './package/source';
import { validatePackage } from './package/validatePackage';

/**
 * Library packages of the ingestion API: a `.app` as is, or a zip of `.app` files (what
 * New-AppSourceSubmission uploads for -libraryAppFiles). Each app is validated with the package
 * rules of design.md and reported under its own file name; the apps of one upload resolve each
 * other's dependencies, as they will resolve the main app's.
 */
export const LIBRARY_LIMITS = { apps: 50, appBytes: 64 * 1024 * 1024 } as const;

export interface LibraryReading {
  apps: LibraryApp[];
  findings: IngestionFinding[];
  /** Set when the upload is not a package at all (ProcessFailed). */
  problem?: string;
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

export async function readLibraries(
  source: RandomAccessSource,
  fileName: string,
  catalog: AppCatalog,
  now: string,
): Promise<LibraryReading> {
  const kind = await packageKind(source);
  if (!kind)
    return { apps: [], findings: [], problem: `${fileName} is neither a .app nor a zip of .app files.` };
  if (source.size > LIBRARY_LIMITS.appBytes * (kind === 'app' ? 1 : LIBRARY_LIMITS.apps))
    return { apps: [], findings: [], problem: `${fileName} is larger than the library limit.` };
  const files =
    kind === 'app' ? [{ file: fileName, bytes: await source.read(0, source.size) }] : await appsInZip(source);
  if ('problem' in files) return { apps: [], findings: [], problem: `${fileName}: ${files.problem}` };
  if (files.length === 0) return { apps: [], findings: [], problem: `${fileName} holds no .app file.` };
  const reports = [];
  for (const { file, bytes } of files) {
    reports.push({
      file,
      report: await validatePackage(bufferSource(bytes), {}, file, now, { catalog }),
    });
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
  return { apps, findings: boundedFindings(findings) };
}

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

type Extracted = { file: string; bytes: Buffer }[] | { problem: string };

/** The .app entries of a zip, each inflated alone and bounded (a zip bomb stops at the limit). */
async function appsInZip(source: RandomAccessSource): Promise<Extracted> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(source);
  } catch {
    return { problem: 'the zip cannot be read' };
  }
  try {
    if (zip.entryCount > LIBRARY_LIMITS.apps * 4)
      return { problem: `more than ${LIBRARY_LIMITS.apps * 4} entries` };
    const found: { file: string; bytes: Buffer }[] = [];
    for (const entry of await entriesOf(zip)) {
      const name = Buffer.isBuffer(entry.fileName) ? entry.fileName.toString('utf8') : String(entry.fileName);
      if (!/\.app$/i.test(name) || name.endsWith('/')) continue;
      const file = name.split(/[/\\]/).pop() ?? name;
      if (found.length >= LIBRARY_LIMITS.apps)
        return { problem: `more than ${LIBRARY_LIMITS.apps} .app files` };
      if (entry.uncompressedSize > LIBRARY_LIMITS.appBytes)
        return { problem: `${file} is over the library limit` };
      found.push({ file, bytes: await inflate(zip, entry) });
    }
    return found;
  } catch {
    return { problem: 'the zip is damaged' };
  } finally {
    zip.close();
  }
}

function entriesOf(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const all: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      all.push(e);
      zip.readEntry();
    });
    zip.once('end', () => resolve(all));
    zip.once('error', reject);
    zip.readEntry();
  });
}

function inflate(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error('no stream'));
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > LIBRARY_LIMITS.appBytes) stream.destroy(new Error('over the library limit'));
        else chunks.push(chunk);
      });
      stream.once('end', () => resolve(Buffer.concat(chunks)));
      stream.once('error', reject);
    });
  });
}
