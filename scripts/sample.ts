/**
 * npm run sample: writes a complete, valid offer to samples/ (git-ignored) so the README's
 * walk-through can be followed as written:
 *
 *   samples/offer.json                the offer (every field step 1 needs)
 *   samples/SalesInsights_1.2.0.0.app a Business Central .app (NAVX header + zip with NavxManifest.xml)
 *   samples/logo-216.png              the 216x216 storefront logo
 *   samples/shot-1.png                a 1280x720 screenshot
 *
 * The bytes come from the same builders the tests use (test/support), so what the README shows
 * and what the validation tests check cannot drift apart. `node dist/scripts/sample.js DIR` writes
 * into DIR instead.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { png } from '../test/support/images';
import { appPackage, buildZip, navxAttributes, navxManifest } from '../test/support/packages';

/** The app the sample offer describes; the .app's NavxManifest.xml carries the same four values. */
export const SAMPLE_APP = {
  id: '8b1c4e0a-3f5d-4c1e-9a77-2f0d5b6c7e11',
  name: 'Sales Insights',
  publisher: 'Contoso',
  version: '1.2.0.0',
} as const;

export const SAMPLE_FILES = {
  offer: 'offer.json',
  package: `SalesInsights_${SAMPLE_APP.version}.app`,
  logo: 'logo-216.png',
  screenshot: 'shot-1.png',
} as const;

/** The offer as PUT /api/offers/{offerId} takes it: complete, so step 1 passes. */
export function sampleOffer(): Record<string, unknown> {
  return {
    name: 'Contoso Sales Insights',
    summary: 'Sales dashboards for Business Central',
    description: 'Dashboards and forecasts for your sales team, inside Business Central.',
    categories: ['Sales'],
    supportUrl: 'https://contoso.example/support',
    privacyPolicyUrl: 'https://contoso.example/privacy',
    eulaUrl: 'https://contoso.example/eula',
    app: { ...SAMPLE_APP },
    storefront: { logo: SAMPLE_FILES.logo, screenshots: [SAMPLE_FILES.screenshot] },
  };
}

/**
 * SymbolReference.json as the AL compiler writes it (a BOM first). Without it the technical
 * validation would warn that the symbols cannot be read.
 */
function symbolReference(): Buffer {
  const symbols = {
    RuntimeVersion: '13.0',
    AppId: SAMPLE_APP.id,
    Name: SAMPLE_APP.name,
    Publisher: SAMPLE_APP.publisher,
    Version: SAMPLE_APP.version,
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

/** A signed-looking .app whose manifest matches sampleOffer().app and passes every manifest rule. */
export function samplePackage(): Buffer {
  const manifest = navxManifest(
    navxAttributes({
      Id: SAMPLE_APP.id,
      Name: SAMPLE_APP.name,
      Publisher: SAMPLE_APP.publisher,
      Version: SAMPLE_APP.version,
      Logo: '/logo/SalesInsights.png',
    }),
  );
  return appPackage(
    buildZip([
      { name: 'NavxManifest.xml', data: Buffer.from(manifest, 'utf8') },
      { name: '[Content_Types].xml', data: Buffer.from('<?xml version="1.0"?><Types />') },
      { name: 'SymbolReference.json', data: symbolReference() },
      { name: 'logo/SalesInsights.png', data: png(216, 216), method: 0 },
      { name: 'src/Sales%20Insights.Codeunit.al', data: Buffer.from('codeunit 50100 "Sales Insights" { }') },
    ]),
  );
}

/** Every sample file, by name. */
export function sampleFiles(): Map<string, Buffer> {
  return new Map([
    [SAMPLE_FILES.offer, Buffer.from(`${JSON.stringify(sampleOffer(), null, 2)}\n`)],
    [SAMPLE_FILES.package, samplePackage()],
    [SAMPLE_FILES.logo, png(216, 216, [10, 79, 163])],
    [SAMPLE_FILES.screenshot, png(1280, 720, [225, 238, 251])],
  ]);
}

export function writeSamples(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, bytes] of sampleFiles()) {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    written.push(file);
  }
  return written;
}

/** The project root, whether this runs compiled (dist/scripts) or from source. */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

if (require.main === module) {
  const dir = path.resolve(process.argv[2] ?? path.join(projectRoot(), 'samples'));
  for (const file of writeSamples(dir)) console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
}
