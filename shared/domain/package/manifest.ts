import { Finding, error } from './findings';
import { MANIFEST_FILES, PackageFormat } from './limits';
import { XmlElement, XmlError, childrenNamed, parseXml } from './xml';

/** An object id range as declared; null where the manifest gave no whole number. */
export interface IdRange {
  from: number | null;
  to: number | null;
}

export interface Dependency {
  id?: string;
  name?: string;
  publisher?: string;
  version?: string;
}

/**
 * The manifest of either format in one shape. Unset fields are absent: AL writes empty
 * strings for them, which count as missing.
 */
export interface PackageManifest {
  format: PackageFormat;
  id?: string;
  name?: string;
  publisher?: string;
  version?: string;
  brief?: string;
  description?: string;
  privacyStatement?: string;
  eula?: string;
  help?: string;
  url?: string;
  logo?: string;
  runtime?: string;
  application?: string;
  platform?: string;
  idRanges: IdRange[];
  dependencies: Dependency[];
}

export type TextField = Exclude<keyof PackageManifest, 'format' | 'idRanges' | 'dependencies'>;

/** How each field is spelled in each manifest, so messages name what the publisher edits. */
export const FIELD_NAMES: Record<PackageFormat, Record<TextField | 'idRanges', string>> = {
  zip: {
    id: 'id',
    name: 'name',
    publisher: 'publisher',
    version: 'version',
    brief: 'brief',
    description: 'description',
    privacyStatement: 'privacyStatement',
    eula: 'EULA',
    help: 'help',
    url: 'url',
    logo: 'logo',
    runtime: 'runtime',
    application: 'application',
    platform: 'platform',
    idRanges: 'idRanges',
  },
  app: {
    id: 'Id',
    name: 'Name',
    publisher: 'Publisher',
    version: 'Version',
    brief: 'Brief',
    description: 'Description',
    privacyStatement: 'PrivacyStatement',
    eula: 'EULA',
    help: 'Help',
    url: 'Url',
    logo: 'Logo',
    runtime: 'Runtime',
    application: 'Application',
    platform: 'Platform',
    idRanges: 'IdRanges',
  },
};

const TEXT_FIELDS = Object.keys(FIELD_NAMES.zip).filter((f) => f !== 'idRanges') as TextField[];

export type ManifestParse = { manifest: PackageManifest } | { finding: Finding };

/** Decodes manifest bytes: UTF-8 (with or without BOM) or UTF-16 with a BOM. Null when invalid. */
export function decodeManifestText(bytes: Uint8Array): string | null {
  const encoding =
    bytes[0] === 0xff && bytes[1] === 0xfe
      ? 'utf-16le'
      : bytes[0] === 0xfe && bytes[1] === 0xff
        ? 'utf-16be'
        : 'utf-8';
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

export function parseManifest(format: PackageFormat, bytes: Uint8Array): ManifestParse {
  const text = decodeManifestText(bytes);
  if (text === null) return unparseable(format, 'it is not valid UTF-8 or UTF-16 text');
  return format === 'zip' ? parseAppJson(text) : parseNavxManifest(text);
}

export function parseAppJson(text: string): ManifestParse {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    return unparseable('zip', `it is not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(json)) return unparseable('zip', 'it must be a JSON object');
  const manifest: PackageManifest = { format: 'zip', idRanges: appJsonIdRanges(json), dependencies: [] };
  for (const field of TEXT_FIELDS) setText(manifest, field, json[FIELD_NAMES.zip[field]]);
  if (Array.isArray(json.dependencies)) manifest.dependencies = json.dependencies.map(appJsonDependency);
  return { manifest };
}

export function parseNavxManifest(text: string): ManifestParse {
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (e) {
    if (e instanceof XmlError) return unparseable('app', `it is not well-formed XML (${e.message})`);
    throw e;
  }
  const app = root.name === 'Package' ? childrenNamed(root, 'App')[0] : undefined;
  if (!app) return unparseable('app', 'it has no Package/App element');
  const manifest: PackageManifest = {
    format: 'app',
    idRanges: childrenNamed(root, 'IdRanges')
      .flatMap((r) => childrenNamed(r, 'IdRange'))
      .map((r) => ({
        from: toWholeNumber(r.attributes.get('MinObjectId')),
        to: toWholeNumber(r.attributes.get('MaxObjectId')),
      })),
    dependencies: childrenNamed(root, 'Dependencies')
      .flatMap((d) => childrenNamed(d, 'Dependency'))
      .map(navxDependency),
  };
  for (const field of TEXT_FIELDS) setText(manifest, field, app.attributes.get(FIELD_NAMES.app[field]));
  return { manifest };
}

function unparseable(format: PackageFormat, why: string): ManifestParse {
  const file = MANIFEST_FILES[format];
  return {
    finding: error('manifest.unparseable', `${file} cannot be read: ${why}. Rebuild the package.`, file),
  };
}

function appJsonIdRanges(json: Record<string, unknown>): IdRange[] {
  // `idRange` (one object) is the older spelling the AL compiler still accepts.
  const raw = Array.isArray(json.idRanges) ? json.idRanges : isRecord(json.idRange) ? [json.idRange] : [];
  return raw.map((r: unknown) =>
    isRecord(r) ? { from: toWholeNumber(r.from), to: toWholeNumber(r.to) } : { from: null, to: null },
  );
}

function appJsonDependency(d: unknown): Dependency {
  if (!isRecord(d)) return {};
  return compact({
    id: text(d.id ?? d.appId),
    name: text(d.name),
    publisher: text(d.publisher),
    version: text(d.version),
  });
}

function navxDependency(d: XmlElement): Dependency {
  const a = d.attributes;
  return compact({
    id: text(a.get('Id')),
    name: text(a.get('Name')),
    publisher: text(a.get('Publisher')),
    version: text(a.get('MinVersion') ?? a.get('Version')),
  });
}

function setText(manifest: PackageManifest, field: TextField, value: unknown): void {
  const t = text(value);
  if (t !== undefined) manifest[field] = t;
}

/** Empty and blank values count as missing; numbers are accepted where a string is expected. */
function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  return value.trim() === '' ? undefined : value.trim();
}

function toWholeNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value)) return Number(value);
  return null;
}

function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
