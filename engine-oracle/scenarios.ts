/**
 * What the oracle records on the real extension. Each scenario starts one instance, scripts the
 * activities it calls (a result, a failure, a delay) and the events raised to it, and ends when the
 * instance ends or `stopWhen` says so (a 20-day timer cannot be waited for in real time: the
 * recording stops once its first piece is created). The goldens keep the real history; the local
 * engine is then judged on the same arrivals (./replay.ts).
 */
import { ACTIVITIES, EVENTS, ORCHESTRATORS } from '../shared/contracts/names';

export interface Control {
  raise(name: string, data: unknown): Promise<void>;
  sleep(ms: number): Promise<void>;
}

/** A scripted activity: a result, or a throw; undefined runs the registered handler. */
export type Script = (name: string, input: unknown, ctl: Control) => Promise<{ result: unknown } | undefined>;

export interface GoldenEvent {
  type: string;
  eventId: number;
  name?: string;
  input?: string;
  result?: string;
  taskScheduledId?: number;
  timerId?: number;
  fireAt?: string;
  timestamp: string;
  status?: string;
  reason?: string;
}

export interface Scenario {
  id: string;
  orchestrator: string;
  input: unknown;
  activities?: Script;
  afterStart?: (ctl: Control) => Promise<void>;
  /** Stop recording (and terminate) once the history satisfies this. */
  stopWhen?: (history: GoldenEvent[]) => boolean;
}

const DAY_MS = 24 * 3600 * 1000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** confStep: echoes its input, after `delays[input]` ms; inputs in `fails` throw `fails[input]` times. */
function confStep(delays: Record<string, number> = {}, fails: Record<string, number> = {}): Script {
  const failed: Record<string, number> = {};
  return async (name, input) => {
    if (name !== 'confStep') return undefined;
    const key = String(input);
    await sleep(delays[key] ?? 0);
    if ((failed[key] ?? 0) < (fails[key] ?? 0)) {
      failed[key] = (failed[key] ?? 0) + 1;
      throw new Error(`confStep ${key} failed on purpose (${failed[key]})`);
    }
    return { result: input };
  };
}

const timerCreated = (h: GoldenEvent[]) => h.some((e) => e.type === 'TimerCreated');

export const CONFORMANCE: Scenario[] = [
  {
    id: 'any-of-three-event-wins-during-activity',
    orchestrator: 'confAnyOfThree',
    input: null,
    activities: confStep({ work: 3000 }),
    afterStart: (ctl) => ctl.sleep(500).then(() => ctl.raise('approve', { by: 'ann' })),
  },
  {
    id: 'race-timer-wins',
    orchestrator: 'confRace',
    input: { timerMs: 2000 },
    activities: confStep({ 'race-work': 8000 }),
  },
  {
    id: 'race-activity-wins',
    orchestrator: 'confRace',
    input: { timerMs: 120_000 },
  },
  {
    id: 'retry-succeeds-on-third-attempt',
    orchestrator: 'confRetry',
    input: null,
    activities: confStep({}, { flaky: 2 }),
  },
  {
    id: 'retry-exhausted-is-caught',
    orchestrator: 'confRetry',
    input: null,
    activities: confStep({}, { flaky: 99 }),
  },
  {
    id: 'two-waits-events-before-the-waits',
    orchestrator: 'confTwoWaits',
    input: null,
    activities: confStep({ first: 2000 }),
    afterStart: async (ctl) => {
      await ctl.sleep(300);
      await ctl.raise('b', 'second');
      await ctl.raise('a', 'first');
    },
  },
  {
    id: 'all-of-three',
    orchestrator: 'confAllOfThree',
    input: null,
    activities: confStep({ all: 1000 }),
    afterStart: async (ctl) => {
      await ctl.raise('y', 2);
      await ctl.sleep(200);
      await ctl.raise('x', 1);
    },
  },
  {
    id: 'long-timer-20-days-first-piece',
    orchestrator: 'confLongTimer',
    input: null,
    stopWhen: timerCreated,
  },
  {
    id: 'cancel-long-timer-while-first-piece-pending',
    orchestrator: 'confCancelLong',
    input: null,
    afterStart: (ctl) => ctl.sleep(1500).then(() => ctl.raise('stop', null)),
  },
  {
    id: 'continue-as-new-counter',
    orchestrator: 'confCounter',
    input: 0,
  },
  {
    id: 'orchestrator-throws',
    orchestrator: 'confThrows',
    input: null,
  },
];

// ---- the publishing orchestrator, with scripted activities -------------------------------------

interface Transition {
  step?: string;
  transition?: string;
}

const PUBLISH_INPUT = {
  offerId: 'oracle-offer',
  submissionId: '1',
  snapshotBlobName: 'oracle-offer/1/offer.json',
  notificationEmail: 'ann@contoso.example',
  settings: { packageValidationTimeout: 'PT1H', signoffReminderInterval: 'P3D', reviewSlaBusinessDays: 7 },
};

const PASSED = {
  outcome: 'succeeded',
  message: 'passed',
  blobName: 'oracle-offer/app.app',
  etag: '"0x1"',
  version: '1.0.0.0',
  copyBlobName: 'oracle-offer/1/package/app.app',
};

const decision = (area: string, outcome = 'approved', extra: Record<string, unknown> = {}) => ({
  area,
  outcome,
  reviewer: `${area}@marketplace.example`,
  decidedAt: '2030-01-01T00:00:00.000Z',
  ...extra,
});

/**
 * The app's activities, scripted: every step succeeds; the package report is missing on the first
 * read (so step 2 waits for the PackageReport event); `onTransition` raises events when a step
 * change is recorded, optionally while that activity is still running. `mark` notes when a given
 * transition was recorded: the History table does not keep activity inputs, so the script tells.
 */
function publishing(
  onTransition: (t: Transition, ctl: Control) => Promise<void>,
  mark?: { when: (t: Transition) => boolean; at?: number },
): Script {
  let reads = 0;
  return async (name, input, ctl) => {
    switch (name) {
      case ACTIVITIES.recordStepChange:
        // One step change: each of its transitions, in order.
        for (const t of (input as { transitions: Transition[] }).transitions) {
          await onTransition(t, ctl);
          if (mark && mark.at === undefined && mark.when(t)) mark.at = Date.now();
        }
        return { result: {} };
      case ACTIVITIES.readPackageReport:
        reads += 1;
        if (reads === 1) {
          setTimeout(() => void ctl.raise(EVENTS.packageReport, { blobName: PASSED.blobName }), 800);
          return { result: { outcome: 'waiting', message: 'Waiting for a package to be uploaded.' } };
        }
        return { result: PASSED };
      case ACTIVITIES.sendReminder:
      case ACTIVITIES.escalateReview:
        return { result: null };
      default:
        return { result: { outcome: 'succeeded' } };
    }
  };
}

/**
 * A publishing run ends when the submission's last step change was recorded; its orchestration
 * then stays Running until its open reminder and timeout timers fire (days, in real time), so the
 * recorder stops it a few seconds after that last change.
 */
function endsWith(when: (t: Transition) => boolean): Pick<Scenario, 'stopWhen'> & {
  mark: { when: (t: Transition) => boolean; at?: number };
} {
  const mark: { when: (t: Transition) => boolean; at?: number } = { when };
  return { mark, stopWhen: () => mark.at !== undefined && Date.now() - mark.at > 4000 };
}

const ended = (t: Transition) =>
  t.transition === 'canceled' ||
  t.transition === 'failed' ||
  (t.step === 'live' && t.transition === 'succeeded');

const at = (t: Transition, step: string, transition: string) =>
  t.step === step && t.transition === transition;
const goLive = { actor: 'ann@contoso.example', at: '2030-01-01T00:00:00.000Z' };

function publishingScenarios(): Scenario[] {
  const live = endsWith(ended);
  const during = endsWith(ended);
  const rejected = endsWith(ended);
  const canceled = endsWith(ended);
  const promised = endsWith((t) => t.step === 'publish' && t.transition === 'waiting');
  const run = (
    id: string,
    e: ReturnType<typeof endsWith>,
    on: (t: Transition, ctl: Control) => Promise<void>,
  ) => ({
    id,
    orchestrator: ORCHESTRATORS.publishSubmission,
    input: PUBLISH_INPUT,
    activities: publishing(on, e.mark),
    stopWhen: e.stopWhen,
  });
  const later = (ms: number, f: () => void) => void setTimeout(f, ms);
  return [
    run('publish-to-live', live, async (t, ctl) => {
      if (at(t, 'publisher-signoff', 'waiting')) later(500, () => void ctl.raise(EVENTS.goLive, goLive));
      if (at(t, 'marketing-technical-validation', 'waiting'))
        later(500, () => {
          void ctl.raise(EVENTS.reviewDecision, decision('marketing'));
          void ctl.raise(EVENTS.reviewDecision, decision('technical'));
        });
    }),
    // Go Live and both decisions arrive while the activity recording the wait still runs.
    run('publish-events-during-activities', during, async (t, ctl) => {
      if (at(t, 'publisher-signoff', 'waiting')) await ctl.raise(EVENTS.goLive, goLive);
      if (at(t, 'marketing-technical-validation', 'waiting')) {
        await ctl.raise(EVENTS.reviewDecision, decision('technical'));
        await ctl.raise(EVENTS.reviewDecision, decision('marketing'));
      }
      await ctl.sleep(1000);
    }),
    run('publish-rejected', rejected, async (t, ctl) => {
      if (at(t, 'publisher-signoff', 'waiting')) later(300, () => void ctl.raise(EVENTS.goLive, goLive));
      if (at(t, 'marketing-technical-validation', 'waiting'))
        later(
          300,
          () =>
            void ctl.raise(EVENTS.reviewDecision, decision('technical', 'rejected', { comments: 'AS0088' })),
        );
    }),
    run('publish-canceled-at-signoff', canceled, async (t, ctl) => {
      if (at(t, 'publisher-signoff', 'waiting'))
        later(300, () => void ctl.raise(EVENTS.cancel, { actor: 'ann@contoso.example', at: goLive.at }));
    }),
    run('publish-promised-in-20-days', promised, async (t, ctl) => {
      if (at(t, 'publisher-signoff', 'waiting')) later(300, () => void ctl.raise(EVENTS.goLive, goLive));
      if (at(t, 'marketing-technical-validation', 'waiting')) {
        const publishDate = new Date(Date.now() + 20 * DAY_MS).toISOString().slice(0, 10);
        later(300, () => {
          void ctl.raise(EVENTS.reviewDecision, decision('marketing', 'approved', { publishDate }));
          void ctl.raise(EVENTS.reviewDecision, decision('technical'));
        });
      }
    }),
  ];
}

export const PUBLISHING: Scenario[] = publishingScenarios();

export const SCENARIOS: Scenario[] = [...CONFORMANCE, ...PUBLISHING];
