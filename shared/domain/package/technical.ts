import { Finding, error, warning } from './findings';
import { MANIFEST_FILES } from './limits';
import { Dependency, FIELD_NAMES, PackageManifest } from './manifest';
import { compareVersions } from './rules';
import { AppSymbols, EXTENSION_KINDS, SYMBOLS_FILE, SymbolObject, objectLabel } from './symbols';

/**
 * The technical rules of design.md "Technical validation of Business Central apps" that need no
 * baseline: dependencies, app id, runtime, affixes, signature, readable symbols.
 */

/** What the marketplace knows about one app id in one offer (table AppCatalog, keyed by app id). */
export interface CatalogEntry {
  appId: string;
  offerId: string;
  /** The version live in that offer, if any. */
  liveVersion?: string;
  /** The published package of that live version (container `published`). */
  livePackage?: string;
  /** When that offer's submission in progress claimed this id at step 2 (a passed report claims nothing). */
  passedAt?: string;
}

export interface AppCatalogReader {
  /** Every offer that uses this app id: one partition of the catalogue, never a scan. */
  entriesFor(appId: string): Promise<CatalogEntry[]>;
}

export interface AppCatalog extends AppCatalogReader {
  recordLive(appId: string, offerId: string, version: string, livePackage: string): Promise<void>;
}

/** App ids are GUIDs, written with or without braces and in either case. */
export function normalizeAppId(id: string): string {
  return id.replace(/[{}]/g, '').trim().toLowerCase();
}

export const MICROSOFT = 'microsoft';
const VERSION = /^\d{1,9}\.\d{1,9}\.\d{1,9}\.\d{1,9}$/;

/** Entries of the catalogue for each dependency's app id, looked up by the caller. */
export function dependencyFindings(
  manifest: PackageManifest,
  catalog: ReadonlyMap<string, readonly CatalogEntry[]>,
): Finding[] {
  return manifest.dependencies.flatMap((d, i) => {
    if (d.publisher?.trim().toLowerCase() === MICROSOFT) return [];
    const live = d.id ? liveVersions(catalog.get(normalizeAppId(d.id)) ?? []) : [];
    const wanted = d.version && VERSION.test(d.version) ? d.version : '0.0.0.0';
    if (live.some((v) => compareVersions(v, wanted) >= 0)) return [];
    return [unresolved(manifest, d, i, live)];
  });
}

function liveVersions(entries: readonly CatalogEntry[]): string[] {
  return entries.map((e) => e.liveVersion).filter((v): v is string => !!v && VERSION.test(v));
}

function unresolved(m: PackageManifest, d: Dependency, index: number, live: string[]): Finding {
  const who = `"${d.name ?? '?'}" by ${d.publisher ?? '?'} (id ${d.id ?? 'missing'}, version ${d.version ?? 'any'} or higher)`;
  const found =
    live.length > 0
      ? `only version ${live.sort(compareVersions).at(-1)} is live here`
      : 'no version of it is live here';
  const key = m.format === 'zip' ? 'dependencies' : 'Dependencies';
  const path = `${MANIFEST_FILES[m.format]}#${key}[${index}]`;
  return error(
    'dependencies.unresolved',
    `AVS0101: the dependency ${who} is not Microsoft's and ${found}. Publish that app first, or lower the dependency's version in app.json "dependencies" (NavxManifest Dependency MinVersion).`,
    path,
  );
}

/** Other offers that hold this app id: live there, or a package with it passed there. */
export function appIdFindings(
  manifest: PackageManifest,
  offerId: string | undefined,
  entries: readonly CatalogEntry[],
): Finding[] {
  if (!manifest.id) return [];
  const others = entries.filter((e) => e.offerId !== offerId && (e.liveVersion || e.passedAt));
  const [first] = others;
  if (!first) return [];
  const how = first.liveVersion
    ? `it is live there at version ${first.liveVersion}`
    : 'a package with it passed validation there';
  const more = others.length > 1 ? ` (and ${others.length - 1} more offers)` : '';
  return [
    error(
      'manifest.app-id-taken',
      `App id ${manifest.id} is already used by offer "${first.offerId}"${more}: ${how}. Each app needs its own id; generate a new GUID for app.json "id" (NavxManifest Id).`,
      `${MANIFEST_FILES[manifest.format]}#${FIELD_NAMES[manifest.format].id}`,
    ),
  ];
}

/** From Business Central 17 on, runtime major = application major - 11 (runtime 6.0 is BC 17). */
const FIRST_RUNTIME_RELEASE = 17;
const RUNTIME_OFFSET = 11;

export function runtimeFindings(m: PackageManifest): Finding[] {
  const runtime = majorMinor(m.runtime);
  const application = majorMinor(m.application);
  if (!runtime || !application || application.major < FIRST_RUNTIME_RELEASE) return [];
  const newest = application.major - RUNTIME_OFFSET;
  if (runtime.major <= newest) return [];
  return [
    error(
      'manifest.runtime-too-new',
      `AVS0002: runtime ${m.runtime} is newer than Business Central ${application.major} (application ${m.application}) supports; its newest runtime is ${newest}.x. Lower app.json "runtime" (NavxManifest Runtime) to ${newest}.0 or raise "application" to ${runtime.major + RUNTIME_OFFSET}.0.0.0.`,
      `${MANIFEST_FILES[m.format]}#${FIELD_NAMES[m.format].runtime}`,
    ),
  ];
}

function majorMinor(v: string | undefined): { major: number } | undefined {
  const match = v ? /^(\d{1,4})(\.\d+)*$/.exec(v.trim()) : null;
  return match ? { major: Number(match[1]) } : undefined;
}

/** AS0011: what the app defines, and fields and procedures it adds to others' objects, carry an affix. */
export function affixFindings(symbols: AppSymbols, affixes: readonly string[] | undefined): Finding[] {
  return symbols.objects.flatMap((o) => objectAffixFindings(o, affixes));
}

/** The affix rule for one object, so it can run as the objects are read. */
export function objectAffixFindings(o: SymbolObject, affixes: readonly string[] | undefined): Finding[] {
  const wanted = (affixes ?? []).map((a) => a.trim()).filter((a) => a !== '');
  if (wanted.length === 0) return [];
  const findings: Finding[] = [];
  const check = (name: string, what: string, path: string) => {
    if (!hasAffix(name, wanted)) findings.push(missingAffix(name, what, path, wanted));
  };
  const where = `${SYMBOLS_FILE}#${objectLabel(o)}`;
  check(o.name, objectLabel(o), where);
  if (!EXTENSION_KINDS.has(o.kind)) return findings;
  for (const f of o.fields) {
    check(f.name, `field ${f.id ?? ''} of ${label(o)}`, `${where}/Field ${f.id ?? ''} "${f.name}"`);
  }
  for (const m of o.methods) check(m.name, `procedure of ${label(o)}`, `${where}/procedure ${m.name}`);
  return findings;
}

function label(o: SymbolObject): string {
  return o.targetObject ? `${objectLabel(o)} (extends "${o.targetObject}")` : objectLabel(o);
}

function hasAffix(name: string, affixes: readonly string[]): boolean {
  const n = name.toLowerCase();
  return affixes.some((a) => n.startsWith(a.toLowerCase()) || n.endsWith(a.toLowerCase()));
}

function missingAffix(name: string, what: string, path: string, affixes: readonly string[]): Finding {
  return error(
    'symbols.missing-affix',
    `AS0011: the identifier "${name}" (${what}) must start or end with one of the offer's mandatory affixes ${affixes.join(', ')}. Rename it.`,
    path,
  );
}

export function unsignedFinding(): Finding {
  return warning(
    'package.unsigned',
    "The .app has nothing after its zip: it is not signed, and AppSource requires a signed package. Sign it (signtool, or AL-Go's signing step) and upload it again.",
  );
}

/** The size above which SymbolReference.json is not read (memory stays bounded); see README. */
export const MAX_SYMBOLS_BYTES = 64 * 1024 * 1024;

export function unreadableSymbols(why: string, baseline = false): Finding {
  const what = baseline
    ? `The live package's ${SYMBOLS_FILE} cannot be read (${why}); breaking changes were not checked.`
    : `${SYMBOLS_FILE} ${why}; the checks that need it (affixes, breaking changes) were skipped. Build the package with the AL compiler.`;
  return warning('symbols.unreadable', what, SYMBOLS_FILE);
}
