/**
 * The README as a newcomer reads it: its walk-through is run as written (the sh blocks between
 * the walk-through markers, concatenated, in bash) from a folder holding only what `npm run sample`
 * writes, against a host on a non-default PORT with an Azurite of its own, and must reach Live.
 * Its links stay inside the repository, and docs/api.md names every route of /api/openapi.json.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunningAzurite, startAzurite } from '../devhost/azurite';
import { localBaseUrl, loadConfig } from '../shared/config';
import { openApiDocument } from '../shared/http/openapi';
import { demoUrl } from '../scripts/demo';
import { SAMPLE_APP, SAMPLE_FILES, sampleOffer, samplePackage, writeSamples } from '../scripts/sample';
import { bufferSource, validatePackage } from '../shared/adapters/package';
import { RunningHost, startHost } from './support/host';
import { asPerson } from './support/principals';

const ROOT = path.resolve(__dirname, '..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The sh blocks between `<!-- walk-through:start` and `<!-- walk-through:end -->`, in order. */
function walkThrough(markdown: string): string {
  const start = markdown.indexOf('<!-- walk-through:start');
  const end = markdown.indexOf('<!-- walk-through:end -->');
  if (start < 0 || end < start) throw new Error('README has no walk-through markers');
  const blocks = [...markdown.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.join('\n');
}

interface BashRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBash(
  script: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<BashRun> {
  return new Promise((resolve, reject) => {
    // -e: a command that fails stops the walk-through, as it would stop a reader.
    const child = spawn('bash', ['-e'], { cwd, env: { ...process.env, ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(script);
  });
}

describe('README walk-through', () => {
  let azurite: RunningAzurite;
  let host: RunningHost;
  let folder: string;

  beforeAll(async () => {
    // A storage of its own: the walk-through's offer id must be new, as on a fresh clone.
    azurite = await startAzurite();
    host = await startHost({ env: { AzureWebJobsStorage: azurite.connectionString, PUBLIC_BASE_URL: '' } });
    folder = mkdtempSync(path.join(os.tmpdir(), 'readme-walk-'));
    // What `npm run sample` runs after its build (jest's globalSetup built dist/), into the folder.
    execFileSync(process.execPath, [path.join(ROOT, 'dist/scripts/sample.js'), path.join(folder, 'samples')]);
  });

  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('runs as written on a non-default PORT and reaches Live, with links naming that port', async () => {
    expect(host.port).not.toBe(7071);
    const run = await runBash(walkThrough(README), folder, { PORT: String(host.port) }, 150_000);
    const explain = `exit ${run.code}\nstdout:\n${run.stdout.slice(-3000)}\nstderr:\n${run.stderr.slice(-2000)}\nhost:\n${host.output().slice(-3000)}`;
    if (run.code !== 0) throw new Error(explain);

    const status = await host.request('GET', '/api/offers/contoso-sales/status', undefined, asPerson('ann'));
    expect({ state: status.json<{ state: string }>().state, explain }).toEqual({ state: 'Live', explain });
    const base = `http://localhost:${host.port}/api/offers/contoso-sales`;
    expect(run.stdout).toContain(`"statusUrl":"${base}/status"`);
    expect(run.stdout).toContain(`"url":"${base}/preview?hidekey=`);
    expect(run.stdout).toContain('"state":"Passed"');
    // The history printed last ends with step 9.
    expect(run.stdout).toMatch(/"step":"live","state":"succeeded"/);
  }, 200_000);

  it('fails at step 2, naming both versions, when offer.json says 1.2.0.1 (as the README says)', async () => {
    const setup = walkThrough(README).split('\n```')[0] ?? '';
    const script = [
      setup,
      `sed -i 's/"version": "1.2.0.0"/"version": "1.2.0.1"/' samples/offer.json`,
      `curl -s -X PUT $API/offers/contoso-sales -H "x-ms-client-principal: $ANN" -H 'content-type: application/json' --data-binary @samples/offer.json`,
      `curl -s -X POST $API/offers/contoso-sales/publish -H "x-ms-client-principal: $ANN" -H 'content-type: application/json' -d '{"notificationEmail": "ann@contoso.com"}'`,
      `wait_for status 'Failed|Live'`,
    ].join('\n');
    const run = await runBash(script, folder, { PORT: String(host.port) }, 120_000);
    expect(run.code).toBe(0);
    const status = (
      await host.request('GET', '/api/offers/contoso-sales/status', undefined, asPerson('ann'))
    ).json<{ state: string; error: { step: string; message: string; details: { message: string }[] } }>();
    expect(status.state).toBe('Failed');
    expect(status.error.step).toBe('automated-validation');
    expect(JSON.stringify(status.error)).toMatch(/1\.2\.0\.1[\s\S]*1\.2\.0\.0|1\.2\.0\.0[\s\S]*1\.2\.0\.1/);
  }, 150_000);
});

describe('the sample', () => {
  it('is a Business Central .app that passes every package rule, without a warning', async () => {
    const bytes = samplePackage();
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('NAVX');
    const report = await validatePackage(
      bufferSource(bytes),
      { app: { ...SAMPLE_APP } },
      `contoso-sales/${SAMPLE_FILES.package}`,
      new Date().toISOString(),
    );
    expect({ state: report.state, findings: report.findings }).toEqual({ state: 'Passed', findings: [] });
    expect(sampleOffer().app).toEqual(SAMPLE_APP);
  });

  it('writes every file the walk-through names', () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'sample-'));
    try {
      writeSamples(folder);
      for (const name of Object.values(SAMPLE_FILES)) {
        expect(existsSync(path.join(folder, name))).toBe(true);
        expect(walkThrough(README)).toContain(`samples/${name}`);
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('PORT drives the local defaults', () => {
  it('PUBLIC_BASE_URL follows PORT unless it is set', () => {
    const storage = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', LOCAL_MODE: 'true' };
    expect(loadConfig({ ...storage, PORT: '7451' }).PUBLIC_BASE_URL).toBe('http://localhost:7451');
    expect(loadConfig({ ...storage }).PUBLIC_BASE_URL).toBe('http://localhost:7071');
    expect(loadConfig({ ...storage, PORT: 'http' }).PUBLIC_BASE_URL).toBe('http://localhost:7071');
    expect(
      loadConfig({ ...storage, PORT: '7451', PUBLIC_BASE_URL: 'https://offers.contoso.example' })
        .PUBLIC_BASE_URL,
    ).toBe('https://offers.contoso.example');
    expect(localBaseUrl('8080')).toBe('http://localhost:8080');
  });

  it('the demo looks for the host on PORT unless DEMO_URL says otherwise', () => {
    expect(demoUrl({ PORT: '7451' })).toBe('http://localhost:7451');
    expect(demoUrl({})).toBe('http://localhost:7071');
    expect(demoUrl({ PORT: '7451', DEMO_URL: 'http://127.0.0.1:9000/' })).toBe('http://127.0.0.1:9000');
    for (const name of ['DEMO_URL', 'PORT']) expect(README).toMatch(new RegExp(`\\| \`${name}\` +\\|`));
  });
});

describe('the README and docs/', () => {
  const links = (markdown: string) => [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);

  it('link only to files inside the repository, and those files exist', () => {
    for (const file of [
      'README.md',
      'docs/api.md',
      'docs/workflow.md',
      'docs/local-host.md',
      'docs/operations.md',
      'docs/validation.md',
    ]) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      for (const link of links(text)) {
        expect({ file, link, external: /^[a-z]+:/i.test(link) }).toEqual({ file, link, external: false });
        const target = path.resolve(path.dirname(path.join(ROOT, file)), link.replace(/#.*$/, ''));
        expect({ file, link, inside: target.startsWith(ROOT + path.sep) || target === ROOT }).toEqual({
          file,
          link,
          inside: true,
        });
        expect({ file, link, exists: existsSync(target) }).toEqual({ file, link, exists: true });
      }
    }
    expect(README).not.toContain('shared/docs');
  });

  it('docs/api.md names every route of the OpenAPI document, and the document itself', () => {
    const apiDoc = readFileSync(path.join(ROOT, 'docs/api.md'), 'utf8');
    const document = openApiDocument('http://localhost:7071') as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(apiDoc).toContain('/api/openapi.json');
    for (const [route, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) {
        expect({
          route: `${method.toUpperCase()} /api${route}`,
          documented: apiDoc.includes(`${method.toUpperCase()} /api${route}`),
        }).toEqual({
          route: `${method.toUpperCase()} /api${route}`,
          documented: true,
        });
      }
    }
  });
});
