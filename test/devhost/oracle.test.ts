/**
 * The local engine judged by the real Durable extension: every golden in engine-oracle/goldens/
 * is a history the extension (3.19.0, Azure Storage backend over Azurite) recorded for a scenario
 * of engine-oracle/scenarios.ts. Replaying the golden's arrivals, episode by episode, the local
 * engine must decide exactly what the extension decided. `npm run check:engine` re-records them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadOrchestrations } from '../../devhost/durable/episode';
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
  const shims = readFileSync(path.join(ORACLE, 'Shims.cs'), 'utf8');
  const registered = (name: string) => shims.includes(`[FunctionName("${name}")]`);

  it('has a shim for every orchestrator and activity the app registers', () => {
    const missing = [...Object.values(ORCHESTRATORS), ...Object.values(ACTIVITIES)].filter(
      (n) => !registered(n),
    );
    expect(missing).toEqual([]);
  });

  it('has a shim for every orchestrator a scenario runs', () => {
    expect(SCENARIOS.map((s) => s.orchestrator).filter((n) => !registered(n))).toEqual([]);
  });
});
