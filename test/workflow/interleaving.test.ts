import fc from 'fast-check';
import { EventType } from '../../devhost/durable/history';
import { ACTIVITIES, ORCHESTRATORS } from '../../shared/contracts/names';
import { isAtSignoff, isInReview } from '../../shared/domain/rules';
import { STEP_IDS } from '../../shared/domain/steps';
import { ALL_INVARIANTS, Invariant, runSchedule } from './interleaving/check';
import { orchestrations } from './interleaving/driver';
import {
  CANCEL_BEFORE_STEP_8_RAISED_AFTER,
  ISSUE_SCHEDULES,
  RECORD_EXHAUSTED,
  fuzzSettings,
  schedules,
} from './interleaving/schedules';
import { Schedule, World } from './interleaving/world';

/**
 * The interleaving test (issue 12): the real publishSubmission orchestrator under the real
 * durable-functions replay (through the local engine's episode API), driven by generated schedules
 * that interleave activity completions (slow ones, failing attempts), timer firings and external
 * events (during activities, duplicated, several in one episode) at every wait point: package wait,
 * steps 3-5, sign-off, review, step 8. `npm run fuzz:workflow` runs it long
 * (WORKFLOW_FUZZ_RUNS, WORKFLOW_FUZZ_SEED).
 */
const loaded = orchestrations([
  'orchestrators/publishSubmission.ts',
  'test/workflow/fixtures/publishSubmissionBefore.ts',
]);
const current = loaded.get(ORCHESTRATORS.publishSubmission)!;
/** The orchestrator as it was before issue 12 (test/workflow/fixtures). */
const before = loaded.get('publishSubmissionBefore')!;

const settings = fuzzSettings(1000);

function property(orchestrator: typeof current, invariants: Invariant[]) {
  return fc.asyncProperty(schedules, async (schedule: Schedule) => {
    const verdict = await runSchedule(orchestrator, schedule, invariants);
    if (verdict.violations.length > 0) {
      throw new Error(
        `${verdict.violations.join('\n')}\n--- the schedule as it ran ---\n${verdict.trace.join('\n')}`,
      );
    }
  });
}

/** fast-check's report (the shrunk schedule, the violation and the run's trace), or undefined. */
async function findings(orchestrator: typeof current, invariants: Invariant[], numRuns: number) {
  const details = await fc.check(property(orchestrator, invariants), {
    numRuns,
    seed: settings.seed,
    includeErrorInReport: true,
  });
  return details.failed ? (fc.defaultReportMessage(details) ?? 'failed') : undefined;
}

describe('the publishing orchestrator under generated interleavings', () => {
  it(`keeps every guarantee over ${settings.numRuns} generated schedules (seed ${settings.seed})`, async () => {
    const report = await findings(current, ALL_INVARIANTS, settings.numRuns);
    if (report) throw new Error(report);
  }, 900_000);

  it('found what was wrong with the orchestrator as it was before issue 12', async () => {
    const preview = await findings(before, ['previewIsPublished'], 100);
    expect(preview).toMatch(/previewIsPublished: step 5 packed/);
    const events = await findings(before, ['consumedOnce', 'neverStuck', 'transitionsOnce'], 300);
    expect(events).toMatch(/neverStuck|consumedOnce/);
  }, 600_000);
});

describe.each(Object.entries(ISSUE_SCHEDULES))('%s', (_name, schedule) => {
  it('is lost by the orchestrator as it was before issue 12', async () => {
    const verdict = await runSchedule(before, schedule, ['consumedOnce', 'neverStuck']);
    expect(verdict.violations.join('\n')).toMatch(/^(consumedOnce|neverStuck): /m);
  });

  it('takes effect now', async () => {
    const verdict = await runSchedule(current, schedule);
    expect(verdict.violations).toEqual([]);
  });
});

describe("storage down for every attempt of a step transition's record (issue 21 item 2)", () => {
  it('ends the submission Failed with internal instead of dying with its status active', async () => {
    const verdict = await runSchedule(current, RECORD_EXHAUSTED);
    expect(verdict.violations).toEqual([]);
    expect(verdict.trace.join('\n')).toMatch(/fail attempt 5 of recordStepChange/);
  });
});

describe('a Cancel accepted before step 8 starts whose event arrives after', () => {
  it('cancels at the step the submission was at, once, by whoever pressed it', async () => {
    const verdict = await runSchedule(current, CANCEL_BEFORE_STEP_8_RAISED_AFTER);
    expect(verdict.violations).toEqual([]);
    expect(verdict.trace.join('\n')).toMatch(/instance completed: "Canceled"/);
  });
});

describe('a happy path is a few step changes (design.md "one email per change")', () => {
  /** Everything runs, Go Live is pressed and both reviews approve, as soon as each is possible. */
  async function toTheEnd(world: World) {
    for (let round = 0; round < 200 && !world.finished; round++) {
      world.tick();
      if (world.queue.length > 0) await world.deliver(world.queue.length);
      else if (world.activities.size > 0) world.complete(0, false);
      else if (isAtSignoff(world.status) && !world.status.goLiveAt) world.goLive(false);
      else if (isInReview(world.status) && !world.status.reviews?.marketing)
        world.decide({
          t: 'decide',
          area: 'marketing',
          outcome: 'approved',
          promise: false,
          repeated: false,
        });
      else if (isInReview(world.status) && !world.status.reviews?.technical)
        world.decide({
          t: 'decide',
          area: 'technical',
          outcome: 'approved',
          promise: false,
          repeated: false,
        });
      else if (world.timers.size > 0) world.fire(0);
    }
  }
  const changesOf = (world: World) =>
    world.changes.map((c) => c.transitions.map((t) => `${STEP_IDS.indexOf(t.step) + 1} ${t.transition}`));

  it('records six changes when steps 3 and 4 do not apply, and runs no activity for them', async () => {
    const world = new World(current, true);
    await world.start();
    await toTheEnd(world);
    expect(world.status.state).toBe('Live');
    expect(changesOf(world)).toEqual([
      ['1 started', '1 succeeded', '2 started'],
      ['2 succeeded', '3 skipped', '4 skipped', '5 started'],
      ['5 succeeded', '6 started', '6 waiting'],
      ['6 succeeded', '7 started', '7 waiting'],
      ['7 succeeded', '8 started'],
      ['8 succeeded', '9 succeeded'],
    ]);
    // Activity calls (a retry is not a call of its own: none fails here).
    const activities = world.instance.history
      .filter((e) => e.EventType === EventType.TaskScheduled)
      .map((e) => e.Name);
    expect(activities).not.toContain(ACTIVITIES.validateTestDrive);
    expect(activities).not.toContain(ACTIVITIES.sendTestLead);
    expect(activities.length).toBeLessThanOrEqual(12);
  });

  it('starts steps 3 and 4 each with the end of the step before when they apply', async () => {
    const world = new World(current, true, true);
    await world.start();
    await toTheEnd(world);
    expect(world.status.state).toBe('Live');
    expect(changesOf(world).slice(1, 4)).toEqual([
      ['2 succeeded', '3 started'],
      ['3 succeeded', '4 started'],
      ['4 succeeded', '5 started'],
    ]);
    expect(world.changes.length).toBeLessThanOrEqual(8);
  });
});

describe('waiting is bounded in cost', () => {
  async function waitUntilNothingIsLeft(world: World, until: () => boolean) {
    while (!until()) {
      world.tick();
      if (world.queue.length > 0) await world.deliver(world.queue.length);
      else if (world.activities.size > 0) world.complete(0, false);
      else if (world.timers.size > 0) world.fire(0);
      else break;
    }
  }

  it('sends five reminders however long sign-off waits, and the history stays small', async () => {
    const world = new World(current, true);
    await world.start();
    // To sign-off, then nobody presses anything: every timer fires, every activity runs.
    await waitUntilNothingIsLeft(world, () => false);
    expect(world.status.state).toBe('WaitingForPublisher');
    expect(world.reminders).toEqual([1, 2, 3, 4, 5]);
    expect(world.timers.size).toBe(0);
    const size = world.instance.history.length;
    expect(size).toBeLessThan(200);
    // A Go Live a year later still proceeds.
    world.clock += 365 * 86_400_000;
    world.goLive(false);
    await waitUntilNothingIsLeft(world, () => world.status.state === 'WaitingForReview');
    expect(
      world.records.filter((r) => r.step === 'publisher-signoff' && r.transition === 'succeeded'),
    ).toHaveLength(1);
  });

  it('escalates a review once, then waits without a timer', async () => {
    const world = new World(current, true);
    await world.start();
    await waitUntilNothingIsLeft(world, () => world.status.state === 'WaitingForPublisher');
    world.goLive(false);
    await waitUntilNothingIsLeft(world, () => false);
    expect(world.status.state).toBe('WaitingForReview');
    expect(world.escalations).toBe(1);
    expect(world.timers.size).toBe(0);
    expect(world.instance.history.length).toBeLessThan(250);
  });
});
