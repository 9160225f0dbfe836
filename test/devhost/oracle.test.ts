/**
 * The local engine judged by the real Durable extension: every golden in engine-oracle/goldens/
 * is a history the extension (3.19.0, Azure Storage backend over Azurite) recorded for a scenario
 * of engine-oracle/scenarios.ts. Replaying the golden's arrivals, episode by episode, the local
 * engine must decide exactly what the extension decided. `npm run check:engine` re-records them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadOrchestrations } from '../../devhost/durable/episode';
import { shimsFor } from '../../devhost/durable/extension';
import type { FunctionRegistration } from '../../devhost/types';
import { ACTIVITIES, ORCHESTRATORS } from '../../shared/contracts/names';
import { compareWithGolden, type Golden } from '../../engine-oracle/replay';
import { SCENARIOS } from '../../engine-oracle/scenarios';

const ORACLE = path.resolve(__dirname, '../../engine-oracle');
const goldens: Golden[] = readdirSync(path.join(ORACLE, 'goldens'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(ORACLE, 'goldens', f), 'utf8')) as Golden);
const orchestrators = loadOrchestrations([
  'test/fixtures/hostapp/conformanceApp.ts',
  'orchestrators/publishSubmission.ts',
]);

describe('the goldens recorded on the real Durable extension', () => {
  it('cover every scenario, each with a finished or deliberately stopped history', () => {
    expect(goldens.map((g) => g.scenario).sort()).toEqual(SCENARIOS.map((s) => s.id).sort());
    for (const g of goldens) {
      expect(['Completed', 'Failed', 'Terminated']).toContain(g.runtimeStatus);
      expect(g.history.some((e) => e.type === 'ExecutionStarted')).toBe(true);
    }
  });

  it.each(goldens.map((g) => [g.scenario, g] as const))(
    'the local engine decides what the extension decided: %s',
    async (_id, golden) => {
      const orchestrator = orchestrators.get(golden.orchestrator);
      if (!orchestrator) throw new Error(`no orchestrator ${golden.orchestrator}`);
      const verdict = await compareWithGolden(golden, orchestrator);
      expect(verdict.difference).toBeUndefined();
      expect(verdict.episodes).toBeGreaterThan(0);
    },
  );
});

describe('the oracle host', () => {
  // Its Shims.cs is generated (devhost/durable/extension.ts shimsFor), for the oracle and for
  // DURABLE_ENGINE=extension alike: one WebJobs function per orchestration and activity.
  const registration = (name: string, type: string): FunctionRegistration => ({
    name,
    trigger: { name: 'trigger', type },
    bindings: {},
  });
  const shims = shimsFor([
    registration(ORCHESTRATORS.publishSubmission, 'orchestrationTrigger'),
    registration(ACTIVITIES.recordStepChange, 'activityTrigger'),
    registration('offer-http', 'httpTrigger'),
  ]);

  it('forwards every orchestrator and activity under its registered name, and nothing else', () => {
    expect(shims).toContain(
      `[FunctionName("publishSubmission")]\n    public static Task<string> Orchestrator_publishSubmission([OrchestrationTrigger] string context) => Bridge.Orchestrate("publishSubmission", context);`,
    );
    expect(shims).toContain(
      `[FunctionName("recordStepChange")]\n    public static Task<JToken?> Activity_recordStepChange([ActivityTrigger] string? input) => Bridge.Activity("recordStepChange", input);`,
    );
    expect(shims).not.toContain('offer-http');
    expect(shims).toContain('CaptureClientBinding([DurableClient] string binding)');
  });

  it('runs every orchestrator a scenario names (the fixture or the app registers it)', () => {
    const known = new Set([...orchestrators.keys()]);
    expect(SCENARIOS.map((s) => s.orchestrator).filter((n) => !known.has(n))).toEqual([]);
  });
});
