#!/usr/bin/env node
// @ts-check
/**
 * azd `prepackage` hook of service `api` (azure.yaml): stages what Flex Consumption runs into
 * dist/azd-package, the folder azure.yaml names as the service's `dist`. azd then zips that folder,
 * filtered by its .funcignore, and deploys the zip (remoteBuild: false).
 *
 * Why: azd runs `npm install` (dev dependencies included) and `npm run build` in the project and,
 * without this, zips the project folder itself: 718 MB of node_modules (the 185 MB `node` package,
 * jest, azurite, typescript...) and the Bicep CLI under .tools/. Here the package gets
 *   - package.json (without scripts and devDependencies) and host.json for the chosen durable
 *     backend (DURABLE_BACKEND, an output of infra/main.bicep: AzureStorage or DurableTaskScheduler),
 *   - the compiled app: dist/{functions,orchestrators,activities,reconcile,shared}, JavaScript only,
 *   - portal/ (the status page's static files, read beside dist/),
 *   - node_modules with the production dependencies only: every package package-lock.json does
 *     not mark `dev` (what `npm ci --omit=dev` installs), copied from the installed node_modules,
 *     so staging needs no registry and installs nothing.
 *
 *   node infra/scripts/stage-package.js [--out <folder>] [--backend AzureStorage|DurableTaskScheduler]
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const RUNTIME_DIST = ['functions', 'orchestrators', 'activities', 'reconcile', 'shared'];
const BACKENDS = ['AzureStorage', 'DurableTaskScheduler'];
/** The app setting infra/app/api.bicep sets for the Durable Task Scheduler variant. */
const SCHEDULER_CONNECTION = 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING';

/** @param {string} file */
const readJson = (file) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));

/** @param {string[]} argv */
function options(argv) {
  const value = (/** @type {string} */ name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const backend = value('--backend') || process.env.DURABLE_BACKEND || 'AzureStorage';
  if (!BACKENDS.includes(backend)) throw new Error(`stage-package: unknown durable backend '${backend}'`);
  return { out: path.resolve(value('--out') || path.join(ROOT, 'dist', 'azd-package')), backend };
}

/**
 * host.json as the backend needs it. The repository's host.json is the Azure Storage variant (the
 * local host and the tests run on it); the Durable Task Scheduler variant swaps the storage
 * provider for `azureManaged` over the connection setting infra/ creates, and drops the Azure
 * Storage provider's own settings (queue polling, connectionName).
 * @param {string} backend
 */
function hostJsonFor(backend) {
  const host = readJson('host.json');
  if (backend === 'DurableTaskScheduler')
    host.extensions.durableTask.storageProvider = {
      type: 'azureManaged',
      connectionStringName: SCHEDULER_CONNECTION,
    };
  return host;
}

/** package.json as the Functions host reads it: `main` and the runtime dependencies. */
function runtimePackageJson() {
  const { scripts: _scripts, devDependencies: _dev, ...runtime } = readJson('package.json');
  return runtime;
}

/**
 * The installed packages `npm ci --omit=dev` would keep: every package-lock.json entry not marked
 * `dev`. An optional package this platform did not install is skipped; any other missing one means
 * node_modules is not what the lock file says (run `npm ci`).
 */
function productionPackages() {
  const lock = readJson('package-lock.json');
  const wanted = Object.keys(readJson('package.json').dependencies ?? {});
  const locked = lock.packages?.['']?.dependencies ?? {};
  const unlocked = wanted.filter((name) => !(name in locked));
  if (unlocked.length > 0) throw new Error(`stage-package: package-lock.json lacks ${unlocked.join(', ')}`);
  /** @type {string[]} */
  const keep = [];
  for (const [key, meta] of Object.entries(lock.packages ?? {})) {
    if (!key.startsWith('node_modules/') || meta.dev) continue;
    if (!fs.existsSync(path.join(ROOT, key))) {
      if (meta.optional || meta.devOptional) continue;
      throw new Error(`stage-package: ${key} is not installed; run npm ci`);
    }
    keep.push(key);
  }
  return keep;
}

/**
 * Copies one package without its nested node_modules (the lock file lists those as packages of
 * their own, each kept or left out on its own account).
 * @param {string} key a package-lock.json key, e.g. node_modules/@azure/core-rest-pipeline
 * @param {string} out
 */
function copyPackage(key, out) {
  const from = path.join(ROOT, key);
  fs.cpSync(from, path.join(out, key), {
    recursive: true,
    filter: (src) => path.relative(from, src).split(path.sep)[0] !== 'node_modules',
  });
}

/** @param {string} out @param {string} backend */
function stage(out, backend) {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'functions')))
    throw new Error('stage-package: dist/functions is missing; run npm run build first');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const write = (/** @type {string} */ file, /** @type {unknown} */ json) =>
    fs.writeFileSync(path.join(out, file), `${JSON.stringify(json, null, 2)}\n`);
  write('package.json', runtimePackageJson());
  write('host.json', hostJsonFor(backend));
  // azd reads the ignore file from the folder it zips.
  fs.copyFileSync(path.join(ROOT, '.funcignore'), path.join(out, '.funcignore'));
  for (const dir of RUNTIME_DIST)
    fs.cpSync(path.join(ROOT, 'dist', dir), path.join(out, 'dist', dir), {
      recursive: true,
      filter: (src) => fs.statSync(src).isDirectory() || src.endsWith('.js'),
    });
  fs.cpSync(path.join(ROOT, 'portal'), path.join(out, 'portal'), { recursive: true });
  const packages = productionPackages();
  for (const key of packages) copyPackage(key, out);
  return packages.length;
}

if (require.main === module) {
  const { out, backend } = options(process.argv.slice(2));
  const count = stage(out, backend);
  const shown = out.startsWith(ROOT + path.sep) ? path.relative(ROOT, out) : out;
  console.log(`stage-package: ${shown}: ${backend} host.json, ${count} production packages`);
}

module.exports = { stage, hostJsonFor, productionPackages };
