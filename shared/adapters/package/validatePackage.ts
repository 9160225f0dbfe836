import {
  ExpectedPackage,
  Finding,
  PackageManifest,
  PackageReport,
  completedReport,
  decodeEntryName,
  manifestFindings,
  parseManifest,
} from '../../domain/package';
import { readPackage } from './packageReader';
import { RandomAccessSource } from './source';

export type { ExpectedPackage } from '../../domain/package';

/**
 * The one entry point: reads the package through `source` (central directory and manifest only),
 * applies the archive and manifest rules and returns the report. Damaged or hostile packages give
 * a Failed report; only a failure to read the source (SourceReadError) is thrown, to be retried.
 */
export async function validatePackage(
  source: RandomAccessSource,
  expected: ExpectedPackage,
  blobName: string,
  now: string,
): Promise<PackageReport> {
  const reading = await readPackage(source, blobName);
  const findings: Finding[] = [...reading.findings];
  let manifest: PackageManifest | undefined;
  if (reading.manifest) {
    const parsed = parseManifest(reading.format, reading.manifest);
    if ('finding' in parsed) {
      findings.push(parsed.finding);
    } else {
      manifest = parsed.manifest;
      const names = new Set(reading.entries.map((e) => decodeEntryName(e.name).toLowerCase()));
      findings.push(...manifestFindings(manifest, expected, names));
    }
  }
  return completedReport({
    blobName,
    ...(source.etag ? { etag: source.etag } : {}),
    now,
    findings,
    ...(manifest ? { manifest } : {}),
    ...(reading.packageId ? { packageId: reading.packageId } : {}),
  });
}
