/**
 * The deployment package azd would upload (issue 32, item 4): azure.yaml's prepackage hook
 * (infra/scripts/stage-package.js) stages dist/azd-package, and azd zips that folder filtered by
 * its .funcignore (./azdPackage.ts, after azd's createDeployableZip). The package must hold the
 * production dependencies only, no .tools/, stay under 200 MB, and still load every function the
 * app registers with nothing but its own node_modules.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ACTIVITIES, FUNCTIONS, ORCHESTRATORS } from '../../shared/contracts/names';
import { azdPackageFiles, ignored, parseIgnore } from './azdPackage';

const ROOT = path.resolve(__dirname, '../..');
const MAX_PACKAGE_BYTES = 200 * 1024 * 1024;

interface PackageJson {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const pkg = readJson<PackageJson>(path.join(ROOT, 'package.json'));

/** Runs the hook as azd does (its environment carries DURABLE_BACKEND), into a folder of its own. */
function stage(backend: string): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `azd-package-${backend}-`));
  const run = spawnSync(process.execPath, ['infra/scripts/stage-package.js', '--out', out], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, DURABLE_BACKEND: backend },
  });
  if (run.status !== 0) throw new Error(`stage-package failed: ${run.stderr}`);
  return out;
}

/** package name of a path under node_modules/ (scoped or not), outermost level only. */
function topLevelPackage(file: string): string | undefined {
  const parts = file.split('/');
  if (parts[0] !== 'node_modules') return undefined;
  return parts[1]?.startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1];
}

const staged = stage('AzureStorage');
afterAll(() => fs.rmSync(staged, { recursive: true, force: true }));

describe('the deployment package azd uploads', () => {
  const files = azdPackageFiles(staged);
  const paths = new Set(files.map((f) => f.path));

  it('is under 200 MB', () => {
    const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
    expect(bytes).toBeLessThan(MAX_PACKAGE_BYTES);
  });

  it('holds no dev dependency and nothing the lock file marks dev-only', () => {
    const lock = readJson<{ packages: Record<string, { dev?: boolean }> }>(
      path.join(ROOT, 'package-lock.json'),
    );
    const devOnly = new Set(
      Object.entries(lock.packages)
        .filter(([key, meta]) => key.startsWith('node_modules/') && meta.dev)
        .map(([key]) => key.slice('node_modules/'.length)),
    );
    const shipped = new Set([...paths].map(topLevelPackage).filter((p): p is string => p !== undefined));
    expect(Object.keys(pkg.devDependencies).filter((d) => shipped.has(d))).toEqual([]);
    expect([...shipped].filter((p) => devOnly.has(p))).toEqual([]);
    expect(Object.keys(pkg.dependencies).filter((d) => !shipped.has(d))).toEqual([]);
  });

  it('holds no toolchain, tests or local settings', () => {
    const unwanted = [...paths].filter((p) =>
      /^(\.tools|\.data|test|bench|infra|scripts|engine-oracle|dist\/(test|devhost|bench|scripts))\//.test(p),
    );
    expect(unwanted).toEqual([]);
    expect([...paths].filter((p) => /(^|\/)local\.settings(\.sample)?\.json$/.test(p))).toEqual([]);
    expect([...paths].filter((p) => p.endsWith('.node'))).toEqual([]);
  });

  it('holds what the host reads: package.json, host.json, the compiled app and the portal', () => {
    for (const file of ['package.json', 'host.json', 'portal/index.html', 'dist/functions/getHealth.js'])
      expect(paths).toContain(file);
    expect(readJson<PackageJson>(path.join(staged, 'package.json')).main).toBe(pkg.main);
  });

  it('loads every registered function with its own node_modules only', () => {
    // The local host's @azure/functions-core stand-in records registrations; every other module
    // resolves from the staged folder, which lies outside the repository (no parent node_modules).
    const script = `
      const path = require('node:path');
      const { createFunctionsCore, installFunctionsCore } = require(${JSON.stringify(path.join(ROOT, 'dist/devhost/functionsCore.js'))});
      const { expandGlob } = require(${JSON.stringify(path.join(ROOT, 'dist/devhost/appFiles.js'))});
      const core = createFunctionsCore(() => undefined);
      installFunctionsCore(core.api);
      const before = new Set(Object.keys(require.cache));
      const root = process.argv[1];
      const main = require(path.join(root, 'package.json')).main;
      for (const file of expandGlob(root, main)) require(file);
      const outside = Object.keys(require.cache).filter((f) => !before.has(f) && !f.startsWith(root + path.sep));
      process.stdout.write(JSON.stringify({ names: core.invoker.list().map((r) => r.name), outside }));
    `;
    const run = spawnSync(process.execPath, ['-e', script, staged], { cwd: os.tmpdir(), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const loaded = JSON.parse(run.stdout) as { names: string[]; outside: string[] };
    expect(loaded.outside).toEqual([]);
    const expected = [
      ...Object.values(FUNCTIONS),
      ...Object.values(ORCHESTRATORS),
      ...Object.values(ACTIVITIES),
    ];
    expect(expected.filter((n) => !loaded.names.includes(n))).toEqual([]);
  });
});

describe('host.json per durable backend', () => {
  type HostJson = {
    extensionBundle: { version: string };
    extensions: { durableTask: { hubName: string; storageProvider: Record<string, unknown> } };
  };
  const hostOf = (backend: string): HostJson => {
    if (backend === 'AzureStorage') return readJson<HostJson>(path.join(staged, 'host.json'));
    const other = stage(backend);
    try {
      return readJson<HostJson>(path.join(other, 'host.json'));
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  };
  const seconds = (span: unknown) => {
    const [h, m, s] = String(span).split(':').map(Number);
    return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
  };

  it('AzureStorage: the repository host.json, polling its queues at least every 10 s', () => {
    const host = hostOf('AzureStorage');
    expect(host).toEqual(readJson(path.join(ROOT, 'host.json')));
    expect(host.extensions.durableTask.storageProvider.type).toBe('AzureStorage');
    expect(seconds(host.extensions.durableTask.storageProvider.maxQueuePollingInterval)).toBeLessThanOrEqual(
      10,
    );
  });

  it('DurableTaskScheduler: azureManaged over the connection setting infra/ creates, bundle 4.32.0 or later', () => {
    const host = hostOf('DurableTaskScheduler');
    expect(host.extensions.durableTask.storageProvider).toEqual({
      type: 'azureManaged',
      connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING',
    });
    const apiBicep = fs.readFileSync(path.join(ROOT, 'infra/app/api.bicep'), 'utf8');
    expect(apiBicep).toMatch(/DURABLE_TASK_SCHEDULER_CONNECTION_STRING:/);
    const minimum = /^\[(\d+)\.(\d+)\.(\d+),/.exec(host.extensionBundle.version);
    expect(minimum).not.toBeNull();
    const [major, minor] = [Number(minimum?.[1]), Number(minimum?.[2])];
    expect(major === 4 && minor >= 32).toBe(true);
  });

  it('refuses a backend infra/ does not know', () => {
    expect(() => stage('Netherite')).toThrow(/unknown durable backend 'Netherite'/);
  });
});

describe('.funcignore rules as azd reads them', () => {
  it('keep the toolchain out of a zip of the repository root too (func publish)', () => {
    const rules = parseIgnore(fs.readFileSync(path.join(ROOT, '.funcignore'), 'utf8'));
    for (const dir of ['.tools', 'test', 'infra', 'dist/azd-package', 'dist/devhost', 'engine-oracle'])
      expect(ignored(rules, dir, true)).toBe(true);
    for (const kept of ['dist', 'dist/functions', 'portal', 'node_modules/@azure/functions/scripts'])
      expect(ignored(rules, kept, true)).toBe(false);
  });

  const rules = (text: string) => parseIgnore(text);
  it('anchors a leading slash and matches a bare name at any depth', () => {
    const [anchored, bare] = rules('/scripts/\n*.ts');
    expect(anchored?.regex.test('scripts')).toBe(true);
    expect(anchored?.regex.test('node_modules/x/scripts')).toBe(false);
    expect(bare?.regex.test('node_modules/x/index.d.ts')).toBe(true);
  });
});
