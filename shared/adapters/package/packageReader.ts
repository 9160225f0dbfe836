import {
  ArchiveEntry,
  Finding,
  NAVX_HEADER_BYTES,
  PackageFormat,
  error,
  parseNavxHeader,
  startsWithNavxMagic,
} from '../../domain/package';
import { ArchiveOptions, SymbolsReading, readArchive } from './archiveReader';
import { RandomAccessSource, cachedSource, sliceSource } from './source';

export interface PackageReading {
  format: PackageFormat;
  entries: ArchiveEntry[];
  findings: Finding[];
  manifest?: Buffer;
  /** The .app header's per-build package id. */
  packageId?: string;
  /** A .app only: whether bytes (a signature) follow its zip. */
  signed?: boolean;
  /** A .app only: SymbolReference.json, read or why not. */
  symbols?: SymbolsReading;
}

const ZIP_STARTS = ['PK\x03\x04', 'PK\x05\x06'];

/**
 * Reads either format: a .app is recognised by its NAVX header (or, failing that, by its name,
 * so a damaged .app is reported as one); anything else is read as a zip with app.json.
 */
export async function readPackage(
  source: RandomAccessSource,
  fileName: string,
  options: Pick<ArchiveOptions, 'visit' | 'scratch'> = {},
): Promise<PackageReading> {
  const cached = cachedSource(source);
  const head = await cached.read(0, NAVX_HEADER_BYTES);
  if (!startsWithNavxMagic(head) && !/\.app$/i.test(fileName)) {
    return { format: 'zip', ...(await readArchive(cached, 'zip')) };
  }
  const parsed = parseNavxHeader(head, cached.size);
  if ('finding' in parsed) return { format: 'app', entries: [], findings: [parsed.finding] };
  const { packageId, contentLength } = parsed.header;
  // The zip is exactly `contentLength` bytes; a signature may follow it and is not part of it.
  const content = sliceSource(cached, NAVX_HEADER_BYTES, contentLength);
  const start = (await content.read(0, 4)).toString('latin1');
  if (!ZIP_STARTS.includes(start)) {
    return { format: 'app', packageId, entries: [], findings: [runtimePackage()] };
  }
  const signed = cached.size > NAVX_HEADER_BYTES + contentLength;
  return {
    format: 'app',
    packageId,
    signed,
    ...(await readArchive(content, 'app', { ...options, symbols: true })),
  };
}

function runtimePackage(): Finding {
  return error(
    'navx.runtime-package',
    'This .app is a runtime package (no source archive after the header); the marketplace needs the regular package built by the AL compiler.',
  );
}
