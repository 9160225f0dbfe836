/**
 * `npm run check:engine`: runs every scenario of ./scenarios.ts on the real Durable extension
 * (engine-oracle/*.cs, the Azure Storage backend over Azurite), writes each history as a golden
 * (engine-oracle/goldens/), then replays each golden through the local engine and reports the
 * first difference. Needs the .NET SDK (and NuGet for the first restore); without it, say so and
 * stop: `npm test` judges the local engine by the committed goldens alone.
 *   npm run check:engine                 record all, then compare
 *   npm run check:engine -- race-timer   only scenarios whose id contains "race-timer"
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { freePort, startAzurite } from '../devhost/azurite';
import { hasDotnet, shimsFor } from '../devhost/durable/extension';
import { ACTIVITIES, ORCHESTRATORS } from '../shared/contracts/names';
import { ORACLE_MODULES, startOracleBridge } from './bridge';
import { compareWithGolden, type Golden } from './replay';
import { SCENARIOS, type Control, type GoldenEvent, type Scenario } from './scenarios';

const ROOT = path.resolve(__dirname, '../..');
const ORACLE = path.join(ROOT, 'engine-oracle');
const GOLDENS = path.join(ORACLE, 'goldens');
const EXTENSION = 'Microsoft.Azure.WebJobs.Extensions.DurableTask 3.19.0';
const HUB = 'oracle';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitReady(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the oracle host did not start within 120 s')), 120_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (process.env.ORACLE_VERBOSE) process.stdout.write(text);
      if (text.includes('oracle ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`the oracle host exited (${String(code)})`)));
  });
}

function control(base: string) {
  const call = async (route: string, body?: unknown) => {
    const res = await fetch(`${base}/${route}`, {
      method: body === undefined ? 'GET' : 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`oracle ${route}: ${res.status} ${text}`);
    return JSON.parse(text) as unknown;
  };
  return {
    start: (name: string, instanceId: string, input: unknown) => call('start', { name, instanceId, input }),
    raise: (instanceId: string, name: string, data: unknown) => call('raise', { instanceId, name, data }),
    terminate: (instanceId: string) => call('terminate', { instanceId, reason: 'recorded' }),
    status: (instanceId: string) =>
      call(`status/${encodeURIComponent(instanceId)}`) as Promise<{ runtimeStatus: string } | null>,
  };
}

const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : text(v));

/** The persisted history of one instance, in the order the backend wrote it. */
async function historyOf(connection: string, instanceId: string): Promise<GoldenEvent[]> {
  const table = TableClient.fromConnectionString(connection, `${HUB}History`, {
    allowInsecureConnection: true,
  });
  const rows: Record<string, unknown>[] = [];
  for await (const row of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${instanceId}'` } }))
    rows.push(row as Record<string, unknown>);
  return rows
    .filter((r) => typeof r.EventType === 'string')
    .sort((a, b) => String(a.rowKey).localeCompare(String(b.rowKey)))
    .map((r) => ({
      type: String(r.EventType),
      eventId: num(r.EventId) ?? -1,
      name: text(r.Name),
      input: text(r.Input),
      result: text(r.Result),
      taskScheduledId: num(r.TaskScheduledId),
      timerId: num(r.TimerId),
      fireAt: iso(r.FireAt),
      timestamp: iso(r._Timestamp) ?? iso(r.timestamp) ?? '',
      status: text(r.OrchestrationStatus),
      reason: text(r.Reason),
    }));
}

const TERMINAL = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

async function record(
  scenario: Scenario,
  oracle: ReturnType<typeof control>,
  connection: string,
  setScript: (s: Scenario, ctl: Control) => void,
): Promise<Golden> {
  const instanceId = `${scenario.id}-${randomBytes(3).toString('hex')}`;
  const ctl: Control = {
    raise: async (name, data) => void (await oracle.raise(instanceId, name, data)),
    sleep,
  };
  setScript(scenario, ctl);
  await oracle.start(scenario.orchestrator, instanceId, scenario.input);
  const after = scenario.afterStart?.(ctl);
  let runtimeStatus = 'Running';
  for (let i = 0; i < 600; i++) {
    await sleep(250);
    runtimeStatus = (await oracle.status(instanceId))?.runtimeStatus ?? 'Pending';
    if (TERMINAL.has(runtimeStatus)) break;
    if (scenario.stopWhen?.(await historyOf(connection, instanceId))) {
      await oracle.terminate(instanceId);
      await sleep(1500);
      runtimeStatus = 'Terminated';
      break;
    }
  }
  await after;
  return {
    scenario: scenario.id,
    orchestrator: scenario.orchestrator,
    instanceId,
    input: scenario.input,
    runtimeStatus,
    extension: EXTENSION,
    history: await historyOf(connection, instanceId),
  };
}

/** The app's orchestrator and activity names (shared/contracts/names.ts) that nothing loaded registers. */
function unshimmed(registered: string[]): string[] {
  const have = new Set(registered);
  return [...Object.values(ORCHESTRATORS), ...Object.values(ACTIVITIES)].filter((n) => !have.has(n));
}

async function main(): Promise<void> {
  if (!hasDotnet()) {
    console.log('check:engine: no .NET SDK here; npm test judges the local engine by the committed goldens.');
    return;
  }
  const only = process.argv[2];
  const scenarios = SCENARIOS.filter((s) => !only || s.id.includes(only));
  const out = path.join(ORACLE, 'bin', 'out');
  const bridge = await startOracleBridge(ROOT, ORACLE_MODULES);
  const missing = unshimmed(bridge.registrations().map((r) => r.name));
  if (missing.length > 0) {
    await bridge.close();
    throw new Error(
      `check:engine: nothing registers ${missing.join(', ')}; the oracle would have no shim for it`,
    );
  }
  // One shim per registered orchestrator and activity, as DURABLE_ENGINE=extension generates them.
  writeFileSync(path.join(ORACLE, 'Shims.cs'), shimsFor(bridge.registrations()));
  execFileSync('dotnet', ['build', ORACLE, '-c', 'Release', '-o', out, '-nologo', '-v', 'q'], {
    stdio: 'inherit',
  });
  const azurite = await startAzurite();
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, AzureWebJobsStorage: azurite.connectionString };
  delete env.CONTAINER_NAME;
  Object.assign(env, {
    ORACLE_BRIDGE_URL: bridge.url,
    ORACLE_CONTROL_PORT: String(port),
    ORACLE_TASK_HUB: HUB,
  });
  const host = spawn('dotnet', [path.join(out, 'OracleHost.dll')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let failed = 0;
  try {
    await waitReady(host);
    const oracle = control(`http://127.0.0.1:${port}`);
    const setScript = (s: Scenario, ctl: Control) =>
      bridge.setActivities(s.activities ? (name, input) => s.activities!(name, input, ctl) : undefined);
    mkdirSync(GOLDENS, { recursive: true });
    for (const scenario of scenarios) {
      const golden = await record(scenario, oracle, azurite.connectionString, setScript);
      if (!TERMINAL.has(golden.runtimeStatus)) {
        // A recording that never finished (or was never stopped) judges nothing: keep the old golden.
        failed += 1;
        console.log(`${scenario.id}: still ${golden.runtimeStatus} on the extension; golden not written`);
        continue;
      }
      writeFileSync(path.join(GOLDENS, `${scenario.id}.json`), `${JSON.stringify(golden, null, 2)}\n`);
      const verdict = await compareWithGolden(golden, bridge.orchestrator(scenario.orchestrator));
      const same = verdict.difference ? 'DIFFERS' : 'same';
      console.log(
        `${scenario.id}: ${golden.runtimeStatus}, ${verdict.episodes} episodes, local engine ${same}`,
      );
      if (verdict.difference) {
        failed += 1;
        console.log(JSON.stringify(verdict.difference, null, 2));
      }
    }
  } finally {
    host.kill('SIGKILL');
    await bridge.close();
    await azurite.stop();
  }
  if (failed > 0) process.exitCode = 1;
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
