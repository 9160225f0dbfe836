import { createHash } from 'node:crypto';
import yauzl from 'yauzl';
import { open } from 'node:fs/promises';
import { crc32, deflateRawSync } from 'node:zlib';

/**
 * The package corpus of the validation tests and the bench: real zip and .app bytes, built by a
 * small zip writer that can also lie (sizes, flags, names) the way hostile archives do.
 */
export interface ZipEntrySpec {
  name: string;
  data?: Buffer;
  /** 0 stored, 8 deflated (default). */
  method?: number;
  /** General-purpose flags to add, e.g. 1 = encrypted. */
  flags?: number;
  /** Sizes written in the headers instead of the real ones. */
  declaredUncompressed?: number;
  declaredCompressed?: number;
}

export const OFFER_APP = {
  id: '8c2f3b4e-5d6a-4b7c-9e8f-0a1b2c3d4e5f',
  name: 'Contoso Sales',
  publisher: 'Contoso',
  version: '1.2.0.0',
};

/**
 * A test offer's own app id, derived from its offer id. The marketplace refuses one app id in two
 * offers (manifest.app-id-taken) and every test of a run shares one Azurite, so offers built from
 * OFFER_APP are given this id instead.
 */
export function appIdFor(offerId: string): string {
  const h = createHash('sha256').update(offerId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An offer draft or app.json with OFFER_APP.id (as `id` or `app.id`) replaced by appIdFor(offerId). */
export function withOwnAppId<T extends Record<string, unknown>>(value: T, offerId: string): T {
  const own = appIdFor(offerId);
  const app = value.app as Record<string, unknown> | undefined;
  return {
    ...value,
    ...(value.id === OFFER_APP.id ? { id: own } : {}),
    ...(app?.id === OFFER_APP.id ? { app: { ...app, id: own } } : {}),
  };
}

interface Written {
  header: Buffer;
  data: Buffer;
  central: Buffer;
}

function writeEntry(spec: ZipEntrySpec, offset: number): Written {
  const raw = spec.data ?? Buffer.alloc(0);
  const method = spec.method ?? 8;
  const data = method === 8 ? deflateRawSync(raw) : raw;
  const name = Buffer.from(spec.name, 'utf8');
  const flags = (spec.flags ?? 0) | (/^[\x20-\x7e]*$/.test(spec.name) ? 0 : 0x800);
  const fields = {
    crc: crc32(raw),
    compressed: spec.declaredCompressed ?? data.length,
    uncompressed: spec.declaredUncompressed ?? raw.length,
  };
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(flags, 6);
  header.writeUInt16LE(method, 8);
  header.writeUInt32LE(fields.crc, 14);
  header.writeUInt32LE(fields.compressed, 18);
  header.writeUInt32LE(fields.uncompressed, 22);
  header.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(flags, 8);
  central.writeUInt16LE(method, 10);
  central.writeUInt32LE(fields.crc, 16);
  central.writeUInt32LE(fields.compressed, 20);
  central.writeUInt32LE(fields.uncompressed, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(offset, 42);
  return { header: Buffer.concat([header, name]), data, central: Buffer.concat([central, name]) };
}

export function endOfCentralDirectory(count: number, size: number, offset: number): Buffer {
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(count, 8);
  eocd.writeUInt16LE(count, 10);
  eocd.writeUInt32LE(size, 12);
  eocd.writeUInt32LE(offset, 16);
  return eocd;
}

export function buildZip(entries: ZipEntrySpec[]): Buffer {
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const spec of entries) {
    const w = writeEntry(spec, offset);
    parts.push(w.header, w.data);
    centrals.push(w.central);
    offset += w.header.length + w.data.length;
  }
  const directory = Buffer.concat(centrals);
  return Buffer.concat([
    ...parts,
    directory,
    endOfCentralDirectory(entries.length, directory.length, offset),
  ]);
}

export function appJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...OFFER_APP,
    brief: 'Sales insights for Business Central',
    description: 'Dashboards and forecasts for your sales team.',
    privacyStatement: 'https://contoso.example.com/privacy',
    EULA: 'https://contoso.example.com/eula',
    help: 'https://contoso.example.com/help',
    url: 'https://contoso.example.com',
    logo: 'logo/contoso.png',
    platform: '24.0.0.0',
    application: '24.0.0.0',
    runtime: '13.0',
    idRanges: [{ from: 50100, to: 50149 }],
    dependencies: [],
    ...overrides,
  };
}

export function zipPackage(
  manifest: Record<string, unknown> = appJson(),
  extra: ZipEntrySpec[] = [],
): Buffer {
  return buildZip([
    { name: 'app.json', data: Buffer.from(JSON.stringify(manifest, null, 2)) },
    { name: 'src/SalesInsights.Codeunit.al', data: Buffer.from('codeunit 50100 "Sales Insights" { }') },
    ...extra,
  ]);
}

export type NavxAttributes = Record<string, string>;

export function navxAttributes(overrides: NavxAttributes = {}): NavxAttributes {
  return {
    Id: OFFER_APP.id,
    Name: OFFER_APP.name,
    Publisher: OFFER_APP.publisher,
    Brief: 'Sales insights for Business Central',
    Description: 'Dashboards &amp; forecasts for your sales team.',
    Version: OFFER_APP.version,
    CompatibilityId: '0.0.0.0',
    PrivacyStatement: 'https://contoso.example.com/privacy',
    EULA: 'https://contoso.example.com/eula',
    Help: 'https://contoso.example.com/help',
    HelpBaseUrl: '',
    Url: 'https://contoso.example.com',
    Logo: '/logo/contoso.png',
    Platform: '24.0.0.0',
    Application: '24.0.0.0',
    Runtime: '13.0',
    Target: 'Cloud',
    ShowMyCode: 'True',
    ...overrides,
  };
}

/** NavxManifest.xml as the AL compiler writes it (attribute values are already XML-escaped). */
export const SYSTEM_APPLICATION =
  '<Dependency Id="63ca2fa4-4f03-4f2b-a480-172fef340d3f" Name="System Application" Publisher="Microsoft" MinVersion="24.0.0.0" />';

export function navxManifest(
  attributes: NavxAttributes = navxAttributes(),
  idRanges: [number | string, number | string][] = [[50100, 50149]],
  dependencies: string = SYSTEM_APPLICATION,
): string {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ');
  const ranges = idRanges.map(([a, b]) => `<IdRange MinObjectId="${a}" MaxObjectId="${b}" />`).join('');
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Package xmlns="http://schemas.microsoft.com/navx/2015/manifest">',
    `  <App ${attrs} />`,
    `  <IdRanges>${ranges}</IdRanges>`,
    `  <Dependencies>${dependencies}</Dependencies>`,
    '  <Features><Feature>TranslationFile</Feature></Features>',
    '</Package>',
  ].join('\r\n');
}

/** A type as SymbolReference.json writes it: `{ "Name": "Code", "Length": 20 }`. */
export interface TypeDef {
  Name: string;
  Length?: number;
  Subtype?: { Name: string; Id?: number };
  Temporary?: boolean;
}

/** `Properties: [{ Name, Value }]`, as the compiler writes every property it records. */
export type PropertySpec = { Name: string; Value: string };

/** A procedure attribute: `[Obsolete('reason', 'tag')]` is `{ Name: 'Obsolete', Arguments: [...] }`. */
export interface AttributeSpec {
  Name: string;
  Arguments?: { Value: string }[];
}

export interface SymbolFieldSpec {
  Id: number;
  Name: string;
  TypeDefinition: TypeDef;
  Properties?: PropertySpec[];
}

export interface SymbolMethodSpec {
  Id?: number;
  Name: string;
  Parameters?: { Name: string; IsVar?: boolean; TypeDefinition: TypeDef }[];
  ReturnTypeDefinition?: TypeDef;
  IsLocal?: boolean;
  IsInternal?: boolean;
  Attributes?: AttributeSpec[];
}

export interface SymbolObjectSpec {
  Id?: number;
  Name: string;
  Fields?: SymbolFieldSpec[];
  Methods?: SymbolMethodSpec[];
  Values?: { Name: string; Ordinal?: number; Properties?: PropertySpec[] }[];
  TargetObject?: string;
  Properties?: PropertySpec[];
  [other: string]: unknown;
}

/** The arrays of SymbolReference.json; the compiler writes every one, empty or not. */
export type SymbolDoc = Record<string, unknown> & {
  Tables?: SymbolObjectSpec[];
  Codeunits?: SymbolObjectSpec[];
  EnumTypes?: SymbolObjectSpec[];
  Pages?: SymbolObjectSpec[];
  TableExtensions?: SymbolObjectSpec[];
  PageExtensions?: SymbolObjectSpec[];
  EnumExtensionTypes?: SymbolObjectSpec[];
  Reports?: SymbolObjectSpec[];
  Queries?: SymbolObjectSpec[];
  XmlPorts?: SymbolObjectSpec[];
  Interfaces?: SymbolObjectSpec[];
  Namespaces?: (Record<string, unknown> & { Name: string })[];
};

/** `ObsoleteState`, `ObsoleteReason`, `ObsoleteTag` as the compiler records them under `Properties`. */
export function obsolete(state: string, reason: string, tag: string): PropertySpec[] {
  return [
    { Name: 'ObsoleteReason', Value: reason },
    { Name: 'ObsoleteState', Value: state },
    { Name: 'ObsoleteTag', Value: tag },
  ];
}

/** `[Obsolete('reason', 'tag')]` on a procedure, as the compiler records it under `Attributes`. */
export function obsoleteAttribute(reason: string, tag: string): AttributeSpec {
  return { Name: 'Obsolete', Arguments: [{ Value: reason }, { Value: tag }] };
}

const BASE_APP = '#437dbf0e84ff417a965ded2bb9650972#';

/**
 * Symbols in the shapes the AL compiler (runtime 13-14) writes, as read from real .app files:
 * each namespace's `Name` after its objects, lengths inside the type name (`Code[20]`), obsolete
 * markers under `Properties` and `Attributes`, extensions' targets prefixed with the target app's
 * id, and a page extension's added controls and actions under `ControlChanges`/`ActionChanges`.
 */
export function compilerShapedSymbols(): SymbolDoc {
  const caption = (text: string): PropertySpec => ({ Name: 'Caption', Value: text });
  return {
    Codeunits: [
      {
        Methods: [{ Id: 1180151046, Name: 'Run' }],
        ReferenceSourceFileName: 'src/LegacyTools.Codeunit.al',
        Properties: obsolete('Pending', 'Replaced by Forecast Mgt.', '2.0'),
        Id: 50110,
        Name: 'CSI Legacy Tools',
      },
    ],
    PageExtensions: [
      {
        TargetObject: `${BASE_APP}Item Card`,
        ControlChanges: [
          {
            Anchor: 'Item',
            ChangeKind: 1,
            Controls: [
              {
                Kind: 0,
                Controls: [
                  {
                    Kind: 8,
                    TypeDefinition: { Name: 'Decimal' },
                    Properties: [caption('Forecast'), { Name: 'ApplicationArea', Value: '#All' }],
                    Id: 1974966708,
                    Name: 'CSI Forecast',
                  },
                ],
                Properties: [caption('Forecast')],
                Id: 130105077,
                Name: 'CSI Forecast Group',
              },
              {
                Kind: 8,
                TypeDefinition: { Name: 'Code[13]' },
                Properties: [caption('Barcode'), { Name: 'SourceExpression', Value: 'Rec."Barcode"' }],
                Id: 1133044083,
                Name: 'Barcode',
              },
            ],
          },
        ],
        ActionChanges: [
          {
            Anchor: 'processing',
            ChangeKind: 2,
            Actions: [
              { Kind: 2, Properties: [caption('Recalculate')], Id: 1067259799, Name: 'CSI Recalculate' },
            ],
          },
        ],
        ReferenceSourceFileName: 'src/ItemCard.PageExt.al',
        Id: 50100,
        Name: 'CSI Item Card Ext',
      },
    ],
    EnumExtensionTypes: [
      {
        TargetObject: `${BASE_APP}Forecast Method`,
        Values: [{ Ordinal: 50100, Properties: [caption('Neural')], Name: 'Neural' }],
        ReferenceSourceFileName: 'src/MethodExt.EnumExt.al',
        Id: 50100,
        Name: 'CSI Method Ext',
      },
    ],
    Namespaces: [
      {
        Namespaces: [
          {
            Namespaces: [
              {
                Tables: [
                  {
                    Fields: [
                      {
                        TypeDefinition: { Name: 'Code[20]' },
                        Properties: [caption('Customer No.')],
                        Id: 1,
                        Name: 'Customer No.',
                      },
                      {
                        TypeDefinition: { Name: 'Decimal' },
                        Properties: [caption('Old Amount'), ...obsolete('Removed', 'Not used.', '2.0')],
                        Id: 2,
                        Name: 'Old Amount',
                      },
                    ],
                    Keys: [{ FieldNames: ['Customer No.'], Properties: [], Name: 'Key1' }],
                    Properties: [
                      caption('Forecast Entry'),
                      { Name: 'DataClassification', Value: 'CustomerContent' },
                    ],
                    Id: 50100,
                    Name: 'Forecast Entry',
                  },
                ],
                Codeunits: [],
                Name: 'Forecast',
              },
            ],
            Tables: [
              { Fields: [], Properties: [caption('Forecast Setup')], Id: 50101, Name: 'Forecast Setup' },
            ],
            Codeunits: [
              {
                Methods: [
                  {
                    ReturnTypeDefinition: { Name: 'Boolean' },
                    Parameters: [{ Name: 'CustomerNo', TypeDefinition: { Name: 'Code[20]' } }],
                    Id: -1587107043,
                    Name: 'Forecast',
                  },
                  {
                    Attributes: [
                      obsoleteAttribute('Use Forecast instead.', '2.0'),
                      { Name: 'Scope', Arguments: [{ Value: 'OnPrem' }] },
                    ],
                    Id: 1304721844,
                    Name: 'OldForecast',
                  },
                ],
                Properties: [{ Name: 'Access', Value: 'Public' }],
                Id: 50101,
                Name: 'Forecast Mgt.',
              },
            ],
            Name: 'Sales',
          },
        ],
        Name: 'Contoso',
      },
    ],
  };
}

const SYMBOL_ARRAYS = [
  'Tables',
  'Codeunits',
  'Pages',
  'PageExtensions',
  'PageCustomizations',
  'TableExtensions',
  'Reports',
  'XmlPorts',
  'Queries',
  'ControlAddIns',
  'EnumTypes',
  'EnumExtensionTypes',
  'DotNetPackages',
  'Interfaces',
  'PermissionSets',
  'PermissionSetExtensions',
  'ReportExtensions',
  'InternalsVisibleToModules',
];

const CODE20: TypeDef = { Name: 'Code', Length: 20 };

/**
 * The live version of the test app's symbols: a table with fields and a public and a local
 * procedure, a codeunit with public, local and internal procedures, an enum, a page, and a table
 * extension on Microsoft's Customer. Every name carries the affix "CSI".
 */
export function baseSymbols(): SymbolDoc {
  return {
    Tables: [
      {
        Id: 50100,
        Name: 'CSI Sales Forecast',
        Fields: [
          { Id: 1, Name: 'No.', TypeDefinition: CODE20 },
          { Id: 2, Name: 'Amount', TypeDefinition: { Name: 'Decimal' } },
          { Id: 3, Name: 'Customer No.', TypeDefinition: CODE20 },
        ],
        Methods: [
          { Name: 'Recalculate', ReturnTypeDefinition: { Name: 'Boolean' } },
          { Name: 'LocalHelper', IsLocal: true },
        ],
        Properties: [{ Name: 'DataClassification', Value: 'CustomerContent' }],
      },
    ],
    Codeunits: [
      {
        Id: 50100,
        Name: 'CSI Forecast Mgt.',
        Methods: [
          {
            Name: 'Forecast',
            Parameters: [
              { Name: 'CustomerNo', TypeDefinition: CODE20 },
              { Name: 'Result', IsVar: true, TypeDefinition: { Name: 'Decimal' } },
            ],
            ReturnTypeDefinition: { Name: 'Boolean' },
          },
          { Name: 'Reset' },
          {
            Name: 'CalcInternal',
            IsLocal: true,
            Parameters: [{ Name: 'X', TypeDefinition: { Name: 'Integer' } }],
          },
          { Name: 'InternalOnly', IsInternal: true },
        ],
      },
      {
        Id: 50101,
        Name: 'CSI Internal Tools',
        Properties: [{ Name: 'Access', Value: 'Internal' }],
        Methods: [{ Name: 'Run' }],
      },
    ],
    EnumTypes: [
      {
        Id: 50100,
        Name: 'CSI Forecast Method',
        Values: [
          { Name: 'Linear', Ordinal: 0 },
          { Name: 'Seasonal', Ordinal: 1 },
        ],
      },
    ],
    Pages: [{ Id: 50100, Name: 'CSI Forecast List', Controls: [{ Kind: 0, Name: 'Group' }] }],
    TableExtensions: [
      {
        Id: 50100,
        Name: 'CSI Customer Ext',
        TargetObject: 'Customer',
        Fields: [{ Id: 50100, Name: 'CSI Forecast Amount', TypeDefinition: { Name: 'Decimal' } }],
        Methods: [{ Name: 'CSIForecast' }],
      },
    ],
  };
}

/** SymbolReference.json bytes as the AL compiler writes them: BOM, every array, optional trailing bytes. */
export function symbolReference(
  doc: SymbolDoc = baseSymbols(),
  options: { bom?: boolean; trailing?: Buffer; version?: string } = {},
): Buffer {
  const full: Record<string, unknown> = { RuntimeVersion: '13.0' };
  for (const key of SYMBOL_ARRAYS) full[key] = [];
  Object.assign(full, doc, {
    AppId: OFFER_APP.id,
    Name: OFFER_APP.name,
    Publisher: OFFER_APP.publisher,
    Version: options.version ?? OFFER_APP.version,
  });
  return Buffer.concat([
    options.bom === false ? Buffer.alloc(0) : Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from(JSON.stringify(full), 'utf8'),
    options.trailing ?? Buffer.alloc(0),
  ]);
}

/** A .app of the test app whose SymbolReference.json is `symbols` (null: none). */
export function appWithSymbols(
  symbols: Buffer | null,
  manifest: string = navxManifest(),
  signature = true,
): Buffer {
  return appPackage(navxContent(manifest, [], symbols), {}, signature);
}

/**
 * The zip inside a .app: manifest, symbols, logo, and source with percent-encoded names as AL
 * writes them. `symbols` null leaves SymbolReference.json out.
 */
export function navxContent(
  manifest: string = navxManifest(),
  extra: ZipEntrySpec[] = [],
  symbols: Buffer | null = symbolReference(),
): Buffer {
  return buildZip([
    { name: 'NavxManifest.xml', data: Buffer.from(manifest, 'utf8') },
    ...(symbols ? [{ name: 'SymbolReference.json', data: symbols }] : []),
    { name: '[Content_Types].xml', data: Buffer.from('<?xml version="1.0"?><Types />') },
    { name: 'logo/contoso.png', data: Buffer.from('89504e470d0a1a0a', 'hex'), method: 0 },
    { name: 'src/Sales%20Insights.Codeunit.al', data: Buffer.from('codeunit 50100 "Sales Insights" { }') },
    ...extra,
  ]);
}

export interface NavxHeaderSpec {
  contentLength: number;
  magic?: string;
  endMagic?: string;
  metadataSize?: number;
  version?: number;
}

export const PACKAGE_GUID_BYTES = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

export function navxHeader(spec: NavxHeaderSpec): Buffer {
  const header = Buffer.alloc(40);
  header.write(spec.magic ?? 'NAVX', 0, 'latin1');
  header.writeUInt32LE(spec.metadataSize ?? 40, 4);
  header.writeUInt32LE(spec.version ?? 2, 8);
  PACKAGE_GUID_BYTES.copy(header, 12);
  header.writeBigInt64LE(BigInt(spec.contentLength), 28);
  header.write(spec.endMagic ?? 'NAVX', 36, 'latin1');
  return header;
}

/** A .app: header, content zip, and (as signed packages have) a signature after the content. */
export function appPackage(
  content: Buffer = navxContent(),
  header: Partial<NavxHeaderSpec> = {},
  signature = true,
): Buffer {
  const trailer = signature
    ? Buffer.from('3082signature-bytes-not-part-of-the-zip', 'latin1')
    : Buffer.alloc(0);
  return Buffer.concat([navxHeader({ contentLength: content.length, ...header }), content, trailer]);
}

/** Deterministic, incompressible bytes (xorshift), so stored entries stay their size. */
export function noise(bytes: number, seed = 1): Buffer {
  const out = Buffer.alloc(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= bytes; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  return out;
}

export interface HostileCase {
  bytes: Buffer;
  fileName: string;
  rule: string;
}

/** One case per hostile-archive rule; each value is the file and the name it is uploaded as. */
export function hostileCases() {
  const valid = zipPackage();
  const bomb = Buffer.alloc(2 * 1024 * 1024);
  return {
    notAZip: {
      bytes: Buffer.from('this is a text file, not a package'),
      fileName: 'p.zip',
      rule: 'zip.not-a-zip',
    },
    empty: { bytes: Buffer.alloc(0), fileName: 'p.zip', rule: 'zip.not-a-zip' },
    truncated: { bytes: valid.subarray(0, valid.length - 30), fileName: 'p.zip', rule: 'zip.truncated' },
    directoryPastEnd: {
      bytes: Buffer.concat([valid.subarray(0, 10), endOfCentralDirectory(1, 46, 5000)]),
      fileName: 'p.zip',
      rule: 'zip.truncated',
    },
    encrypted: {
      bytes: zipPackage(appJson(), [
        {
          name: 'secret.bin',
          data: Buffer.from('x'.repeat(12)),
          method: 0,
          flags: 1,
          declaredUncompressed: 0,
        },
      ]),
      fileName: 'p.zip',
      rule: 'zip.encrypted',
    },
    tooManyEntries: {
      bytes: buildZip([
        { name: 'app.json', data: Buffer.from(JSON.stringify(appJson())) },
        ...Array.from({ length: 10_000 }, (_, i) => ({ name: `f${i}`, method: 0 })),
      ]),
      fileName: 'p.zip',
      rule: 'zip.too-many-entries',
    },
    tooLarge: {
      bytes: zipPackage(appJson(), [
        {
          name: 'a.bin',
          data: Buffer.alloc(10),
          method: 0,
          declaredUncompressed: 600 * 1024 ** 2,
          declaredCompressed: 10,
        },
        {
          name: 'b.bin',
          data: Buffer.alloc(10),
          method: 0,
          declaredUncompressed: 600 * 1024 ** 2,
          declaredCompressed: 10,
        },
      ]),
      fileName: 'p.zip',
      rule: 'zip.too-large',
    },
    manifestDeclaredTooLarge: {
      bytes: buildZip([
        {
          name: 'app.json',
          data: Buffer.from(JSON.stringify(appJson())),
          declaredUncompressed: 2 * 1024 ** 2,
        },
      ]),
      fileName: 'p.zip',
      rule: 'zip.manifest-too-large',
    },
    manifestInflatesTooLarge: {
      bytes: buildZip([
        { name: 'app.json', data: Buffer.alloc(3 * 1024 ** 2, 0x20), declaredUncompressed: 1000 },
      ]),
      fileName: 'p.zip',
      rule: 'zip.manifest-too-large',
    },
    compressionRatio: {
      bytes: zipPackage(appJson(), [{ name: 'bomb.bin', data: bomb }]),
      fileName: 'p.zip',
      rule: 'zip.compression-ratio',
    },
    absolutePath: {
      bytes: zipPackage(appJson(), [{ name: '/etc/passwd', data: Buffer.from('x') }]),
      fileName: 'p.zip',
      rule: 'zip.path-traversal',
    },
    driveLetter: {
      bytes: zipPackage(appJson(), [{ name: 'C:/Windows/x.dll', data: Buffer.from('x') }]),
      fileName: 'p.zip',
      rule: 'zip.path-traversal',
    },
    dotDot: {
      bytes: zipPackage(appJson(), [{ name: 'src/../../evil.al', data: Buffer.from('x') }]),
      fileName: 'p.zip',
      rule: 'zip.path-traversal',
    },
    encodedDotDot: {
      bytes: zipPackage(appJson(), [{ name: 'src/%2e%2e/%2E%2E/evil.al', data: Buffer.from('x') }]),
      fileName: 'p.zip',
      rule: 'zip.path-traversal',
    },
    backslash: {
      bytes: zipPackage(appJson(), [{ name: 'src\\evil.al', data: Buffer.from('x') }]),
      fileName: 'p.zip',
      rule: 'zip.path-traversal',
    },
    duplicateManifest: {
      bytes: zipPackage(appJson(), [
        { name: 'app.json', data: Buffer.from(JSON.stringify(appJson({ version: '9.9.9.9' }))) },
      ]),
      fileName: 'p.zip',
      rule: 'zip.duplicate-manifest',
    },
    badMagic: {
      bytes: Buffer.concat([Buffer.from('NAVY'), navxContent()]),
      fileName: 'p.app',
      rule: 'navx.bad-magic',
    },
    badEndMagic: {
      bytes: appPackage(navxContent(), { endMagic: 'XVAN' }),
      fileName: 'p.app',
      rule: 'navx.bad-magic',
    },
    badVersion: {
      bytes: appPackage(navxContent(), { version: 3 }),
      fileName: 'p.app',
      rule: 'navx.bad-version',
    },
    badMetadataSize: {
      bytes: appPackage(navxContent(), { metadataSize: 64 }),
      fileName: 'p.app',
      rule: 'navx.bad-version',
    },
    contentLength: {
      bytes: appPackage(navxContent(), { contentLength: 10 * 1024 ** 2 }),
      fileName: 'p.app',
      rule: 'navx.content-length',
    },
    shortHeader: { bytes: Buffer.from('NAVX\x28\x00'), fileName: 'p.app', rule: 'navx.content-length' },
    runtimePackage: { bytes: appPackage(noise(4096, 7)), fileName: 'p.app', rule: 'navx.runtime-package' },
  } satisfies Record<string, HostileCase>;
}

/**
 * Writes a .app to disk one entry at a time (the bench's 200 MiB packages are never in memory):
 * a placeholder header, the zip, then the header again with the real content length.
 */
export async function writeAppFile(path: string, entries: Iterable<ZipEntrySpec>): Promise<number> {
  const file = await open(path, 'w');
  try {
    let offset = 0;
    const centrals: Buffer[] = [];
    const append = async (bytes: Buffer) => {
      await file.write(bytes, 0, bytes.length, 40 + offset);
      offset += bytes.length;
    };
    for (const spec of entries) {
      const w = writeEntry(spec, offset);
      centrals.push(w.central);
      await append(w.header);
      await append(w.data);
    }
    const directory = Buffer.concat(centrals);
    const directoryOffset = offset;
    await append(directory);
    await append(endOfCentralDirectory(centrals.length, directory.length, directoryOffset));
    await file.write(navxHeader({ contentLength: offset }), 0, 40, 0);
    return 40 + offset;
  } finally {
    await file.close();
  }
}

/**
 * Symbols of a large app, about `targetBytes` of JSON: tables with twenty fields and codeunits
 * with procedures, names varied enough to compress like real files (about 10:1), not like a bomb.
 */
export function largeSymbols(targetBytes: number, seed = 3): SymbolDoc {
  const words = noise(64 * 1024, seed)
    .toString('base64')
    .replace(/[^A-Za-z]/g, '');
  let at = 0;
  const word = (n: number) => {
    at = (at + n * 7) % (words.length - n);
    return words.slice(at, at + n);
  };
  const tables: SymbolObjectSpec[] = [];
  const codeunits: SymbolObjectSpec[] = [];
  const properties = () => [
    { Name: 'DataClassification', Value: 'CustomerContent' },
    { Name: 'Caption', Value: `${word(12)} ${word(9)}` },
    { Name: 'ToolTip', Value: `Specifies the ${word(8)} of the ${word(10)} used for ${word(7)}.` },
  ];
  let bytes = 0;
  for (let i = 0; bytes < targetBytes; i++) {
    const id = 50000 + i;
    const table: SymbolObjectSpec = {
      Id: id,
      Name: `CSI ${word(10)} ${i}`,
      Fields: Array.from({ length: 20 }, (_, f) => ({
        Id: f + 1,
        Name: `${word(8)} ${f}`,
        TypeDefinition:
          f % 3 === 0 ? { Name: 'Code', Length: 20 } : { Name: f % 3 === 1 ? 'Decimal' : 'Date' },
        Properties: properties(),
      })),
      Properties: properties(),
    };
    const codeunit: SymbolObjectSpec = {
      Id: id,
      Name: `CSI ${word(11)} Mgt ${i}`,
      Methods: Array.from({ length: 8 }, (_, m) => ({
        Name: `${word(9)}${m}`,
        Parameters: [
          { Name: word(6), TypeDefinition: { Name: 'Record', Subtype: { Name: table.Name, Id: id } } },
          { Name: word(5), IsVar: m % 2 === 0, TypeDefinition: { Name: 'Decimal' } },
        ],
        ReturnTypeDefinition: { Name: 'Boolean' },
        ...(m === 7 ? { IsLocal: true } : {}),
      })),
    };
    tables.push(table);
    codeunits.push(codeunit);
    bytes += JSON.stringify(table).length + JSON.stringify(codeunit).length;
  }
  return { Tables: tables, Codeunits: codeunits };
}

/** Every entry of a zip held in memory, by name (for reading back the small archives tests build). */
export function unzip(buffer: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error('not a zip'));
      const entries = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) =>
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        }),
      );
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
