import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bufferSource, validatePackage } from '../../shared/adapters/package';
import { SAMPLE_APP } from '../../scripts/sample';
import { testServices, uniqueOfferId } from '../api/support';

/**
 * `npm run sample -- --app-id new --version 1.3.0.0`: the sample for a second offer. An app id
 * belongs to one offer (manifest.app-id-taken), so the default sample can be used once; this one
 * has a fresh id and the given version, and passes validation in another offer.
 */
const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'dist/scripts/sample.js');
const services = testServices();
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'sample-args-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the compiled script, as `npm run sample -- ARGS` does after its build, in `cwd`. */
function sample(args: string[], cwd: string) {
  const run = spawnSync(process.execPath, [SCRIPT, ...args], { cwd, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

type App = { id: string; name: string; publisher: string; version: string };
const offerIn = (dir: string) =>
  JSON.parse(readFileSync(path.join(dir, 'offer.json'), 'utf8')) as { app: App };

async function validateIn(offerId: string, dir: string, file: string) {
  const bytes = readFileSync(path.join(dir, file));
  return validatePackage(
    bufferSource(bytes),
    { app: offerIn(dir).app },
    `${offerId}/${file}`,
    new Date().toISOString(),
    {
      offerId,
      catalog: services.appCatalog,
    },
  );
}

describe('npm run sample -- --app-id new --version 1.3.0.0', () => {
  it('writes the sample for a fresh app id and that version, a new id each time', () => {
    const first = path.join(scratch, 'first');
    const second = path.join(scratch, 'second');
    for (const dir of [first, second]) {
      const run = sample([dir, '--app-id', 'new', '--version', '1.3.0.0'], ROOT);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      expect(existsSync(path.join(dir, 'SalesInsights_1.3.0.0.app'))).toBe(true);
      expect(existsSync(path.join(dir, 'logo-216.png'))).toBe(true);
      expect(run.stdout).toContain(`app id ${offerIn(dir).app.id}, version 1.3.0.0`);
    }
    const ids = [offerIn(first).app.id, offerIn(second).app.id];
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set([...ids, SAMPLE_APP.id]).size).toBe(3);
    expect(offerIn(first).app).toEqual({ ...SAMPLE_APP, id: ids[0], version: '1.3.0.0' });
  });

  it('gives a second offer a package that passes where the default sample’s app id is taken', async () => {
    const holder = uniqueOfferId('sample-a');
    const second = uniqueOfferId('sample-b');
    await services.appCatalog.recordLive(SAMPLE_APP.id, holder, SAMPLE_APP.version, `${holder}/x.app`);

    const plain = path.join(scratch, 'plain');
    expect(sample([plain], ROOT).code).toBe(0);
    const taken = await validateIn(second, plain, 'SalesInsights_1.2.0.0.app');
    expect(taken.findings.map((f) => f.rule)).toContain('manifest.app-id-taken');

    const fresh = path.join(scratch, 'fresh');
    expect(sample([fresh, '--app-id', 'new', '--version', '1.3.0.0'], ROOT).code).toBe(0);
    const passed = await validateIn(second, fresh, 'SalesInsights_1.3.0.0.app');
    expect({ state: passed.state, findings: passed.findings }).toEqual({ state: 'Passed', findings: [] });
  });

  it('takes a GUID of your own, and refuses a malformed id or version with a sentence', () => {
    const own = path.join(scratch, 'own');
    const guid = '0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9';
    expect(sample([own, '--app-id', guid], ROOT).code).toBe(0);
    expect(offerIn(own).app).toEqual({ ...SAMPLE_APP, id: guid.toLowerCase() });
    const badId = sample([path.join(scratch, 'bad'), '--app-id', 'contoso'], ROOT);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('--app-id must be "new" or a GUID');
    const badVersion = sample([path.join(scratch, 'bad'), '--version', '1.3'], ROOT);
    expect(badVersion.code).toBe(2);
    expect(badVersion.stderr).toContain('--version must have four numeric parts');
    expect(existsSync(path.join(scratch, 'bad'))).toBe(false);
  });
});
