/**
 * Runs one schedule against the orchestrator, finishes the run the way people would (deliver,
 * complete, press what the status still offers, then let time pass), and checks the invariants of
 * design.md "Guarantees of the workflow". Returns the violations, each with the run's trace.
 */
import type { OrchestratorCallback } from '../../../devhost/durable/episode';
import { EVENTS } from '../../../shared/contracts/names';
import { isAtSignoff, isInReview } from '../../../shared/domain/rules';
import { isActive } from '../../../shared/domain/states';
import { REVIEW_AREAS } from '../../../shared/domain/status';
import { Message, episodeCount, raisedEvents } from './driver';
import { RECORDS, Schedule, World, changeOfCall } from './world';

export type Invariant =
  | 'consumedOnce'
  | 'neverStuck'
  | 'transitionsOnce'
  | 'previewIsPublished'
  | 'boundedWait'
  | 'failsVisibly';
export const ALL_INVARIANTS: Invariant[] = [
  'consumedOnce',
  'neverStuck',
  'failsVisibly',
  'transitionsOnce',
  'previewIsPublished',
  'boundedWait',
];

export interface Verdict {
  violations: string[];
  trace: string[];
  episodes: number;
}

const FINISH_ROUNDS = 400;

/**
 * Where each segment of a schedule starts: the run is moved forward (messages delivered, activities
 * run, buttons pressed only when nothing else is left) until the instance reaches that point.
 */
const SEGMENT_STARTS: { name: string; reached: (w: World) => boolean }[] = [
  { name: 'start (steps 1-2, package wait)', reached: () => true },
  { name: 'step 2 passed (steps 3-5)', reached: (w) => recorded(w, 'automated-validation', 'succeeded') },
  { name: 'sign-off', reached: (w) => isAtSignoff(w.status) },
  { name: 'review', reached: (w) => isInReview(w.status) },
  { name: 'step 8 boundary', reached: (w) => recorded(w, 'marketing-technical-validation', 'succeeded') },
];
export const SEGMENTS = SEGMENT_STARTS.length;

function recorded(w: World, step: string, transition: string): boolean {
  return w.records.some((r) => r.step === step && r.transition === transition);
}

export async function runSchedule(
  orchestrator: OrchestratorCallback,
  schedule: Schedule,
  invariants: Invariant[] = ALL_INVARIANTS,
): Promise<Verdict> {
  const world = new World(orchestrator, schedule.packageReady, schedule.optionalSteps ?? false);
  await world.start();
  for (const [i, segment] of schedule.segments.entries()) {
    const start = SEGMENT_STARTS[i];
    if (!start || world.finished) break;
    await advance(world, start.reached);
    world.trace.push(`> segment: ${start.name}`);
    for (const command of segment) {
      world.trace.push(`> ${JSON.stringify(command)}`);
      await world.run(command);
    }
  }
  world.trace.push('> finish');
  await advance(world, () => false);
  const violations = check(world).filter((v) => invariants.includes(v.invariant));
  return {
    violations: violations.map((v) => `${v.invariant}: ${v.message}`),
    trace: world.trace,
    episodes: episodeCount(world.instance.history),
  };
}

/** Everyone does what is left to do: messages delivered, activities run, buttons pressed, time passes. */
async function advance(world: World, reached: (w: World) => boolean): Promise<void> {
  for (let round = 0; round < FINISH_ROUNDS && !world.finished && !reached(world); round++) {
    world.tick();
    if (world.queue.length > 0) await world.deliver(world.queue.length);
    else if (world.activities.size > 0) world.complete(0, false);
    else if (world.held.length > 0) world.raiseHeld();
    else if (!world.report) world.upload(true);
    else if (isAtSignoff(world.status) && !world.status.goLiveAt) world.goLive(false);
    else if (isInReview(world.status) && REVIEW_AREAS.some((a) => !world.status.reviews?.[a])) {
      const area = REVIEW_AREAS.find((a) => !world.status.reviews?.[a]) ?? 'marketing';
      world.decide({ t: 'decide', area, outcome: 'approved', promise: false, repeated: false });
    } else if (world.timers.size > 0) world.fire(earliest(world));
    else break;
  }
}

function earliest(world: World): number {
  const fireTimes = [...world.timers.values()].map((at) => Date.parse(at));
  return fireTimes.indexOf(Math.min(...fireTimes));
}

interface Violation {
  invariant: Invariant;
  message: string;
}

function check(world: World): Violation[] {
  return [
    ...stuck(world),
    ...failsVisibly(world),
    ...consumption(world),
    ...transitionsOnce(world),
    ...preview(world),
    ...bounded(world),
  ];
}

function stuck(world: World): Violation[] {
  if (world.finished) return [];
  const pending =
    world.timers.size > 0
      ? `${world.timers.size} timer(s) still pending after ${FINISH_ROUNDS} rounds`
      : 'no timer';
  return [
    {
      invariant: 'neverStuck',
      message:
        `the instance still waits at ${world.status.currentStep} (${world.status.state}, goLiveAt ${world.status.goLiveAt ?? '-'}, ` +
        `decisions shown ${Object.keys(world.status.reviews ?? {}).join('+') || '-'}) with nothing left that can wake it: ` +
        `no action the API accepts, ${pending}`,
    },
  ];
}

/**
 * The orchestration never dies silently (issue 21 item 2): when it ends, the status is not left
 * active, unless the orchestrator gave up on a call and then tried to record `Failed` with
 * `internal`, and that record failed too (storage still down): then the reconciler ends it.
 */
function failsVisibly(world: World): Violation[] {
  if (!world.finished || !isActive(world.status.state)) return [];
  const triedToFail = world.records.some((r) => r.transition === 'failed' && r.error?.code === 'internal');
  if (triedToFail && world.exhausted.length > 0) return [];
  const why =
    world.result?.status === 'failed' ? `failed (${String(world.result.error ?? '')})` : world.result?.status;
  return [
    {
      invariant: 'failsVisibly',
      message:
        `the orchestration ended ${why ?? '?'} and left the status ${world.status.state} at ${world.status.currentStep}` +
        ` without recording the failure (calls that exhausted their retries: ${world.exhausted.join('; ') || 'none'})`,
    },
  ];
}

/** An end the orchestrator chose because a call failed on every attempt. */
function gaveUp(world: World): boolean {
  const last = world.records[world.records.length - 1];
  return (
    world.exhausted.length > 0 &&
    (world.result?.status === 'failed' || (last?.transition === 'failed' && last.error?.code === 'internal'))
  );
}

type Expected =
  | { end: 'Canceled'; actor: string }
  | { end: 'Failed'; reviewer: string }
  | { end: 'Live' }
  | { end: 'NotDecided' };

/**
 * What the events, in the order the orchestration received them, must lead to: the first Go Live
 * or Cancel decides sign-off; then a Cancel cancels (it is accepted until step 8 starts), the first
 * decision per area counts, a rejection fails, two approvals publish. Duplicates change nothing.
 */
function expectedEnd(events: Message[]): { expected: Expected; signoffActor?: string } {
  let signoffActor: string | undefined;
  const decided = new Set<string>();
  let approvals = 0;
  for (const e of raisedEvents(events)) {
    const payload = e.payload as { actor?: string; area?: string; outcome?: string; reviewer?: string };
    if (e.name === EVENTS.cancel)
      return { expected: { end: 'Canceled', actor: payload.actor ?? '' }, signoffActor };
    if (e.name === EVENTS.goLive && !signoffActor) signoffActor = payload.actor;
    if (e.name !== EVENTS.reviewDecision || !signoffActor || decided.has(payload.area ?? '')) continue;
    decided.add(payload.area ?? '');
    if (payload.outcome === 'rejected')
      return { expected: { end: 'Failed', reviewer: payload.reviewer ?? '' }, signoffActor };
    approvals++;
  }
  return { expected: approvals === 2 ? { end: 'Live' } : { end: 'NotDecided' }, signoffActor };
}

/**
 * A Cancel the route accepted (202) takes effect even if its event never reached the instance
 * before the end: the accepted Cancel is on the status row before step 8 can start, so neither
 * Live nor a wait forever is a possible end. A rejection received before it still fails first.
 */
function acceptedCancelWins(world: World, received: Expected): Expected {
  const accepted = world.status.cancelRequest;
  if (!accepted || received.end === 'Canceled' || received.end === 'Failed') return received;
  return { end: 'Canceled', actor: accepted.actor };
}

function consumption(world: World): Violation[] {
  // A submission that failed with `internal` because storage stayed down decided nothing else.
  if (!world.finished || gaveUp(world)) return [];
  const records = world.records;
  const last = records[records.length - 1];
  const step2Failed = records.find((r) => r.step === 'automated-validation' && r.transition === 'failed');
  if (step2Failed) return packageWait(world);
  const { expected: received, signoffActor } = expectedEnd(world.instance.history);
  const expected = acceptedCancelWins(world, received);
  const out: Violation[] = [];
  const signedOff = records.find((r) => r.step === 'publisher-signoff' && r.transition === 'succeeded');
  if (signedOff && signedOff.actor !== signoffActor)
    out.push({
      invariant: 'consumedOnce',
      message: `Go Live of ${signoffActor ?? 'nobody'} was received first, but sign-off succeeded for ${signedOff.actor ?? '?'}`,
    });
  const got = last ? `${last.step} ${last.transition}${last.actor ? ` by ${last.actor}` : ''}` : 'nothing';
  const ok =
    (expected.end === 'Canceled' && last?.transition === 'canceled' && last.actor === expected.actor) ||
    (expected.end === 'Failed' &&
      last?.transition === 'failed' &&
      last.step === 'marketing-technical-validation' &&
      (last.message ?? '').includes(expected.reviewer)) ||
    (expected.end === 'Live' && last?.step === 'live' && last.transition === 'succeeded');
  if (!ok)
    out.push({
      invariant: 'consumedOnce',
      message: `the events received (and any Cancel accepted on the status) lead to ${JSON.stringify(expected)}, but the submission ended with ${got}`,
    });
  return out;
}

/** Step 2 may fail with no_package only if no package report arrived before its deadline fired. */
function packageWait(world: World): Violation[] {
  const waiting = world.records.find((r) => r.step === 'automated-validation' && r.transition === 'waiting');
  if (!waiting)
    return [{ invariant: 'consumedOnce', message: 'step 2 failed without waiting for a package' }];
  const deadline = new Date(Date.parse(waiting.at) + 2 * 86_400_000).toISOString();
  const history = world.instance.history;
  const fired = history.findIndex((e) => e.TimerId !== undefined && e.FireAt === deadline);
  const reports = raisedEvents(history).filter((e) => e.name === EVENTS.packageReport);
  const early = reports.find((r) => fired < 0 || r.index < fired);
  return early
    ? [
        {
          invariant: 'consumedOnce',
          message: `a package report arrived (history #${early.index}) before the step-2 deadline fired, yet step 2 failed with no package`,
        },
      ]
    : [];
}

function transitionsOnce(world: World): Violation[] {
  const counts = new Map<string, number>();
  // A transition whose change failed on every attempt may be asked once more, as the give-up's
  // `failed` with `internal` (a change is keyed by its last transition on the status row, so at
  // most one of the two is written).
  const exhausted = new Set(world.exhausted.flatMap(transitionsOfCall));
  const gaveUp = new Set<string>();
  for (const r of world.records) {
    const key = `${r.step} ${r.transition}`;
    if (r.error?.code === 'internal' && exhausted.has(key) && !gaveUp.has(key)) {
      gaveUp.add(key);
      continue;
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .filter(([, n]) => n > 1)
    .map(([key, n]) => ({
      invariant: 'transitionsOnce' as const,
      message: `${key} was recorded ${n} times`,
    }));
}

/**
 * `step transition` of each transition an exhausted record call carried (world.ts retryKey: name,
 * then JSON input); none for other calls.
 */
function transitionsOfCall(call: string): string[] {
  const name = call.slice(0, call.indexOf(' '));
  if (!RECORDS.includes(name)) return [];
  try {
    const input = JSON.parse(call.slice(call.indexOf(' ') + 1)) as unknown;
    return changeOfCall(name, input).transitions.map((t) => `${t.step} ${t.transition}`);
  } catch {
    return [];
  }
}

function preview(world: World): Violation[] {
  const validated = world.step2[world.step2.length - 1];
  const out: Violation[] = [];
  const named = (input: unknown) => (input as { package?: unknown }).package;
  const same = (a: unknown) => canonical(a) === canonical(validated);
  for (const input of world.previewInputs) {
    if (!same(named(input)))
      out.push({
        invariant: 'previewIsPublished',
        message: `step 5 packed ${JSON.stringify(named(input) ?? 'the newest upload (no package named)')}, step 2 passed ${JSON.stringify(validated)}`,
      });
  }
  for (const input of world.publishInputs) {
    if (!same(named(input)))
      out.push({
        invariant: 'previewIsPublished',
        message: `step 8 published ${JSON.stringify(named(input) ?? input)}, step 2 passed ${JSON.stringify(validated)}`,
      });
  }
  return out;
}

function canonical(value: unknown): string {
  if (!value || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
  return `{${entries.map(([k, v]) => `${k}:${canonical(v)}`).join(',')}}`;
}

function bounded(world: World): Violation[] {
  const out: Violation[] = [];
  if (world.reminders.length > 5 || new Set(world.reminders).size !== world.reminders.length)
    out.push({
      invariant: 'boundedWait',
      message: `${world.reminders.length} reminders sent (${world.reminders.slice(0, 8).join(', ')}, ...)`,
    });
  if (world.escalations > 1)
    out.push({ invariant: 'boundedWait', message: `${world.escalations} escalations` });
  return out;
}
