import {
  AppCatalog,
  AppSymbols,
  CatalogEntry,
  ExpectedPackage,
  Finding,
  PackageManifest,
  PackageReport,
  affixFindings,
  appIdFindings,
  breakingChanges,
  completedReport,
  decodeEntryName,
  dependencyFindings,
  manifestFindings,
  normalizeAppId,
  parseManifest,
  runtimeFindings,
  unreadableSymbols,
  unsignedFinding,
} from '../../domain/package';
import { PackageReading, readPackage } from './packageReader';
import { RandomAccessSource } from './source';

export type { ExpectedPackage } from '../../domain/package';

/**
 * What the technical rules need from the marketplace, beyond the offer: the catalogue of app ids
 * (dependencies, app id taken) and the offer's live package (the breaking-change baseline).
 * Without it those rules see an empty marketplace: no baseline, nothing live.
 */
export interface TechnicalContext {
  offerId?: string;
  catalog?: AppCatalog;
  /** Opens the live package of the offer; undefined when nothing is live. */
  baseline?: () => Promise<{ source: RandomAccessSource; name: string } | undefined>;
}

/**
 * The one entry point: reads the package through `source` (central directory, manifest and, in a
 * .app, SymbolReference.json only), applies the archive, manifest and technical rules and returns
 * the report. A Passed report claims its app id for the offer in the catalogue. Damaged or
 * hostile packages give a Failed report; only a failure to read a source (SourceReadError) is
 * thrown, to be retried.
 */
export async function validatePackage(
  source: RandomAccessSource,
  expected: ExpectedPackage,
  blobName: string,
  now: string,
  context: TechnicalContext = {},
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
      findings.push(...(await technicalFindings(reading, manifest, expected, context)));
    }
  }
  const report = completedReport({
    blobName,
    ...(source.etag ? { etag: source.etag } : {}),
    now,
    findings,
    ...(manifest ? { manifest } : {}),
    ...(reading.packageId ? { packageId: reading.packageId } : {}),
  });
  if (report.state === 'Passed' && manifest?.id && context.offerId && context.catalog) {
    await context.catalog.recordPassed(manifest.id, context.offerId, now);
  }
  return report;
}

async function technicalFindings(
  reading: PackageReading,
  manifest: PackageManifest,
  expected: ExpectedPackage,
  context: TechnicalContext,
): Promise<Finding[]> {
  const catalog = await catalogEntries(manifest, context);
  const findings: Finding[] = [
    ...dependencyFindings(manifest, catalog),
    ...appIdFindings(manifest, context.offerId, manifest.id ? (catalog.get(normalizeAppId(manifest.id)) ?? []) : []),
    ...runtimeFindings(manifest),
  ];
  if (reading.format !== 'app') return findings;
  if (reading.signed === false) findings.push(unsignedFinding());
  const symbols = reading.symbols;
  if (!symbols) return findings;
  if ('problem' in symbols) return [...findings, unreadableSymbols(symbols.problem)];
  findings.push(...affixFindings(symbols.symbols, expected.mandatoryAffixes));
  findings.push(...(await breakingFindings(symbols.symbols, context)));
  return findings;
}

/** One catalogue partition per app id the rules ask about: this app's and its dependencies'. */
async function catalogEntries(
  manifest: PackageManifest,
  context: TechnicalContext,
): Promise<Map<string, CatalogEntry[]>> {
  const ids = new Set(
    [manifest.id, ...manifest.dependencies.map((d) => d.id)]
      .filter((id): id is string => !!id)
      .map(normalizeAppId),
  );
  const map = new Map<string, CatalogEntry[]>();
  if (!context.catalog) return map;
  const catalog = context.catalog;
  await Promise.all([...ids].map(async (id) => map.set(id, await catalog.entriesFor(id))));
  return map;
}

/** The live package is read like the upload: ranged reads, its symbols entry inflated alone. */
async function breakingFindings(next: AppSymbols, context: TechnicalContext): Promise<Finding[]> {
  const live = context.baseline ? await context.baseline() : undefined;
  if (!live) return [];
  const baseline = await readPackage(live.source, live.name);
  const symbols = baseline.symbols;
  if (baseline.format !== 'app' || !symbols) return [];
  if ('problem' in symbols) return [unreadableSymbols(symbols.problem, true)];
  return breakingChanges(symbols.symbols, next);
}
