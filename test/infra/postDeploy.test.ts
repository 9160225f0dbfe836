/**
 * infra/scripts/post-deploy.sh, the azd postdeploy hook, run as azd runs it (sh, azd's environment)
 * against a fake `az` on the PATH (Azure cannot be reached from here) whose own default
 * subscription is not azd's: like the real CLI, it finds the app's resource group only in azd's
 * subscription, so a call without `--subscription` fails as it would in Azure (issue 32, item 1).
 * The app's /api/health is a real local server. `sleep` is a no-op on the PATH: the hook's
 * waits are real-time and nothing here needs them.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const HOOK = path.join(ROOT, 'infra/scripts/post-deploy.sh');
const AZD_SUBSCRIPTION = '3f2c8a51-0000-4000-8000-00000000a2d0';
const CLI_DEFAULT_SUBSCRIPTION = '9b1d7e42-0000-4000-8000-0000000000cc';
const KEY = 'EgXtKey_abc123-DEF456_ghi789==';

interface AzCall {
  args: string[];
  subscription: string;
  parametersFile?: string;
  keyInParametersFile?: boolean;
}

/** The fake Azure CLI: records each call, answers for azd's subscription only. */
const FAKE_AZ = `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
const at = args.indexOf('--subscription');
const subscription = at >= 0 ? args[at + 1] : ${JSON.stringify(CLI_DEFAULT_SUBSCRIPTION)};
const call = { args, subscription };
const done = (code, out) => {
  fs.appendFileSync(process.env.FAKE_AZ_LOG, JSON.stringify(call) + '\\n');
  if (out) process.stdout.write(out + '\\n');
  process.exit(code);
};
if (subscription !== ${JSON.stringify(AZD_SUBSCRIPTION)}) {
  process.stderr.write("(ResourceGroupNotFound) Resource group '" + process.env.RESOURCE_GROUP + "' could not be found.\\n");
  done(3);
}
const command = args.slice(0, 3).join(' ');
const query = args[args.indexOf('--query') + 1];
if (command === 'functionapp function show') done(0, 'validatePackageBlob');
if (command.startsWith('functionapp keys list') && query === 'keys(systemKeys)') done(0, 'blobs_extension\\neventgrid_extension');
if (command.startsWith('functionapp keys list') && query === 'systemKeys.eventgrid_extension') done(0, ${JSON.stringify(KEY)});
if (command === 'deployment group create') {
  const file = args.find((a) => a.startsWith('@'));
  if (file) {
    call.parametersFile = file.slice(1);
    call.keyInParametersFile = fs.readFileSync(call.parametersFile, 'utf8').includes(${JSON.stringify(KEY)});
  }
  done(0);
}
process.stderr.write('fake az: unexpected command ' + args.join(' ') + '\\n');
done(2);
`;

interface HookRun {
  code: number | null;
  stdout: string;
  stderr: string;
  calls: AzCall[];
}

function runHook(env: Record<string, string>): Promise<HookRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'post-deploy-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'az'), FAKE_AZ, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'sleep'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const log = path.join(dir, 'az.jsonl');
  fs.writeFileSync(log, '');
  return new Promise((resolve, reject) => {
    const child = spawn('sh', [HOOK], {
      cwd: ROOT,
      env: {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        HOME: dir,
        FAKE_AZ_LOG: log,
        NO_PROXY: '127.0.0.1',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const calls = fs
        .readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AzCall);
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ code, stdout, stderr, calls });
    });
  });
}

describe('the postdeploy hook (infra/scripts/post-deploy.sh)', () => {
  let server: http.Server;
  let azdEnv: Record<string, string>;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const healthy = req.url === '/api/health';
      res.writeHead(healthy ? 200 : 404, { 'content-type': 'application/json' });
      res.end(healthy ? '{"status":"healthy"}' : '{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    azdEnv = {
      AZURE_SUBSCRIPTION_ID: AZD_SUBSCRIPTION,
      AZURE_FUNCTION_APP_NAME: 'func-api-abc',
      RESOURCE_GROUP: 'rg-offers',
      PACKAGES_SYSTEM_TOPIC_NAME: 'evgt-packages-abc',
      PACKAGES_CONTAINER_NAME: 'packages',
      PACKAGES_EVENT_FUNCTION_NAME: 'validatePackageBlob',
      AZURE_STORAGE_ACCOUNT_NAME: 'stabc',
      SERVICE_API_URI: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("works in azd's subscription when the Azure CLI's default is another one", async () => {
    const run = await runHook(azdEnv);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.calls.length).toBeGreaterThanOrEqual(4);
    expect(run.calls.filter((c) => c.subscription !== AZD_SUBSCRIPTION)).toEqual([]);
    expect(run.stdout).toContain('Event Grid subscription packages-blob-created -> validatePackageBlob');
    expect(run.stdout).toContain('/api/health -> {"status":"healthy"} (HTTP 200)');
  });

  it('deploys the subscription with the Event Grid key from a parameters file, never printed or on a command line', async () => {
    const run = await runHook(azdEnv);
    const deploy = run.calls.find((c) => c.args.slice(0, 3).join(' ') === 'deployment group create');
    expect(deploy?.args).toEqual(expect.arrayContaining(['--template-file']));
    expect(deploy?.args.some((a) => a.endsWith('infra/scripts/../app/package-events.bicep'))).toBe(true);
    expect(deploy?.keyInParametersFile).toBe(true);
    expect(fs.existsSync(deploy?.parametersFile ?? '')).toBe(false);
    expect(run.calls.flatMap((c) => c.args).some((a) => a.includes(KEY))).toBe(false);
    expect(run.stdout + run.stderr).not.toContain(KEY);
  });

  it('refuses to start without azd’s subscription, before calling az', async () => {
    const { AZURE_SUBSCRIPTION_ID: _omitted, ...withoutSubscription } = azdEnv;
    const run = await runHook(withoutSubscription);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('AZURE_SUBSCRIPTION_ID is not set');
    expect(run.calls).toEqual([]);
  });
});
