import {
  AppCatalog,
  BreakingChanges,
  CatalogEntry,
  ExpectedPackage,
  Finding,
  PackageManifest,
  PackageReport,
  SymbolObject,
  appIdFindings,
  baselineSurface,
  completedReport,
  decodeEntryName,
  dependencyFindings,
  manifestFindings,
  normalizeAppId,
  objectAffixFindings,
  parseManifest,
  runtimeFindings,
  unreadableSymbols,
  unsignedFinding,
} from '../../domain/package';
import { SymbolsReading } from './archiveReader';
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
 * the report. Damaged or hostile packages give a Failed report; only a failure to read a source
 * (SourceReadError) is thrown, to be retried.
 */
export async function validatePackage(
  source: RandomAccessSource,
  expected: ExpectedPackage,
  blobName: string,
  now: string,
  context: TechnicalContext = {},
): Promise<PackageReport> {
  // The baseline is read first and kept as a summary; the upload's objects are then compared and
  // checked one by one as they are read, so two versions' symbols are never held at once.
  const scratch: { buffer?: Buffer } = {};
  const live = await liveSymbols(context, scratch);
  const comparison = live && 'symbols' in live ? new BreakingChanges(live.symbols) : undefined;
  const perObject = new BoundedFindings();
  const visit = (o: SymbolObject) => {
    comparison?.visit(o);
    perObject.push(objectAffixFindings(o, expected.mandatoryAffixes));
  };
  const reading = await readPackage(source, blobName, { visit, scratch });
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
      findings.push(...(await manifestTechnicalFindings(manifest, context)));
      findings.push(...symbolFindings(reading, live, comparison, perObject));
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
  // A Passed report claims nothing: the app id is claimed when step 2 passes (readPackageReport).
  return report;
}

/** Findings of a rule run per object, kept up to a bound: a hostile app may have 100,000 objects. */
class BoundedFindings {
  static readonly MAX = 1000;
  readonly items: Finding[] = [];
  push(findings: Finding[]): void {
    for (const f of findings) if (this.items.length < BoundedFindings.MAX) this.items.push(f);
  }
}

async function manifestTechnicalFindings(
  manifest: PackageManifest,
  context: TechnicalContext,
): Promise<Finding[]> {
  const catalog = await catalogEntries(manifest, context);
  const own = manifest.id ? (catalog.get(normalizeAppId(manifest.id)) ?? []) : [];
  return [
    ...dependencyFindings(manifest, catalog),
    ...appIdFindings(manifest, context.offerId, own),
    ...runtimeFindings(manifest),
  ];
}

function symbolFindings(
  reading: PackageReading,
  live: SymbolsReading | undefined,
  comparison: BreakingChanges | undefined,
  perObject: BoundedFindings,
): Finding[] {
  if (reading.format !== 'app') return [];
  const findings: Finding[] = reading.signed === false ? [unsignedFinding()] : [];
  const symbols = reading.symbols;
  // No reading at all: the entry was unsafe, and that is already a finding of its own.
  if (!symbols) return findings;
  if ('problem' in symbols) return [...findings, unreadableSymbols(symbols.problem)];
  findings.push(...perObject.items);
  if (live && 'problem' in live) findings.push(unreadableSymbols(live.problem, true));
  if (comparison) findings.push(...comparison.findings().slice(0, BoundedFindings.MAX));
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
async function liveSymbols(
  context: TechnicalContext,
  scratch: { buffer?: Buffer },
): Promise<SymbolsReading | undefined> {
  const live = context.baseline ? await context.baseline() : undefined;
  if (!live) return undefined;
  const kept: SymbolObject[] = [];
  const keep = (o: SymbolObject) => {
    const surface = baselineSurface(o);
    if (surface) kept.push(surface);
  };
  const baseline = await readPackage(live.source, live.name, { scratch, visit: keep });
  const symbols = baseline.format === 'app' ? baseline.symbols : undefined;
  return symbols && 'symbols' in symbols ? { symbols: { ...symbols.symbols, objects: kept } } : symbols;
}
