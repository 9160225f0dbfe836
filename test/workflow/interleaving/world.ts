/**
 * The world around one publishing orchestration, for the interleaving test: the activities (which
 * run when the schedule says, and may fail an attempt), the timers (fired in any order), the
 * instance's message queue (first in, first out; an episode takes 1..n messages), the offer status
 * the routes read (the real domain's applyTransition over the transitions recorded so far), and the
 * routes' rules for raising Go Live, Cancel, decisions and package reports (design.md). Each
 * command of a schedule is read against the current state, so every generated schedule is valid.
 *
 * A Cancel is accepted on the status row (the route's ETag-checked update), and its event may be
 * held and raised later (`raiseLater`, released by `raiseHeld` or when nothing else is left): the
 * route is slow between its acceptance and its raise, so step 8's start may be recorded, and its
 * completion delivered, before the Cancel's event reaches the instance. The step change that starts
 * step 8 (recordStepChange) checks the same row: with an accepted Cancel nothing of that change is
 * recorded, step 8 does not start, and the activity says so.
 *
 * Step changes (design.md "A step change is one write"): one recordStepChange call carries the
 * transitions of one change, applied together or not at all, and a retried call whose write
 * happened writes nothing again (its change key is on the status row). The old fixture
 * (test/workflow/fixtures/publishSubmissionBefore.ts) still calls 'recordTransition' with one
 * transition: the world takes it as a change of that one transition.
 */
import type { EpisodeResult, OrchestratorCallback } from '../../../devhost/durable/episode';
import { ACTIVITIES, EVENTS, ORCHESTRATORS } from '../../../shared/contracts/names';
import type { PublishInput } from '../../../shared/contracts/orchestration';
import {
  acceptedCancel,
  isAtSignoff,
  isInReview,
  pendingCancel,
  requestCancel,
} from '../../../shared/domain/rules';
import {
  CancelRequest,
  OfferStatus,
  ReviewArea,
  ReviewDecision,
  notStartedStatus,
} from '../../../shared/domain/status';
import { StepChange, applyChange, changeKey, starts } from '../../../shared/domain/stepChange';
import type { StepId } from '../../../shared/domain/steps';
import { StepTransition, startSubmission } from '../../../shared/domain/transitions';
import { DrivenInstance, Message, describeMessage, messages } from './driver';

export type Command =
  | { t: 'deliver'; n: number }
  /** Runs an open activity, or fails this attempt (`afterEffect`: its write happened, then it failed). */
  | { t: 'complete'; pick: number; fail: boolean; afterEffect?: boolean }
  /**
   * Storage trouble for one open activity: its next `attempts` attempts fail, whenever they run
   * (before or after their write), as many as that is, also more than its retry policy allows.
   */
  | { t: 'outage'; pick: number; attempts: number; afterEffect: boolean }
  | { t: 'fire'; pick: number }
  | { t: 'upload' }
  /** `refused`: the route could not raise the event (storage down) and answered 5xx. */
  | { t: 'goLive'; racing: boolean; refused?: boolean }
  | { t: 'cancel'; twice: boolean; raiseLater: boolean; refused?: boolean }
  | { t: 'raiseHeld' }
  | {
      t: 'decide';
      area: ReviewArea;
      outcome: 'approved' | 'rejected';
      promise: boolean;
      repeated: boolean;
      refused?: boolean;
    };

export interface Schedule {
  /** A validated package report is stored before Publish. */
  packageReady: boolean;
  /**
   * The offer has a Test Drive and a lead destination, so steps 3 and 4 run their activities;
   * otherwise step 1's result lists them as skipped and they are recorded without running.
   */
  optionalSteps?: boolean;
  /** Commands run from each wait point on (check.ts SEGMENT_STARTS): start, steps 3-5, sign-off, review, step 8. */
  segments: Command[][];
}

export interface PackageRef {
  blobName: string;
  etag: string;
  version: string;
  copyBlobName: string;
}

interface OpenActivity {
  taskId: number;
  name: string;
  input: unknown;
  attempt: number;
}

export const OFFER_ID = 'contoso-sales';
export const START = Date.parse('2026-12-01T09:00:00.000Z');
const MINUTE = 60_000;

export const INPUT: PublishInput = {
  offerId: OFFER_ID,
  submissionId: '1',
  snapshotBlobName: `${OFFER_ID}/1/offer.json`,
  notificationEmail: 'ann@contoso.com',
  // Seven business days is more than Azure Storage's 6-day timer limit: the SLA timer is split.
  settings: { packageValidationTimeout: 'P2D', signoffReminderInterval: 'P1D', reviewSlaBusinessDays: 7 },
};

const BEST_EFFORT: string[] = [ACTIVITIES.sendReminder, ACTIVITIES.escalateReview];
/** The old fixture's bookkeeping activity: one transition per call. */
export const OLD_RECORD = 'recordTransition';
/** The activities that record step changes (the current one, and the old fixture's). */
export const RECORDS: string[] = [ACTIVITIES.recordStepChange, OLD_RECORD];
/**
 * Attempts per call of the orchestrator's retry policies (orchestrators/publishSubmission.ts: RETRY
 * 5; the longer RECORD_RETRY of its bookkeeping, 9). Only used to tell an exhausted call, which
 * permits an `internal` failure; an outage of more attempts than these is always generated.
 */
const ATTEMPTS: Record<string, number> = { [ACTIVITIES.recordStepChange]: 9, [OLD_RECORD]: 9 };

/** The step change a record call carries (the old fixture's: its one transition). */
export function changeOfCall(name: string, input: unknown): StepChange {
  const fields = input as Record<string, unknown>;
  if (name === OLD_RECORD) {
    const { offerId, submissionId, ...transition } = fields;
    return {
      offerId: String(offerId),
      submissionId: String(submissionId),
      transitions: [transition as unknown as StepChange['transitions'][number]],
    };
  }
  return input as StepChange;
}
const DEFAULT_ATTEMPTS = 5;

export class World {
  readonly instance: DrivenInstance;
  clock = START;
  queue: Message[] = [];
  readonly activities = new Map<number, OpenActivity>();
  readonly timers = new Map<number, string>();
  status: OfferStatus;
  /** The decision store: first decision per area. */
  readonly stored: Partial<Record<ReviewArea, ReviewDecision>> = {};
  uploads = 0;
  report?: PackageRef;
  readonly step2: PackageRef[] = [];
  readonly previewInputs: unknown[] = [];
  readonly publishInputs: unknown[] = [];
  /**
   * The transitions of every step change, in order, first attempts only (a retry repeats the same
   * input): one entry per transition, whichever change carried it.
   */
  readonly records: StepTransition[] = [];
  /** The step changes themselves (record calls' inputs, first attempts only). */
  readonly changes: StepChange[] = [];
  readonly reminders: number[] = [];
  escalations = 0;
  private readonly retries = new Map<string, number[]>();
  private raisedCount = 0;
  /** Raises accepted by a route but not yet done (the route is slow between the two). */
  readonly held: Message[] = [];
  result?: EpisodeResult;
  readonly trace: string[] = [];
  /** Forced failures still to come per activity call (an outage spanning several attempts). */
  private readonly failing = new Map<string, { left: number; afterEffect: boolean }>();
  private nextOutage?: { left: number; afterEffect: boolean };
  /** Required activities whose every attempt failed (the orchestrator had to give up on them). */
  readonly exhausted: string[] = [];
  /** Requests the routes answered 5xx (their raise failed): none of them may take effect. */
  readonly refused: string[] = [];
  /** Step changes whose write happened (first or retried), by change key (stepChange.ts). */
  private readonly written = new Set<string>();

  constructor(
    orchestrator: OrchestratorCallback,
    packageReady: boolean,
    private readonly optionalSteps = false,
  ) {
    this.instance = new DrivenInstance(orchestrator, ORCHESTRATORS.publishSubmission, 'instance-1', INPUT);
    const at = new Date(this.clock).toISOString();
    this.status = startSubmission(notStartedStatus(OFFER_ID, at), '1', INPUT.notificationEmail, at);
    if (packageReady) this.upload(false);
  }

  get finished(): boolean {
    return this.result !== undefined && this.result.status !== 'running';
  }

  async start(): Promise<void> {
    this.note(await this.instance.start(this.now()), 'start');
  }

  now(): Date {
    return new Date(this.clock);
  }

  // ---- commands ------------------------------------------------------------------------------

  /** A minute passes between two things people or machines do. */
  tick(): void {
    this.clock += MINUTE;
  }

  async run(command: Command): Promise<void> {
    this.tick();
    switch (command.t) {
      case 'deliver':
        return this.deliver(command.n);
      case 'complete':
        return this.complete(command.pick, command.fail, command.afterEffect ?? false);
      case 'outage':
        return this.outage(command.pick, command.attempts, command.afterEffect);
      case 'fire':
        return this.fire(command.pick);
      case 'upload':
        return this.upload(true);
      case 'goLive':
        return command.refused ? this.refuse('goLive') : this.goLive(command.racing);
      case 'cancel':
        return command.refused ? this.refuse('cancel') : this.cancel(command.twice, command.raiseLater);
      case 'raiseHeld':
        return this.raiseHeld();
      case 'decide':
        return this.decide(command);
    }
  }

  async deliver(n: number): Promise<void> {
    if (this.finished || this.queue.length === 0) return;
    const batch = this.queue.splice(0, n);
    this.note(
      await this.instance.episode(batch, this.now()),
      `deliver ${batch.map(describeMessage).join(', ')}`,
    );
  }

  /**
   * Runs an open activity now (its effects happen) and queues its completion, or fails this attempt:
   * any attempt may fail, as often as storage is down, the last one of the retry policy too.
   */
  complete(pick: number, fail: boolean, afterEffect = false): void {
    const open = [...this.activities.values()];
    const activity = open[pick % Math.max(open.length, 1)];
    if (!activity) return;
    this.activities.delete(activity.taskId);
    const key = retryKey(activity.name, activity.input);
    const forced = this.failing.get(key);
    if (forced) {
      afterEffect = forced.afterEffect;
      if (--forced.left <= 0) this.failing.delete(key);
    }
    if (fail || forced) {
      // The write happened, the answer did not (an index refresh failed, the connection dropped).
      if (afterEffect) this.perform(activity);
      this.retries.set(key, [...(this.retries.get(key) ?? []), activity.attempt + 1]);
      const attempts = ATTEMPTS[activity.name] ?? DEFAULT_ATTEMPTS;
      if (activity.attempt >= attempts && !BEST_EFFORT.includes(activity.name)) this.exhausted.push(key);
      this.queue.push(messages.failed(activity.taskId, activity.name));
      this.trace.push(
        `  fail attempt ${activity.attempt} of ${activity.name}#${activity.taskId}${afterEffect ? ' after its write' : ''}`,
      );
      return;
    }
    this.queue.push(messages.completed(activity.taskId, this.perform(activity)));
    this.trace.push(`  run ${activity.name}#${activity.taskId}${summary(activity)}`);
  }

  /** The next `attempts` attempts of an open activity (or, with none open, of the next one) fail. */
  outage(pick: number, attempts: number, afterEffect: boolean): void {
    const open = [...this.activities.values()];
    const activity = open[pick % Math.max(open.length, 1)];
    if (!activity) {
      this.nextOutage = { left: attempts, afterEffect };
      this.trace.push(`  storage down for the next ${attempts} attempt(s) of the next activity`);
      return;
    }
    this.failing.set(retryKey(activity.name, activity.input), { left: attempts, afterEffect });
    this.trace.push(
      `  storage down for the next ${attempts} attempt(s) of ${activity.name}#${activity.taskId}`,
    );
  }

  /** A route whose raise failed answers 5xx and leaves nothing behind (design.md). */
  refuse(what: string): void {
    this.refused.push(`${what}@${this.now().toISOString()}`);
    this.trace.push(`  ${what} refused (5xx): its raise failed`);
  }

  fire(pick: number): void {
    const open = [...this.timers.entries()];
    const timer = open[pick % Math.max(open.length, 1)];
    if (!timer) return;
    const [timerId, fireAt] = timer;
    this.timers.delete(timerId);
    this.clock = Math.max(this.clock, Date.parse(fireAt));
    this.queue.push(messages.fired(timerId, fireAt));
    this.trace.push(`  fire timer#${timerId} (${fireAt})`);
  }

  /** A package is uploaded and validated; the trigger tells an active submission (validatePackageBlob). */
  upload(raise: boolean): void {
    this.uploads++;
    const blobName = `${OFFER_ID}/sales-${this.uploads}.app`;
    this.report = {
      blobName,
      etag: `"0x8DD${this.uploads}"`,
      version: `1.0.0.${this.uploads}`,
      copyBlobName: `${OFFER_ID}/1/package/sales-${this.uploads}.app`,
    };
    if (raise) this.raise(EVENTS.packageReport, { blobName, etag: this.report.etag });
  }

  /** functions/goLive.ts: at sign-off, raise then mark goLiveAt; once marked, a repeat raises nothing. */
  goLive(racing: boolean): void {
    if (this.status.goLiveAt || !isAtSignoff(this.status)) return;
    this.raise(EVENTS.goLive, { actor: this.actor('ann'), at: this.now().toISOString() });
    if (racing) this.raise(EVENTS.goLive, { actor: this.actor('ann'), at: this.now().toISOString() });
    this.status = { ...this.status, goLiveAt: this.now().toISOString() };
  }

  /**
   * functions/cancelSubmission.ts: accepted on the status row (while cancellable, or again while this
   * submission's accepted Cancel is on it), then raised; a repeat raises the accepted Cancel again.
   */
  cancel(twice: boolean, raiseLater = false): void {
    for (let press = 0; press < (twice ? 2 : 1); press++) {
      let accepted: CancelRequest;
      try {
        const requested = requestCancel(this.status, this.actor('ann'), this.now().toISOString());
        this.status = requested ?? this.status;
        accepted = acceptedCancel(this.status);
      } catch {
        return; // 409 not_cancellable
      }
      const payload = { actor: accepted.actor, at: accepted.at };
      if (raiseLater) {
        this.held.push(messages.raised(EVENTS.cancel, payload));
        this.trace.push(`  accept ${EVENTS.cancel} ${JSON.stringify(payload)} (raised later)`);
      } else this.raise(EVENTS.cancel, payload);
    }
  }

  /** The slow routes finally raise what they accepted. */
  raiseHeld(): void {
    for (const message of this.held.splice(0)) {
      this.queue.push(message);
      this.trace.push(`  raise (held) ${describeMessage(message)}`);
    }
  }

  /** The accepted Cancel of the current submission on the status row, while it is still active. */
  pendingCancel(): CancelRequest | undefined {
    return pendingCancel(this.status);
  }

  /** functions/submitReview.ts: stored first, raised (again when a delivery is retried), then shown. */
  decide(c: Extract<Command, { t: 'decide' }>): void {
    if (!isInReview(this.status) || this.status.reviews?.[c.area]) return;
    if (c.refused) return this.refuse(`decide ${c.area}`);
    const decision: ReviewDecision = this.stored[c.area] ?? {
      area: c.area,
      outcome: c.outcome,
      ...(c.outcome === 'rejected' ? { comments: 'not ready' } : {}),
      ...(c.promise && c.outcome === 'approved' ? { publishDate: '2027-01-20' } : {}),
      reviewer: this.actor(c.area === 'marketing' ? 'mia' : 'tom'),
      decidedAt: this.now().toISOString(),
    };
    this.stored[c.area] = decision;
    this.raise(EVENTS.reviewDecision, decision);
    if (c.repeated) this.raise(EVENTS.reviewDecision, decision);
    this.status = { ...this.status, reviews: { ...this.status.reviews, [c.area]: decision } };
  }

  // ---- the activities ------------------------------------------------------------------------

  private perform(activity: OpenActivity): unknown {
    const input = activity.input as Record<string, unknown>;
    switch (activity.name) {
      case ACTIVITIES.recordStepChange:
      case OLD_RECORD: {
        // activities/recordStepChange.ts (shared/adapters/tables/timeline.ts): a retried call whose
        // write happened finds its key on the status row and writes nothing.
        const change = changeOfCall(activity.name, input);
        const key = changeKey(change);
        if (this.written.has(key)) return {};
        // A change that starts step 8 is refused as a whole if a Cancel was accepted first.
        const cancel = this.pendingCancel();
        if (cancel && starts(change, 'publish'))
          return { cancelRequested: { actor: cancel.actor, at: cancel.at } };
        this.status = applyChange(this.status, change);
        this.written.add(key);
        return {};
      }
      case ACTIVITIES.validatePrerequisites: {
        // activities/validatePrerequisites.ts: steps 3 and 4 apply only to an offer configured for them.
        if (this.optionalSteps) return { outcome: 'succeeded' };
        const skip: { step: StepId; message: string }[] = [
          { step: 'test-drive-validation', message: 'Test Drive is not enabled.' },
          { step: 'lead-management', message: 'No lead destination is configured.' },
        ];
        return { outcome: 'succeeded', skip };
      }
      case ACTIVITIES.readPackageReport: {
        if (!this.report) return { outcome: 'waiting', message: 'Waiting for a package to be uploaded.' };
        this.step2.push(this.report);
        return { outcome: 'succeeded', message: 'passed', ...this.report };
      }
      case ACTIVITIES.buildPreviewPackage:
        this.previewInputs.push(input);
        return { outcome: 'succeeded' };
      case ACTIVITIES.publishPackage:
        this.publishInputs.push(input);
        return { outcome: 'succeeded' };
      case ACTIVITIES.sendReminder:
      case ACTIVITIES.escalateReview:
        return null;
      default:
        return { outcome: 'succeeded' };
    }
  }

  // ---- bookkeeping ---------------------------------------------------------------------------

  private raise(name: string, payload: unknown): void {
    this.queue.push(messages.raised(name, payload));
    this.trace.push(`  raise ${name} ${JSON.stringify(payload)}`);
  }

  private actor(who: string): string {
    return `${who}#${++this.raisedCount}`;
  }

  private note(result: EpisodeResult, what: string): void {
    this.result = result;
    this.trace.push(`episode: ${what}`);
    for (const a of result.activities) {
      const key = retryKey(a.name, a.input);
      const pending = this.retries.get(key);
      const attempt = pending?.shift() ?? 1;
      if (pending && pending.length === 0) this.retries.delete(key);
      this.activities.set(a.taskId, { ...a, attempt });
      if (this.nextOutage) {
        this.failing.set(key, this.nextOutage);
        this.nextOutage = undefined;
      }
      if (attempt === 1) this.firstAttempt(a.name, a.input);
      this.trace.push(
        `    scheduled ${a.name}#${a.taskId}${attempt > 1 ? ` (attempt ${attempt})` : ''}${summary(a)}`,
      );
    }
    for (const t of result.timers) {
      this.timers.set(t.timerId, t.fireAt);
      this.trace.push(`    timer#${t.timerId} at ${t.fireAt}`);
    }
    if (result.status !== 'running') {
      this.trace.push(`    instance ${result.status}: ${JSON.stringify(result.output ?? result.error)}`);
      this.activities.clear();
      this.timers.clear();
    }
  }

  private firstAttempt(name: string, input: unknown): void {
    const fields = input as Record<string, unknown>;
    if (RECORDS.includes(name)) {
      const change = changeOfCall(name, input);
      this.changes.push(change);
      for (const t of change.transitions)
        this.records.push({ ...t, offerId: change.offerId, submissionId: change.submissionId });
    }
    if (name === ACTIVITIES.sendReminder) this.reminders.push(Number(fields.reminder));
    if (name === ACTIVITIES.escalateReview) this.escalations++;
  }
}

function retryKey(name: string, input: unknown): string {
  return `${name} ${JSON.stringify(input)}`;
}

function summary(a: { name: string; input: unknown }): string {
  const input = a.input as Record<string, unknown>;
  if (RECORDS.includes(a.name))
    return ` ${changeOfCall(a.name, a.input)
      .transitions.map((t) => `${t.step} ${t.transition}`)
      .join(' + ')}`;
  if (a.name === ACTIVITIES.sendReminder) return ` #${String(input.reminder)}`;
  return '';
}

/** Runs the world forward (messages, then activities, then timers, in that order) until `until`. */
export async function settle(world: World, until: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !until(); i++) {
    world.tick();
    if (world.queue.length > 0) await world.deliver(world.queue.length);
    else if (world.activities.size > 0) world.complete(0, false);
    else if (world.timers.size > 0) world.fire(0);
    else break;
  }
}
