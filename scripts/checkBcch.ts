/**
 * npm run check:bcch -- <path to BcContainerHelper>
 *
 * Runs BcContainerHelper's New-AppSourceSubmission, unmodified, under PowerShell 7 against a local
 * host (Azurite in memory), twice: main.app with lib1.app and lib2.app and -autoPromote while the
 * reviewers approve through the API (expects "New AppSource submission succeeded"), then a main app
 * whose version differs from the offer's (-doNotUpdateVersionNumber; expects "failed" and the
 * finding's rule in the submission it prints). Prints what the script printed. The module is not
 * part of this repository: pass a checkout of microsoft/navcontainerhelper. The offer is created
 * in the Editor (PUT, with its notificationEmail) and never published from the portal, and the
 * script signs in with client credentials, as CI does. PowerShell 7:
 * `dotnet tool install --global PowerShell --version 7.6.9` (or any --tool-path, then PWSH=<path>/pwsh).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import path from 'node:path';
import { startAzurite } from '../devhost/azurite';
import { startHost } from '../test/support/host';
import {
  appIdFor,
  appPackage,
  buildZip,
  navxAttributes,
  navxContent,
  navxManifest,
  OFFER_APP,
  SYSTEM_APPLICATION,
} from '../test/support/packages';
import { completeOffer, publisherSteps, sleep, StatusBody } from '../test/support/scenario';

const ROOT = path.resolve(__dirname, '../..');

/** PowerShell 7: $PWSH, else the global dotnet tool, else `pwsh` on the PATH. */
function pwshPath(): string {
  if (process.env.PWSH) return process.env.PWSH;
  const tool = path.join(homedir(), '.dotnet/tools/pwsh');
  return existsSync(tool) ? tool : 'pwsh';
}

function apps(offerId: string, mainVersion: string) {
  const lib1 = { id: appIdFor(`${offerId}-lib1`), name: 'Contoso Base', version: '1.0.0.0' };
  const lib2 = { id: appIdFor(`${offerId}-lib2`), name: 'Contoso Tools', version: '1.1.0.0' };
  const dep = (l: typeof lib1) =>
    `<Dependency Id="${l.id}" Name="${l.name}" Publisher="Contoso" MinVersion="${l.version}" />`;
  const app = (attrs: Record<string, string>, deps: string) =>
    appPackage(navxContent(navxManifest(navxAttributes(attrs), [[50100, 50149]], deps)));
  return {
    main: app({ Id: appIdFor(offerId), Version: mainVersion }, SYSTEM_APPLICATION + dep(lib1)),
    lib1: app({ Id: lib1.id, Name: lib1.name, Version: lib1.version }, SYSTEM_APPLICATION),
    lib2: app({ Id: lib2.id, Name: lib2.name, Version: lib2.version }, SYSTEM_APPLICATION + dep(lib1)),
  };
}

/** Where BcContainerHelper looks for the AL Language extension: the AL tool stand-in goes there. */
async function installAltool(helper: string): Promise<void> {
  const bin = path.join(helper, 'alLanguageExtension/0.0.1-local/extension/bin/linux');
  await mkdir(bin, { recursive: true });
  const altool = path.join(bin, 'altool');
  const script = path.join(ROOT, 'dist/scripts/bcchAltool.js');
  await writeFile(altool, `#!/bin/sh\nexec "${process.execPath}" "${script}" "$@"\n`);
  await chmod(altool, 0o755);
}

function run(command: string, args: string[], onLine: (line: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    const forward = (data: Buffer) => data.toString().split(/\r?\n/).filter(Boolean).forEach(onLine);
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** Azurite, tried a few times: on a busy machine it may miss its start-up deadline. */
async function startedAzurite(attempts = 4): Promise<Awaited<ReturnType<typeof startAzurite>>> {
  for (let i = 1; ; i++) {
    try {
      return await startAzurite();
    } catch (error) {
      if (i >= attempts) throw error;
    }
  }
}

async function main(): Promise<void> {
  const bcch = path.resolve(process.argv[2] ?? '');
  if (!existsSync(path.join(bcch, 'BcContainerHelper.psd1'))) {
    throw new Error('usage: npm run check:bcch -- <path to a BcContainerHelper checkout>');
  }
  const work = await mkdtemp(path.join(tmpdir(), 'check-bcch-'));
  const helper = path.join(work, 'helper');
  await installAltool(helper);
  const config = path.join(work, 'BcContainerHelper.config.json');
  await writeFile(config, JSON.stringify({ hostHelperFolder: helper }));

  const azurite = await startedAzurite();
  const host = await startHost({ env: { AzureWebJobsStorage: azurite.connectionString } });
  try {
    const offerId = `bcch-${randomBytes(4).toString('hex')}`;
    const steps = publisherSteps(host.baseUrl, offerId);
    const draft = { ...completeOffer(), app: { ...OFFER_APP, id: appIdFor(offerId) } };
    // As a new publisher does: the offer is created in the Editor, with its notification email,
    // and never published from the portal; the first submission comes from CI with an
    // application's token (client credentials: its name is the client id, no email).
    const created = await steps.call('ann', 'PUT', `/api/offers/${offerId}`, {
      ...draft,
      notificationEmail: 'ann@contoso.com',
    });
    if (created.status !== 201) throw new Error(`PUT offer answered ${created.status}`);
    await steps.uploadArtifacts();
    console.log(`Offer ${offerId}: created in the Editor, state ${(await steps.status()).state}`);
    const productId = (await steps.call<{ productId: string }>('ann', 'GET', `/api/offers/${offerId}`)).body
      .productId;

    const files = apps(offerId, '1.2.0.0');
    const mismatch = apps(offerId, '1.3.0.0');
    const write = async (name: string, bytes: Buffer) => {
      await writeFile(path.join(work, name), bytes);
      return path.join(work, name);
    };
    const main = await write('main.app', files.main);
    const libs = [await write('lib1.app', files.lib1), await write('lib2.app', files.lib2)];
    const main13 = await write('main-1.3.0.0.app', mismatch.main);
    void buildZip; // the script zips the libraries itself (Compress-Archive)

    const deliver = (app: string, extra: string[]) =>
      run(
        pwshPath(),
        [
          '-NoProfile',
          '-File',
          path.join(ROOT, 'scripts/bcch/deliver.ps1'),
          '-Module',
          bcch,
          '-BaseUrl',
          host.baseUrl,
          '-ProductId',
          productId,
          '-AppFile',
          app,
          '-LibraryAppFiles',
          libs.join(','),
          '-ConfigFile',
          config,
          ...extra,
        ],
        (line) => {
          output.push(line);
          console.log(`  | ${line}`);
        },
      );
    let output: string[] = [];
    let reviewing = true;
    // The reviewers approve through the API as soon as the submission reaches step 7.
    const reviewers = (async () => {
      while (reviewing) {
        const status = (await steps.call<StatusBody>('ann', 'GET', `/api/offers/${offerId}/status`)).body;
        if (status.state === 'WaitingForReview' && status.actions) {
          await steps.call('mia', 'POST', `/api/offers/${offerId}/reviews/marketing`, {
            outcome: 'approved',
          });
          await steps.call('tom', 'POST', `/api/offers/${offerId}/reviews/technical`, {
            outcome: 'approved',
          });
        }
        await sleep(500);
      }
    })();

    console.log(
      `Run 1: New-AppSourceSubmission -appFile main.app -libraryAppFiles lib1.app,lib2.app -autoPromote`,
    );
    const first = await deliver(main, []);
    const firstOutput = output.join('\n');
    output = [];
    console.log(
      `Run 2: a version mismatch (main.app 1.3.0.0, the offer says 1.2.0.0; -doNotUpdateVersionNumber)`,
    );
    const second = await deliver(main13, ['-DoNotUpdateVersionNumber']);
    const secondOutput = output.join('\n');
    reviewing = false;
    await reviewers;
    const ok1 = first === 0 && firstOutput.includes('New AppSource submission succeeded');
    const ok2 =
      secondOutput.includes('New AppSource submission failed') &&
      secondOutput.includes('manifest.version-mismatch');
    console.log(
      `check:bcch: run 1 ${ok1 ? 'succeeded' : 'did NOT succeed'}; run 2 ${ok2 ? 'failed with the finding' : 'did NOT report the finding'} (exit codes ${first}, ${second})`,
    );
    process.exitCode = ok1 && ok2 ? 0 : 1;
  } finally {
    await host.stop();
    await azurite.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
