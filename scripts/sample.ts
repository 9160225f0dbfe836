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
 *
 * An app id belongs to one offer (design.md, `manifest.app-id-taken`), so a second offer needs an
 * app of its own: `npm run sample -- --app-id new --version 1.3.0.0` writes the same files for a
 * fresh app id (or `--app-id <GUID>`) and that version; the package is then named
 * `SalesInsights_1.3.0.0.app`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageFileName, png, SAMPLE_APP, SampleApp, samplePackage } from '../shared/sample/samplePackage';

// The generator lives in shared/ (the portal's local sample download uses it too).
export { packageFileName, SAMPLE_APP, samplePackage };
export type { SampleApp };

export const SAMPLE_FILES = {
  offer: 'offer.json',
  package: `SalesInsights_${SAMPLE_APP.version}.app`,
  logo: 'logo-216.png',
  screenshot: 'shot-1.png',
} as const;

/** The offer as PUT /api/offers/{offerId} takes it: complete, so step 1 passes. */
export function sampleOffer(app: SampleApp = SAMPLE_APP): Record<string, unknown> {
  return {
    name: 'Contoso Sales Insights',
    summary: 'Sales dashboards for Business Central',
    description: 'Dashboards and forecasts for your sales team, inside Business Central.',
    categories: ['Sales'],
    supportUrl: 'https://contoso.example/support',
    privacyPolicyUrl: 'https://contoso.example/privacy',
    eulaUrl: 'https://contoso.example/eula',
    app: { ...app },
    storefront: { logo: SAMPLE_FILES.logo, screenshots: [SAMPLE_FILES.screenshot] },
  };
}

/** Every sample file, by name. */
export function sampleFiles(app: SampleApp = SAMPLE_APP): Map<string, Buffer> {
  return new Map([
    [SAMPLE_FILES.offer, Buffer.from(`${JSON.stringify(sampleOffer(app), null, 2)}\n`)],
    [packageFileName(app), samplePackage(app)],
    [SAMPLE_FILES.logo, png(216, 216, [10, 79, 163])],
    [SAMPLE_FILES.screenshot, png(1280, 720, [225, 238, 251])],
  ]);
}

export function writeSamples(dir: string, app: SampleApp = SAMPLE_APP): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, bytes] of sampleFiles(app)) {
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

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VERSION = /^\d+\.\d+\.\d+\.\d+$/;

/** The command line: `[DIR] [--app-id new|GUID] [--version A.B.C.D]`; throws a sentence for a person. */
export function sampleArgs(argv: string[], root = projectRoot()): { dir: string; app: SampleApp } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'app-id': { type: 'string' }, version: { type: 'string' } },
  });
  const requested = values['app-id'];
  if (requested !== undefined && requested !== 'new' && !GUID.test(requested))
    throw new Error(`--app-id must be "new" or a GUID such as ${SAMPLE_APP.id} (got "${requested}")`);
  const version = values.version ?? SAMPLE_APP.version;
  if (!VERSION.test(version))
    throw new Error(`--version must have four numeric parts, such as 1.3.0.0 (got "${version}")`);
  const id =
    requested === undefined ? SAMPLE_APP.id : requested === 'new' ? randomUUID() : requested.toLowerCase();
  return {
    dir: path.resolve(positionals[0] ?? path.join(root, 'samples')),
    app: { ...SAMPLE_APP, id, version },
  };
}

if (require.main === module) {
  try {
    const { dir, app } = sampleArgs(process.argv.slice(2));
    for (const file of writeSamples(dir, app))
      console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
    console.log(`app id ${app.id}, version ${app.version}`);
  } catch (error) {
    console.error(`npm run sample: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
}
