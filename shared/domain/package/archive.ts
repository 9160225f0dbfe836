import { Finding, error } from './findings';
import { MANIFEST_FILES, PACKAGE_LIMITS, PackageFormat } from './limits';

/** One central-directory entry, as declared (sizes are the archive's claims, not measurements). */
export interface ArchiveEntry {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  compressionMethod: number;
  encrypted: boolean;
}

/** AL packages percent-encode entry names; a name that does not decode is kept as written. */
export function decodeEntryName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

export function isManifestEntry(entry: ArchiveEntry, format: PackageFormat): boolean {
  return decodeEntryName(entry.name).toLowerCase() === MANIFEST_FILES[format].toLowerCase();
}

/** Why a name could escape the extraction folder, or null; checked before and after decoding. */
export function unsafeNameReason(name: string): string | null {
  for (const form of new Set([name, decodeEntryName(name)])) {
    if (form.includes('\\')) return 'contains a backslash';
    if (form.startsWith('/') || /^[a-zA-Z]:/.test(form)) return 'is an absolute path';
    if (form.split('/').includes('..')) return 'contains ".."';
    if (form.includes('\0')) return 'contains a NUL character';
  }
  return null;
}

/** Rules about one entry; the reader calls it as it walks the central directory. */
export function entryFindings(entry: ArchiveEntry): Finding[] {
  const findings: Finding[] = [];
  const unsafe = unsafeNameReason(entry.name);
  if (unsafe) {
    findings.push(
      error(
        'zip.path-traversal',
        `Entry "${entry.name}" ${unsafe}; entry names must be relative paths inside the package.`,
        entry.name,
      ),
    );
  }
  if (entry.encrypted) {
    findings.push(
      error(
        'zip.encrypted',
        `Entry "${entry.name}" is encrypted; packages must not be password-protected.`,
        entry.name,
      ),
    );
  }
  if (exceedsRatio(entry)) {
    const ratio =
      entry.compressedSize === 0
        ? 'an unbounded'
        : `a ${Math.round(entry.uncompressedSize / entry.compressedSize)}:1`;
    findings.push(
      error(
        'zip.compression-ratio',
        `Entry "${entry.name}" declares ${entry.uncompressedSize} bytes from ${entry.compressedSize} compressed (${ratio} ratio, over ${PACKAGE_LIMITS.maxCompressionRatio}:1); this looks like a zip bomb.`,
        entry.name,
      ),
    );
  }
  return findings;
}

function exceedsRatio(entry: ArchiveEntry): boolean {
  if (entry.uncompressedSize <= PACKAGE_LIMITS.compressionRatioFloorBytes) return false;
  return entry.uncompressedSize > entry.compressedSize * PACKAGE_LIMITS.maxCompressionRatio;
}

export function tooManyEntries(count: number): Finding | null {
  if (count <= PACKAGE_LIMITS.maxEntries) return null;
  return error(
    'zip.too-many-entries',
    `The archive has ${count} entries; at most ${PACKAGE_LIMITS.maxEntries} are accepted.`,
  );
}

/** Rules about the archive as a whole, once every entry is known. */
export function archiveFindings(entries: readonly ArchiveEntry[], format: PackageFormat): Finding[] {
  const findings: Finding[] = [];
  const total = entries.reduce((sum, e) => sum + e.uncompressedSize, 0);
  if (total > PACKAGE_LIMITS.maxTotalUncompressedBytes) {
    findings.push(
      error(
        'zip.too-large',
        `The archive declares ${total} bytes uncompressed; at most ${PACKAGE_LIMITS.maxTotalUncompressedBytes} (1 GiB) are accepted.`,
      ),
    );
  }
  const manifests = entries.filter((e) => isManifestEntry(e, format));
  if (manifests.length > 1) {
    const names = manifests.map((e) => `"${e.name}"`).join(', ');
    findings.push(
      error(
        'zip.duplicate-manifest',
        `The archive has ${manifests.length} ${MANIFEST_FILES[format]} entries (${names}); keep exactly one.`,
        MANIFEST_FILES[format],
      ),
    );
  }
  return findings;
}

/** Rules about the manifest entry before any byte of it is inflated. */
export function manifestEntryFindings(entry: ArchiveEntry): Finding[] {
  const limit = PACKAGE_LIMITS.maxManifestBytes;
  if (entry.uncompressedSize > limit || entry.compressedSize > limit) {
    return [
      manifestTooLarge(
        entry.name,
        `declares ${Math.max(entry.uncompressedSize, entry.compressedSize)} bytes`,
      ),
    ];
  }
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    return [
      error(
        'zip.unsupported-compression',
        `Entry "${entry.name}" uses compression method ${entry.compressionMethod}; only stored and deflated entries can be read.`,
        entry.name,
      ),
    ];
  }
  return [];
}

export function manifestTooLarge(name: string, what: string): Finding {
  return error(
    'zip.manifest-too-large',
    `Entry "${name}" ${what}; a manifest may be at most ${PACKAGE_LIMITS.maxManifestBytes} bytes (1 MiB).`,
    name,
  );
}
