import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import {
  AppSymbols,
  ArchiveEntry,
  MAX_SYMBOLS_BYTES,
  SYMBOLS_FILE,
  SymbolsError,
  decodeEntryName,
  SymbolObject,
  parseSymbols,
  readSymbols as readSymbolObjects,
  Finding,
  PACKAGE_LIMITS,
  PackageFormat,
  archiveFindings,
  entryFindings,
  error,
  isManifestEntry,
  manifestEntryFindings,
  manifestTooLarge,
  tooManyEntries,
  MANIFEST_FILES,
} from '../../domain/package';
import { CACHE_BLOCK_BYTES, RandomAccessSource, SourceReadError } from './source';

/** What the reader learned from the central directory and the manifest entry, and nothing more. */
export interface ArchiveReading {
  entries: ArchiveEntry[];
  findings: Finding[];
  /** The manifest's bytes, when exactly one readable manifest entry exists. */
  manifest?: Buffer;
  /** SymbolReference.json, when asked for: its symbols, or why they cannot be read. */
  symbols?: SymbolsReading;
}

export type SymbolsReading = { symbols: AppSymbols } | { problem: string };

export interface ArchiveOptions {
  /** Also read SymbolReference.json (a .app's), inflating that one entry and nothing else. */
  symbols?: boolean;
  /** Hands each symbol object to the caller as it is read instead of keeping them in the reading. */
  visit?: (o: SymbolObject) => void;
  /**
   * A buffer to inflate SymbolReference.json into, shared by the sequential reads of one
   * validation (baseline, then upload) so the second does not allocate beside the first's garbage.
   */
  scratch?: { buffer?: Buffer };
}

const GENERAL_PURPOSE_UTF8 = 0x800;
const STRONG_ENCRYPTION = 0x40;

/** yauzl's random-access contract over our source; streams are pulled block by block. */
class SourceReader extends yauzl.RandomAccessReader {
  constructor(private readonly source: RandomAccessSource) {
    super();
  }

  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: Error | null, bytesRead?: number) => void,
  ): void {
    this.source.read(position, length).then(
      (bytes) => callback(null, bytes.copy(buffer, offset)),
      (e: unknown) => callback(e instanceof Error ? e : new SourceReadError(String(e))),
    );
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const source = this.source;
    return Readable.from(
      (async function* () {
        for (let at = start; at < end; at += CACHE_BLOCK_BYTES) {
          const bytes = await source.read(at, Math.min(CACHE_BLOCK_BYTES, end - at));
          if (bytes.length === 0) return;
          yield bytes;
        }
      })(),
      { objectMode: false },
    );
  }
}

/**
 * Reads the central directory and the manifest entry of a zip, never the rest: a 200 MiB package
 * costs its directory and one small entry. Hostile input becomes findings; only a failure to read
 * the source is thrown.
 */
export async function readArchive(
  source: RandomAccessSource,
  format: PackageFormat,
  options: ArchiveOptions = {},
): Promise<ArchiveReading> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(source);
  } catch (e) {
    return { entries: [], findings: [await openFailure(e, source)] };
  }
  try {
    return await readOpenZip(zip, format, options);
  } catch (e) {
    return { entries: [], findings: [structureFailure(e)] };
  } finally {
    zip.close();
  }
}

/** Opens the zip for ranged reads of `source` (also the bench's baseline for inflating one entry). */
export function openZip(source: RandomAccessSource): Promise<yauzl.ZipFile> {
  const options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false };
  return new Promise((resolve, reject) =>
    yauzl.fromRandomAccessReader(new SourceReader(source), source.size, options, (err, zip) =>
      err ? reject(err) : resolve(zip),
    ),
  );
}

async function readOpenZip(
  zip: yauzl.ZipFile,
  format: PackageFormat,
  options: ArchiveOptions,
): Promise<ArchiveReading> {
  const tooMany = tooManyEntries(zip.entryCount);
  if (tooMany) return { entries: [], findings: [tooMany] };
  const entries: ArchiveEntry[] = [];
  const findings: Finding[] = [];
  const candidates: yauzl.Entry[] = [];
  const symbolEntries: { raw: yauzl.Entry; entry: ArchiveEntry; safe: boolean }[] = [];
  for await (const raw of centralDirectory(zip)) {
    const entry = toArchiveEntry(raw);
    entries.push(entry);
    const own = entryFindings(entry);
    findings.push(...own);
    if (isManifestEntry(entry, format)) candidates.push(raw);
    if (options.symbols && isSymbolsEntry(entry)) symbolEntries.push({ raw, entry, safe: own.length === 0 });
  }
  findings.push(...archiveFindings(entries, format));
  const reading = await readManifestPart(zip, format, entries, findings, candidates);
  if (!options.symbols) return reading;
  const symbols = await symbolsOf(zip, symbolEntries, options);
  return symbols ? { ...reading, symbols } : reading;
}

async function readManifestPart(
  zip: yauzl.ZipFile,
  format: PackageFormat,
  entries: ArchiveEntry[],
  findings: Finding[],
  candidates: yauzl.Entry[],
): Promise<ArchiveReading> {
  const [only, ...more] = candidates;
  if (!only) {
    findings.push(missingManifest(format));
    return { entries, findings };
  }
  const manifestEntry = entries.find((e) => isManifestEntry(e, format));
  if (more.length > 0 || !manifestEntry || manifestEntry.encrypted) return { entries, findings };
  const before = manifestEntryFindings(manifestEntry);
  if (before.length > 0) return { entries, findings: [...findings, ...before] };
  const manifest = await readManifest(zip, only, manifestEntry.name);
  if (!Buffer.isBuffer(manifest)) return { entries, findings: [...findings, manifest] };
  return { entries, findings, manifest };
}

async function* centralDirectory(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  for (let i = 0; i < zip.entryCount; i++) {
    yield await new Promise<yauzl.Entry>((resolve, reject) => {
      const cleanup = () => {
        zip.removeListener('entry', onEntry);
        zip.removeListener('error', onError);
      };
      const onEntry = (entry: yauzl.Entry) => {
        cleanup();
        resolve(entry);
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      zip.once('entry', onEntry);
      zip.once('error', onError);
      zip.readEntry();
    });
  }
}

function toArchiveEntry(raw: yauzl.Entry): ArchiveEntry {
  // With decodeStrings off, yauzl hands over the raw name, so unsafe names become findings, not errors.
  const bytes = raw.fileName as unknown as Buffer;
  const utf8 = (raw.generalPurposeBitFlag & GENERAL_PURPOSE_UTF8) !== 0;
  return {
    name: bytes.toString(utf8 ? 'utf8' : 'latin1'),
    compressedSize: raw.compressedSize,
    uncompressedSize: raw.uncompressedSize,
    compressionMethod: raw.compressionMethod,
    encrypted: raw.isEncrypted() || (raw.generalPurposeBitFlag & STRONG_ENCRYPTION) !== 0,
  };
}

/** Inflates the manifest up to the limit and stops there, whatever its header declared. */
async function readManifest(zip: yauzl.ZipFile, raw: yauzl.Entry, name: string): Promise<Buffer | Finding> {
  const limit = PACKAGE_LIMITS.maxManifestBytes;
  let stream: Readable;
  try {
    stream = await new Promise<Readable>((resolve, reject) =>
      zip.openReadStream(raw, (err, s) => (err ? reject(err) : resolve(s))),
    );
  } catch (e) {
    return structureFailure(e);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limit) {
        stream.destroy();
        return manifestTooLarge(name, 'inflates to more than its limit');
      }
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof SourceReadError) throw e;
    return error(
      'zip.corrupt',
      `Entry "${name}" cannot be inflated (${describe(e)}); rebuild the package.`,
      name,
    );
  }
  const bytes = Buffer.concat(chunks);
  if (crc32(bytes) !== raw.crc32) {
    return error(
      'zip.corrupt',
      `Entry "${name}" does not match its checksum; the package is damaged. Upload it again.`,
      name,
    );
  }
  return bytes;
}

function isSymbolsEntry(entry: ArchiveEntry): boolean {
  return decodeEntryName(entry.name).toLowerCase() === SYMBOLS_FILE.toLowerCase();
}

/** Undefined when the entry has findings of its own (unsafe, encrypted): those already fail it. */
async function symbolsOf(
  zip: yauzl.ZipFile,
  found: { raw: yauzl.Entry; entry: ArchiveEntry; safe: boolean }[],
  options: ArchiveOptions,
): Promise<SymbolsReading | undefined> {
  const [only, ...more] = found;
  if (!only) return { problem: 'is missing from the package' };
  if (more.length > 0) return { problem: 'appears more than once in the package' };
  if (!only.safe) return undefined;
  return readSymbols(zip, only.raw, options);
}

/**
 * Inflates SymbolReference.json into one buffer of its declared size, at most MAX_SYMBOLS_BYTES
 * (above that it is reported unreadable, not read), and hands it to the selective parser; the
 * buffer is dropped when the symbols are built.
 */
async function readSymbols(
  zip: yauzl.ZipFile,
  raw: yauzl.Entry,
  { visit, scratch }: ArchiveOptions,
): Promise<SymbolsReading> {
  const size = raw.uncompressedSize;
  if (size > MAX_SYMBOLS_BYTES) {
    const mib = (n: number) => `${Math.ceil(n / 1024 / 1024)} MiB`;
    return { problem: `is ${mib(size)}, over the ${mib(MAX_SYMBOLS_BYTES)} the marketplace reads` };
  }
  if (raw.compressionMethod !== 0 && raw.compressionMethod !== 8) {
    return { problem: `uses compression method ${raw.compressionMethod}` };
  }
  const buffer = bufferFor(size, scratch);
  let filled = 0;
  try {
    const stream = await new Promise<Readable>((resolve, reject) =>
      zip.openReadStream(raw, (err, s) => (err ? reject(err) : resolve(s))),
    );
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (filled + chunk.length > size) {
        stream.destroy();
        return { problem: 'inflates to more than its declared size' };
      }
      chunk.copy(buffer, filled);
      filled += chunk.length;
    }
  } catch (e) {
    if (e instanceof SourceReadError) throw e;
    return { problem: `cannot be inflated (${describe(e)})` };
  }
  if (filled !== size || crc32(buffer) !== raw.crc32) return { problem: 'does not match its checksum' };
  try {
    return { symbols: visit ? readSymbolObjects(buffer, visit) : parseSymbols(buffer) };
  } catch (e) {
    if (e instanceof SymbolsError) return { problem: `is not valid JSON (${e.message})` };
    throw e;
  }
}

function bufferFor(size: number, scratch: ArchiveOptions['scratch']): Buffer {
  if (scratch?.buffer && scratch.buffer.length >= size) return scratch.buffer.subarray(0, size);
  const buffer = Buffer.allocUnsafe(size);
  if (scratch) scratch.buffer = buffer;
  return buffer;
}

function missingManifest(format: PackageFormat): Finding {
  const file = MANIFEST_FILES[format];
  const hint =
    format === 'zip'
      ? 'Put app.json at the top level of the zip, not in a folder.'
      : 'Rebuild the .app with the AL compiler.';
  return error('manifest.missing', `The package has no ${file} at its root. ${hint}`, file);
}

async function openFailure(e: unknown, source: RandomAccessSource): Promise<Finding> {
  if (e instanceof SourceReadError) throw e;
  const message = describe(e);
  if (/End of central directory record signature not found/.test(message)) {
    const head = await source.read(0, 4);
    return head.toString('latin1') === 'PK\x03\x04'
      ? truncated()
      : error(
          'zip.not-a-zip',
          'The file is not a zip archive. Upload the .app built by the AL compiler or a zip with app.json at its root.',
        );
  }
  return structureFailure(e);
}

function structureFailure(e: unknown): Finding {
  if (e instanceof SourceReadError) throw e;
  const message = describe(e);
  if (/unexpected EOF|overflows file bounds|Invalid comment length/i.test(message)) return truncated();
  if (/strong encryption/i.test(message)) {
    return error('zip.encrypted', 'The archive uses strong encryption; packages must not be encrypted.');
  }
  return error(
    'zip.corrupt',
    `The archive is damaged (${message}); rebuild the package and upload it again.`,
  );
}

function truncated(): Finding {
  return error(
    'zip.truncated',
    'The archive is truncated or damaged: its directory is missing or points past the end of the file. Upload the package again.',
  );
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
