import { Finding, error, warning } from './findings';
import { decodeEntryName } from './archive';
import { MANIFEST_FILES } from './limits';
import { FIELD_NAMES, IdRange, PackageManifest, TextField } from './manifest';

/**
 * The manifest rules of design.md "Packages". Severities:
 * - error: anything that makes the package unusable or not the offer's package: missing identity
 *   (id, name, publisher, version), an id that is not a GUID, a malformed or not-higher version,
 *   every mismatch with the offer, a marketplace field missing or not an https URL (AppSource's own
 *   technical validation rejects those, a week later), malformed or overlapping id ranges.
 * - warning: what a reviewer should look at but may be fine: no id ranges at all (an app with no
 *   objects), a logo path that names no file in the package.
 */
export interface ExpectedPackage {
  app?: { id?: string; name?: string; publisher?: string; version?: string };
  lastLiveVersion?: string;
  /** The offer's `mandatoryAffixes` (AppSourceCop.json's), for the affix rule. */
  mandatoryAffixes?: readonly string[];
}

const GUID = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;
const VERSION = /^\d{1,9}\.\d{1,9}\.\d{1,9}\.\d{1,9}$/;
const IDENTITY: TextField[] = ['id', 'name', 'publisher', 'version'];
const MARKETPLACE: TextField[] = ['brief', 'description', 'privacyStatement', 'eula', 'help', 'url', 'logo'];
const URL_FIELDS: TextField[] = ['privacyStatement', 'eula', 'help', 'url'];
const MAX_OBJECT_ID = 2_147_483_647;

/** `entryNames`, when given, are the archive's entries (decoded), for the logo check. */
export function manifestFindings(
  manifest: PackageManifest,
  expected: ExpectedPackage,
  entryNames?: ReadonlySet<string>,
): Finding[] {
  return [
    ...missingFields(manifest),
    ...identityFormat(manifest),
    ...versionOrder(manifest, expected.lastLiveVersion),
    ...mismatches(manifest, expected),
    ...urlFindings(manifest),
    ...idRangeFindings(manifest),
    ...logoFindings(manifest, entryNames),
  ];
}

function label(manifest: PackageManifest, field: TextField | 'idRanges'): string {
  return FIELD_NAMES[manifest.format][field];
}

function pathOf(manifest: PackageManifest, field: TextField | 'idRanges'): string {
  return `${MANIFEST_FILES[manifest.format]}#${label(manifest, field)}`;
}

function missingFields(m: PackageManifest): Finding[] {
  const file = MANIFEST_FILES[m.format];
  return [...IDENTITY, ...MARKETPLACE]
    .filter((field) => m[field] === undefined)
    .map((field) => {
      const why = IDENTITY.includes(field)
        ? 'the package cannot be matched with the offer'
        : 'the marketplace listing needs it; AppSourceCop AS0051';
      return error(
        'manifest.missing-field',
        `${file} has no ${label(m, field)}; set ${editedKey(m, field)} and rebuild the package (${why}).`,
        pathOf(m, field),
      );
    });
}

/** The key the developer edits is always app.json's; a .app names its NavxManifest attribute beside it. */
function editedKey(m: PackageManifest, field: TextField): string {
  const key = `"${FIELD_NAMES.zip[field]}" in app.json`;
  return m.format === 'app' ? `${key} (NavxManifest attribute ${FIELD_NAMES.app[field]})` : key;
}

function identityFormat(m: PackageManifest): Finding[] {
  const file = MANIFEST_FILES[m.format];
  const findings: Finding[] = [];
  if (m.id !== undefined && !GUID.test(m.id)) {
    findings.push(
      error(
        'manifest.id-not-guid',
        `${file} ${label(m, 'id')} is "${m.id}", which is not a GUID.`,
        pathOf(m, 'id'),
      ),
    );
  }
  if (m.version !== undefined && !VERSION.test(m.version)) {
    findings.push(
      error(
        'manifest.version-format',
        `${file} ${label(m, 'version')} is "${m.version}"; it must have four numeric parts, such as 1.0.0.0.`,
        pathOf(m, 'version'),
      ),
    );
  }
  return findings;
}

function versionOrder(m: PackageManifest, lastLive: string | undefined): Finding[] {
  if (!m.version || !lastLive || !VERSION.test(m.version) || !VERSION.test(lastLive)) return [];
  if (compareVersions(m.version, lastLive) > 0) return [];
  return [
    error(
      'manifest.version-not-higher',
      `${MANIFEST_FILES[m.format]} ${label(m, 'version')} is ${m.version} but version ${lastLive} is already live; raise the version.`,
      pathOf(m, 'version'),
    ),
  ];
}

/** Compares two four-part versions numerically: 1.10.0.0 is higher than 1.9.0.0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

const SAME: Record<'id' | 'name' | 'publisher' | 'version', (a: string, b: string) => boolean> = {
  id: (a, b) => a.replace(/[{}]/g, '').toLowerCase() === b.replace(/[{}]/g, '').toLowerCase(),
  name: (a, b) => a === b,
  publisher: (a, b) => a === b,
  version: (a, b) => (VERSION.test(a) && VERSION.test(b) ? compareVersions(a, b) === 0 : a === b),
};

function mismatches(m: PackageManifest, expected: ExpectedPackage): Finding[] {
  const findings: Finding[] = [];
  for (const field of ['id', 'name', 'publisher', 'version'] as const) {
    const actual = m[field];
    const wanted = expected.app?.[field];
    if (actual === undefined || wanted === undefined || SAME[field](actual, wanted)) continue;
    findings.push(
      error(
        `manifest.${field}-mismatch`,
        `${MANIFEST_FILES[m.format]} ${label(m, field)} is ${actual} but the offer says ${wanted}; make them equal.`,
        pathOf(m, field),
      ),
    );
  }
  return findings;
}

function urlFindings(m: PackageManifest): Finding[] {
  return URL_FIELDS.filter((field) => m[field] !== undefined && !isHttpsUrl(m[field] ?? '')).map((field) =>
    error(
      'manifest.url-not-https',
      `${MANIFEST_FILES[m.format]} ${label(m, field)} is "${m[field]}"; it must be an absolute https URL.`,
      pathOf(m, field),
    ),
  );
}

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== '';
  } catch {
    return false;
  }
}

function idRangeFindings(m: PackageManifest): Finding[] {
  const path = pathOf(m, 'idRanges');
  const file = MANIFEST_FILES[m.format];
  if (m.idRanges.length === 0) {
    return [
      warning(
        'manifest.idranges-invalid',
        `${file} declares no ${label(m, 'idRanges')}; an app with objects needs at least one.`,
        path,
      ),
    ];
  }
  const invalid = m.idRanges.filter((r) => !isWellFormed(r));
  if (invalid.length > 0) {
    const shown = invalid.map((r) => `${r.from ?? '?'}..${r.to ?? '?'}`).join(', ');
    return [
      error(
        'manifest.idranges-invalid',
        `${file} ${label(m, 'idRanges')} has malformed ranges (${shown}); each needs whole numbers 1 <= from <= to.`,
        path,
      ),
    ];
  }
  return overlaps(m.idRanges as WellFormed[]).map(([a, b]) =>
    error(
      'manifest.idranges-overlap',
      `${file} ${label(m, 'idRanges')} overlap: ${a.from}..${a.to} and ${b.from}..${b.to}.`,
      path,
    ),
  );
}

type WellFormed = { from: number; to: number };

function isWellFormed(r: IdRange): r is WellFormed {
  return r.from !== null && r.to !== null && r.from >= 1 && r.from <= r.to && r.to <= MAX_OBJECT_ID;
}

function overlaps(ranges: WellFormed[]): [WellFormed, WellFormed][] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const pairs: [WellFormed, WellFormed][] = [];
  let widest: WellFormed | undefined;
  for (const range of sorted) {
    if (widest && range.from <= widest.to) pairs.push([widest, range]);
    if (!widest || range.to > widest.to) widest = range;
  }
  return pairs;
}

function logoFindings(m: PackageManifest, entryNames?: ReadonlySet<string>): Finding[] {
  if (m.format !== 'app' || !m.logo || !entryNames) return [];
  const wanted = decodeEntryName(m.logo).replace(/^\/+/, '').toLowerCase();
  if (entryNames.has(wanted)) return [];
  return [
    warning(
      'manifest.logo-not-in-package',
      `${MANIFEST_FILES.app} Logo is "${m.logo}" but the package has no such file.`,
      pathOf(m, 'logo'),
    ),
  ];
}
