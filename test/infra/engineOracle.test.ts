/**
 * `npm run check:engine` generates the oracle's Shims.cs from what engine-oracle/bridge.ts loads
 * (ORACLE_MODULES). An orchestrator or activity whose module is not loaded gets no shim, and the
 * real extension never runs it: every publishing scenario then stopped after its first episode
 * (issue 28, item 15). This loads the modules as check:engine does, in a plain Node process over
 * the built files (the local host's @azure/functions-core stand-in captures registrations there,
 * not under jest's module system), and requires a shim for every name the app registers.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { shimsFor } from '../../devhost/durable/extension';
import type { FunctionRegistration } from '../../devhost/types';
import { ACTIVITIES, ORCHESTRATORS } from '../../shared/contracts/names';

const ROOT = path.resolve(__dirname, '../..');

function oracleRegistrations(): FunctionRegistration[] {
  const script = `
    const { ORACLE_MODULES, startOracleBridge } = require('./dist/engine-oracle/bridge.js');
    startOracleBridge(process.cwd(), ORACLE_MODULES).then(async (bridge) => {
      process.stdout.write(JSON.stringify(bridge.registrations()));
      await bridge.close();
    });
  `;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`loading the oracle's modules failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as FunctionRegistration[];
}

describe("the engine oracle's shims (check:engine)", () => {
  const registrations = oracleRegistrations();
  const shims = shimsFor(registrations);

  it.each(Object.values(ORCHESTRATORS))('has an orchestrator shim for %s', (name) => {
    expect(shims).toContain(`Orchestrator_${name}([OrchestrationTrigger] string context)`);
  });

  it.each(Object.values(ACTIVITIES))(
    'has an activity shim for %s, which the publishing scenarios call',
    (name) => {
      expect(shims).toContain(`Activity_${name}([ActivityTrigger] string? input)`);
    },
  );

  it("still loads the conformance fixture's orchestrators and activity", () => {
    const names = registrations.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['confAnyOfThree', 'confRetry', 'confStep']));
  });
});
