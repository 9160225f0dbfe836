import fc from 'fast-check';
import { ORCHESTRATORS } from '../../shared/contracts/names';
import { ALL_INVARIANTS, Invariant, runSchedule } from './interleaving/check';
import { orchestrations } from './interleaving/driver';
import { fuzzSettings, schedules } from './interleaving/schedules';
import type { Schedule } from './interleaving/world';

/**
 * The interleaving test (issue 12): the real publishSubmission orchestrator under the real
 * durable-functions replay (through the local engine's episode API), driven by generated
 * schedules that interleave activity completions (slow ones, failing attempts), timer firings and
 * external events at every wait point: package wait, sign-off, review, step 8.
 */
const loaded = orchestrations(['orchestrators/publishSubmission.ts', 'test/workflow/fixtures/publishSubmissionBefore.ts']);
const current = loaded.get(ORCHESTRATORS.publishSubmission)!;
const before = loaded.get('publishSubmissionBefore')!;

const settings = fuzzSettings(1000);

async function property(orchestrator: typeof current, invariants: Invariant[]) {
  return fc.asyncProperty(schedules, async (schedule: Schedule) => {
    const verdict = await runSchedule(orchestrator, schedule, invariants);
    if (verdict.violations.length > 0) {
      throw new Error(`${verdict.violations.join('\n')}\n--- schedule as run ---\n${verdict.trace.join('\n')}`);
    }
  });
}

/** fast-check's report, with the shrunk schedule and its trace, when it finds a counterexample. */
async function findings(orchestrator: typeof current, invariants: Invariant[], numRuns: number) {
  const details = await fc.check(await property(orchestrator, invariants), { numRuns, seed: settings.seed, includeErrorInReport: true });
  return details.failed ? fc.defaultReportMessage(details) ?? 'failed' : undefined;
}

describe('the publishing orchestrator under generated interleavings', () => {
  it(`keeps every guarantee over ${settings.numRuns} schedules (seed ${settings.seed})`, async () => {
    const report = await findings(current, ALL_INVARIANTS, settings.numRuns);
    if (report) throw new Error(report);
  }, 600_000);

  it('finds the lost events in the orchestrator as it was before issue 12', async () => {
    const report = await findings(before, ['consumedOnce', 'neverStuck'], 300);
    expect(report).toBeDefined();
    console.log(`Before issue 12 (events):\n${report?.slice(0, 6000)}`);
  }, 600_000);

  it('finds the preview that was not the published package in the orchestrator as it was before', async () => {
    const report = await findings(before, ['previewIsPublished'], 100);
    expect(report).toBeDefined();
    console.log(`Before issue 12 (preview):\n${report?.slice(0, 3000)}`);
  }, 600_000);
});
