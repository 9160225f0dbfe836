import { deflateRawSync, deflateSync, crc32 } from 'node:zlib';

/**
 * The sample the README walks through and the portal offers in local mode ("Download a sample
 * package"): a Business Central .app (NAVX header, content zip with NavxManifest.xml and
 * SymbolReference.json, a signature after the content) and the storefront images as real PNGs.
 * `npm run sample` (scripts/sample.ts) and the local sample-package route both build from here.
 */

export type SampleApp = { id: string; name: string; publisher: string; version: string };

/** The app the sample offer describes; the .app's NavxManifest.xml carries the same four values. */
export const SAMPLE_APP: SampleApp = {
  id: '8b1c4e0a-3f5d-4c1e-9a77-2f0d5b6c7e11',
  name: 'Sales Insights',
  publisher: 'Contoso',
  version: '1.2.0.0',
};

/** The package's file name for an app version: `SalesInsights_1.2.0.0.app`. */
export const packageFileName = (app: SampleApp) =>
  `${app.name.replace(/[^A-Za-z0-9]/g, '') || 'Sample'}_${app.version}.app`;

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A solid-colour 8-bit RGB PNG of the given size. */
export function png(width: number, height: number, rgb: [number, number, number] = [30, 120, 200]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type RGB, deflate, filter 0, no interlace
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(pixels)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

interface ZipEntry {
  name: string;
  data: Buffer;
  /** 8 deflate (default), 0 stored. */
  method?: 0 | 8;
}

/** A plain zip (deflate or stored, no data descriptors): what the AL compiler writes inside a .app. */
export function buildZip(entries: ZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const method = entry.method ?? 8;
    const data = method === 8 ? deflateRawSync(entry.data) : entry.data;
    const name = Buffer.from(entry.name, 'utf8');
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    parts.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

const xml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

/** NavxManifest.xml as the AL compiler writes it. */
function navxManifest(app: SampleApp): string {
  const attributes: Record<string, string> = {
    Id: app.id,
    Name: app.name,
    Publisher: app.publisher,
    Brief: 'Sales insights for Business Central',
    Description: 'Dashboards and forecasts for your sales team.',
    Version: app.version,
    CompatibilityId: '0.0.0.0',
    PrivacyStatement: 'https://contoso.example.com/privacy',
    EULA: 'https://contoso.example.com/eula',
    Help: 'https://contoso.example.com/help',
    HelpBaseUrl: '',
    Url: 'https://contoso.example.com',
    Logo: '/logo/SalesInsights.png',
    Platform: '24.0.0.0',
    Application: '24.0.0.0',
    Runtime: '13.0',
    Target: 'Cloud',
    ShowMyCode: 'True',
  };
  const attrs = Object.entries(attributes)
    .map(([k, v]) => `${k}="${xml(v)}"`)
    .join(' ');
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Package xmlns="http://schemas.microsoft.com/navx/2015/manifest">',
    `  <App ${attrs} />`,
    '  <IdRanges><IdRange MinObjectId="50100" MaxObjectId="50149" /></IdRanges>',
    '  <Dependencies><Dependency Id="63ca2fa4-4f03-4f2b-a480-172fef340d3f" Name="System Application" Publisher="Microsoft" MinVersion="24.0.0.0" /></Dependencies>',
    '  <Features><Feature>TranslationFile</Feature></Features>',
    '</Package>',
  ].join('\r\n');
}

/** SymbolReference.json as the AL compiler writes it (a BOM first), so the symbols can be read. */
function symbolReference(app: SampleApp): Buffer {
  const symbols = {
    RuntimeVersion: '13.0',
    AppId: app.id,
    Name: app.name,
    Publisher: app.publisher,
    Version: app.version,
    Namespaces: [],
    Tables: [],
    Codeunits: [{ Id: 50100, Name: 'Sales Insights', Methods: [] }],
    Pages: [],
    Reports: [],
    Queries: [],
    XmlPorts: [],
    EnumTypes: [],
    Interfaces: [],
  };
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(symbols), 'utf8')]);
}

/** The 40-byte NAVX header in front of the content zip. */
function navxHeader(contentLength: number): Buffer {
  const header = Buffer.alloc(40);
  header.write('NAVX', 0, 'latin1');
  header.writeUInt32LE(40, 4);
  header.writeUInt32LE(2, 8);
  Buffer.from('00112233445566778899aabbccddeeff', 'hex').copy(header, 12);
  header.writeBigInt64LE(BigInt(contentLength), 28);
  header.write('NAVX', 36, 'latin1');
  return header;
}

/** A signed-looking .app whose manifest carries `app`'s four values and passes every manifest rule. */
export function samplePackage(app: SampleApp = SAMPLE_APP): Buffer {
  const content = buildZip([
    { name: 'NavxManifest.xml', data: Buffer.from(navxManifest(app), 'utf8') },
    { name: '[Content_Types].xml', data: Buffer.from('<?xml version="1.0"?><Types />') },
    { name: 'SymbolReference.json', data: symbolReference(app) },
    { name: 'logo/SalesInsights.png', data: png(216, 216), method: 0 },
    { name: 'src/Sales%20Insights.Codeunit.al', data: Buffer.from('codeunit 50100 "Sales Insights" { }') },
  ]);
  const signature = Buffer.from('3082signature-bytes-not-part-of-the-zip', 'latin1');
  return Buffer.concat([navxHeader(content.length), content, signature]);
}
