/**
 * Generated schedules: a list of commands read against the world's state at each point (see
 * world.ts), so fast-check can explore and shrink freely. Deliveries take one to four queued
 * messages, so several events (and completions, and timer firings) often share one episode.
 */
import fc from 'fast-check';
import type { Command, Schedule } from './world';

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ t: fc.constant('deliver' as const), n: fc.integer({ min: 1, max: 4 }) }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('complete' as const),
      pick: fc.nat(5),
      fail: fc.constantFrom(false, false, false, true),
      afterEffect: fc.boolean(),
    }),
  },
  {
    // Storage down across several attempts of one call: fewer than, as many as, or more than the
    // retry policies allow (world.ts ATTEMPTS).
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('outage' as const),
      pick: fc.nat(5),
      attempts: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 4, max: 12 })),
      afterEffect: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('fire' as const), pick: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'upload' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('goLive' as const),
      racing: fc.boolean(),
      refused: fc.constantFrom(false, false, false, true),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('cancel' as const),
      twice: fc.boolean(),
      raiseLater: fc.boolean(),
      refused: fc.constantFrom(false, false, false, true),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'raiseHeld' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('decide' as const),
      area: fc.constantFrom('marketing' as const, 'technical' as const),
      outcome: fc.constantFrom('approved' as const, 'approved' as const, 'rejected' as const),
      promise: fc.boolean(),
      repeated: fc.boolean(),
      refused: fc.constantFrom(false, false, false, true),
    }),
  },
);

export const schedules: fc.Arbitrary<Schedule> = fc.record({
  packageReady: fc.boolean(),
  segments: fc.array(fc.array(command, { maxLength: 16 }), { minLength: 5, maxLength: 5 }),
  optionalSteps: fc.boolean(),
});

/** Runs and seed: bounded and fixed in `npm test`; WORKFLOW_FUZZ_RUNS / WORKFLOW_FUZZ_SEED for long runs. */
export function fuzzSettings(defaultRuns: number): { numRuns: number; seed: number } {
  const runs = Number(process.env.WORKFLOW_FUZZ_RUNS ?? defaultRuns);
  const seed = Number(process.env.WORKFLOW_FUZZ_SEED ?? 20261201);
  return {
    numRuns: Number.isFinite(runs) && runs > 0 ? runs : defaultRuns,
    seed: Number.isFinite(seed) ? seed : 20261201,
  };
}

const deliver = (n = 1): Command => ({ t: 'deliver', n });
const run = (pick = 0): Command => ({ t: 'complete', pick, fail: false });
const fire = (pick = 0): Command => ({ t: 'fire', pick });
const approve = (area: 'marketing' | 'technical'): Command => ({
  t: 'decide',
  area,
  outcome: 'approved',
  promise: false,
  repeated: false,
});

/**
 * The three lost actions of issue 12, written out (segments: start, steps 3-5, sign-off, review,
 * step 8). The package report is stored before Publish, so the only timers are the workflow's own.
 */
export const ISSUE_SCHEDULES: Record<string, Schedule> = {
  'Go Live pressed while a reminder is being sent': {
    packageReady: true,
    segments: [
      [],
      [],
      [deliver(), fire(0), deliver(), { t: 'goLive', racing: false }, deliver(), run(), deliver()],
      [],
      [],
    ],
  },
  'a decision sent while the escalation is being sent': {
    packageReady: true,
    // The 7-business-day SLA timer is split in 3-day pieces; timer 0 is sign-off's unheeded reminder timer.
    segments: [
      [],
      [],
      [],
      [
        deliver(),
        fire(1),
        deliver(),
        fire(1),
        deliver(),
        fire(1),
        deliver(),
        approve('marketing'),
        deliver(),
        run(),
        deliver(),
      ],
      [],
    ],
  },
  'Cancel right after Go Live': {
    packageReady: true,
    segments: [
      [],
      [],
      [
        { t: 'goLive', racing: false },
        deliver(2),
        { t: 'cancel', twice: false, raiseLater: false },
        run(),
        deliver(2),
      ],
      [],
      [],
    ],
  },
};

/**
 * Issue 21 item 2, written out: at sign-off storage stays down for every attempt of the next
 * recordStepChange (Go Live's change: `publisher-signoff succeeded`, step 7 started and waiting),
 * more than the retry policy allows.
 */
export const RECORD_EXHAUSTED: Schedule = {
  packageReady: true,
  segments: [
    [],
    [],
    [{ t: 'goLive', racing: false }, { t: 'outage', pick: 0, attempts: 12, afterEffect: false }, deliver(2)],
    [],
    [],
  ],
};

/**
 * The Cancel route read the status at step 7, but its event reached the instance only after step
 * 8's start had been recorded and delivered (segments as above; the finish runs every activity
 * before the held raise).
 */
export const CANCEL_BEFORE_STEP_8_RAISED_AFTER: Schedule = {
  packageReady: true,
  segments: [[], [], [], [], [{ t: 'cancel', twice: false, raiseLater: true }]],
};
