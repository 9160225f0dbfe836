import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { z } from 'zod';
import { ACTIVITIES, EVENTS, ORCHESTRATORS } from '../shared/contracts/names';
import {
  BuildPreviewInput,
  PackageStepInput,
  PackageStepResult,
  PublishPackageInput,
  RecordStepChangeInput,
  RecordTransitionResult,
  TransitionEntry,
  StepActivityInput,
  StepOutcome,
  ValidatedPackage,
  packageStepResultSchema,
  recordTransitionResultSchema,
  stepOutcomeSchema,
} from '../shared/contracts/activities';
import {
  PublishDateEvent,
  PublishInput,
  ReviewDecisionEvent,
  cancelEventSchema,
  goLiveEventSchema,
  publishDateEventSchema,
  publishInputSchema,
  reviewDecisionEventSchema,
} from '../shared/contracts/orchestration';
import { addBusinessDays } from '../shared/domain/businessDays';
import type { ErrorDetail } from '../shared/domain/errors';
import type { EndedState, Transition } from '../shared/domain/states';
import type { StepId } from '../shared/domain/steps';
import {
  SIGNOFF_REMINDER_LIMIT,
  durationMs,
  latestPublishMoment,
  publishMoment,
  publishedBlobName,
} from '../shared/domain/workflow';
import type { LiveRelease } from '../shared/domain/transitions';
import { previewBlobName } from '../shared/domain/storefront';
import { Arrival, EventInbox, Waited } from './eventInbox';

/**
 * One submission of an offer, from step 1 to Live (design.md "The nine steps"). Deterministic:
 * time comes from context.df.currentUtcDateTime, settings from the input, everything else from
 * activities. Every step change goes through the recordStepChange activity (status, history,
 * submission record, email and webhook events in one write), so this generator only decides what
 * happens next and which transitions make one change: the transitions it notes are recorded
 * together when something is about to take time (a step's work, a wait), so a step that ends and
 * the next that starts are one change and one email (design.md). Every wait for
 * an event or a time goes through one EventInbox (eventInbox.ts explains why), so an event that
 * arrives at any moment is taken exactly once, by the wait it belongs to.
 */

/** Yielded tasks, returned value, and what the SDK sends back (an activity result or event payload). */
type Flow<T> = Generator<Task, T, unknown>;

/** Activities retry 4 times over about 14 s: long enough for a storage blip, short enough to fail visibly. */
const RETRY = new df.RetryOptions(2000, 5);
RETRY.backoffCoefficient = 2;
RETRY.maxRetryIntervalInMilliseconds = 60_000;

/**
 * Bookkeeping (recordTransition) retries longer: 9 attempts over about 25 minutes (5 s doubling,
 * at most 10 minutes apart), to outlast a storage outage of that length. Its waits are durable
 * timers, so no process is held meanwhile. Past that the step gives up (see BookkeepingFailed).
 */
const RECORD_RETRY = new df.RetryOptions(5000, 9);
RECORD_RETRY.backoffCoefficient = 2;
RECORD_RETRY.maxRetryIntervalInMilliseconds = 10 * 60_000;

/** A transition that could not be recorded after RECORD_RETRY: the submission cannot go on. */
class BookkeepingFailed extends Error {
  constructor(readonly step: StepId) {
    super(`recording a transition of step ${step} failed`);
  }
}

type Failure = Extract<StepOutcome, { outcome: 'failed' }>;
type End = EndedState;

/**
 * recordTransition found the submission already ended: the reconciler ended it while this instance
 * was late (it answered no status in time, or started after its Publish had failed). Nothing more
 * of it is shown, emailed or done: the orchestration ends the way the status says.
 */
class SubmissionEnded extends Error {
  constructor(readonly end: End) {
    super(`the submission already ended ${end}`);
  }
}

const INTERNAL: Failure = {
  outcome: 'failed',
  code: 'internal',
  message: 'An internal error stopped this step. Press Publish again; if it happens again, contact support.',
  details: [],
};

/** Steps 1, 3 and 4: one activity each, judged by its outcome alone. */
const SIMPLE_STEPS: Partial<Record<StepId, string>> = {
  'validate-prerequisites': ACTIVITIES.validatePrerequisites,
  'test-drive-validation': ACTIVITIES.validateTestDrive,
  'lead-management': ACTIVITIES.sendTestLead,
};
const AUTOMATED_STEPS: StepId[] = [
  'validate-prerequisites',
  'automated-validation',
  'test-drive-validation',
  'lead-management',
  'appsource-packaging',
];

class Submission {
  /** The package that passed step 2: step 5 packs exactly this one and step 8 publishes it. */
  package?: ValidatedPackage;
  readonly inbox: EventInbox;

  constructor(
    readonly context: OrchestrationContext,
    readonly input: PublishInput,
  ) {
    this.inbox = new EventInbox(context, Object.values(EVENTS));
  }

  /** The step of the latest transition asked for: where a submission that cannot go on stood. */
  step: StepId = 'validate-prerequisites';

  now(): Date {
    return this.context.df.currentUtcDateTime;
  }

  stepInput(): StepActivityInput {
    const { offerId, submissionId, snapshotBlobName } = this.input;
    return { offerId, submissionId, snapshotBlobName, at: this.now().toISOString() };
  }

  /** Whether a change was recorded yet: the first one names the offer. */
  named = false;

  /** The offer's live version as the last recorded change told it (undefined: not told). */
  lastLiveVersion?: string | null;

  /** Step 2's input: with the live version its package must exceed, when a change told it. */
  packageStepInput(): PackageStepInput {
    const told = this.lastLiveVersion;
    return { ...this.stepInput(), ...(told !== undefined ? { lastLiveVersion: told } : {}) };
  }

  /** Transitions noted since the last change was recorded: the next change. */
  pending: TransitionEntry[] = [];

  /** Set when step 5 wrote the preview: the next change links it (and mints its hidekey). */
  previewToLink?: string;

  /** Notes a transition; it is recorded with the next `flush`. */
  note(
    step: StepId,
    transition: Transition,
    extra: Omit<TransitionEntry, 'step' | 'transition' | 'at'> = {},
  ): void {
    this.step = step;
    this.pending.push({ step, transition, at: this.now().toISOString(), ...extra });
  }

  /**
   * Records the noted transitions as one step change; throws BookkeepingFailed once RECORD_RETRY
   * is exhausted, and SubmissionEnded when the submission had already ended.
   */
  *flush(): Flow<RecordTransitionResult> {
    if (this.pending.length === 0) return {};
    // Everything before this change was recorded: if it cannot be, the submission stood at the
    // change's first step (its later ones were never reached).
    const stood = this.pending[0]?.step ?? this.step;
    const first = !this.named;
    const input: RecordStepChangeInput = {
      offerId: this.input.offerId,
      submissionId: this.input.submissionId,
      transitions: this.pending,
      ...(first && this.input.offerName ? { offerName: this.input.offerName } : {}),
      ...(this.previewToLink ? { preview: { blobName: this.previewToLink } } : {}),
    };
    this.pending = [];
    this.previewToLink = undefined;
    this.named = true;
    let result: unknown;
    try {
      result = yield this.context.df.callActivityWithRetry(ACTIVITIES.recordStepChange, RECORD_RETRY, input);
    } catch {
      throw new BookkeepingFailed(stood);
    }
    const parsed = recordTransitionResultSchema.safeParse(result).data ?? {};
    if (parsed.ended) throw new SubmissionEnded(parsed.ended);
    if (parsed.lastLiveVersion !== undefined) this.lastLiveVersion = parsed.lastLiveVersion;
    return parsed;
  }

  /** Notes a transition and records it with those noted before it. */
  *record(
    step: StepId,
    transition: Transition,
    extra: Omit<TransitionEntry, 'step' | 'transition' | 'at'> = {},
  ): Flow<RecordTransitionResult> {
    this.note(step, transition, extra);
    return yield* this.flush();
  }

  /**
   * The end of a submission that cannot go on (its bookkeeping failed, or anything else threw):
   * recorded Failed with `internal` at that step, once, best effort. If even that cannot be
   * written, the orchestration still ends and the reconciler finds the active status without a
   * running instance (design.md "Nothing stays stuck").
   */
  *giveUp(step: StepId): Flow<End> {
    const { code, message, details } = INTERNAL;
    const input: RecordStepChangeInput = {
      offerId: this.input.offerId,
      submissionId: this.input.submissionId,
      transitions: [
        {
          step,
          transition: 'failed',
          at: this.now().toISOString(),
          message,
          error: { step, code, message, details },
        },
      ],
    };
    this.pending = [];
    try {
      yield this.context.df.callActivityWithRetry(ACTIVITIES.recordStepChange, RETRY, input);
    } catch {
      // Best effort: see above.
    }
    return 'Failed';
  }

  /**
   * Records step 8's start, unless a Cancel was accepted on the status first: then step 8 has not
   * started and that Cancel is returned, as its event would be, even if the event is still on its way.
   */
  *startPublishing(waitMessage?: string): Flow<Arrival | undefined> {
    this.note('publish', 'started');
    if (waitMessage) this.note('publish', 'waiting', { message: waitMessage });
    const cancel = (yield* this.flush()).cancelRequested;
    // Refused: nothing of that change was recorded (step 7's success included); the Cancel ends it.
    return cancel && { name: EVENTS.cancel, payload: cancel };
  }

  /** Calls an activity; a throw after the retries becomes the step's `internal` failure. */
  *call<T>(name: string, input: unknown, schema: z.ZodType<T>): Flow<T | Failure> {
    try {
      const result = yield this.context.df.callActivityWithRetry(name, RETRY, input);
      const parsed = schema.safeParse(result);
      return parsed.success ? parsed.data : INTERNAL;
    } catch {
      return INTERNAL;
    }
  }

  /** Best-effort side activities (reminders, escalation): their failure never stops the submission. */
  *tryCall(name: string, input: unknown): Flow<void> {
    try {
      yield this.context.df.callActivityWithRetry(name, RETRY, input);
    } catch {
      // Already retried; the outbox shows what was not sent.
    }
  }

  *fail(step: StepId, failure: Failure): Flow<End> {
    const error = { step, code: failure.code, message: failure.message, details: failure.details };
    yield* this.record(step, 'failed', { message: failure.message, error });
    return 'Failed';
  }
}

function* automatedStep(s: Submission, step: StepId): Flow<StepOutcome | PackageStepResult> {
  if (step === 'automated-validation') return yield* packageStep(s);
  if (step === 'appsource-packaging') return yield* previewStep(s);
  if (step === 'validate-prerequisites') {
    const input = { ...s.stepInput(), notificationEmail: s.input.notificationEmail };
    return yield* s.call(ACTIVITIES.validatePrerequisites, input, stepOutcomeSchema);
  }
  const activity = SIMPLE_STEPS[step];
  if (!activity) return INTERNAL;
  return yield* s.call(activity, s.stepInput(), stepOutcomeSchema);
}

/**
 * Step 2. Validation runs when the package is uploaded; while no report (or a Pending one) is
 * stored the step waits for the PackageReport event, up to PACKAGE_VALIDATION_TIMEOUT. A report
 * raised before the wait (during step 1, during a read) is kept by the inbox, so none is missed;
 * several queued reports mean one more read, since the read always sees the latest. When the wait
 * ends, the stored report is read once more: a report whose event was lost still counts.
 */
function* packageStep(s: Submission): Flow<PackageStepResult> {
  let result = yield* s.call(ACTIVITIES.readPackageReport, s.packageStepInput(), packageStepResultSchema);
  if (result.outcome !== 'waiting') return result;
  yield* s.record('automated-validation', 'waiting', { message: result.message });
  const timeout = s.input.settings.packageValidationTimeout;
  const deadline = new Date(s.now().getTime() + durationMs(timeout));
  while (result.outcome === 'waiting') {
    const waited = yield* s.inbox.wait([EVENTS.packageReport], deadline);
    if (waited.kind === 'timeout') {
      // The report may be stored although its event never came (a raise that kept failing): one
      // last read before giving up (issue 21 item 5).
      result = yield* s.call(ACTIVITIES.readPackageReport, s.packageStepInput(), packageStepResultSchema);
      if (result.outcome !== 'waiting') return result;
      return {
        outcome: 'failed',
        code: 'no_package',
        message: `No validated package arrived within ${timeout}. Upload the package, then press Publish again.`,
        details: [{ path: 'package', message: 'no package report for this offer' }],
      };
    }
    s.inbox.drain(EVENTS.packageReport);
    result = yield* s.call(ACTIVITIES.readPackageReport, s.packageStepInput(), packageStepResultSchema);
  }
  return result;
}

/**
 * Step 5: packs exactly the package version that passed step 2 (its copy), never the newest
 * upload. The change that records its success links the preview: the hidekey is minted there,
 * in the status's own transaction, and never passes through the orchestration's history.
 */
function* previewStep(s: Submission): Flow<StepOutcome> {
  if (!s.package) return INTERNAL;
  const input: BuildPreviewInput = { ...s.stepInput(), package: s.package };
  const outcome = yield* s.call(ACTIVITIES.buildPreviewPackage, input, stepOutcomeSchema);
  if (outcome.outcome === 'succeeded')
    s.previewToLink = previewBlobName(s.input.offerId, s.input.submissionId);
  return outcome;
}

/**
 * Steps 1-5. Each step's start is recorded with the end of the one before (step 1's start rides
 * with its own end: it takes no time anyone waits for), and steps that do not apply (step 1 says
 * which) are recorded skipped in the same change, without running.
 */
function* automatedSteps(s: Submission): Flow<End | undefined> {
  const skip = new Map<StepId, string>();
  for (const step of AUTOMATED_STEPS) {
    const skipped = skip.get(step);
    if (skipped !== undefined) {
      s.note(step, 'skipped', { message: skipped });
      continue;
    }
    s.note(step, 'started');
    if (step !== 'validate-prerequisites') yield* s.flush();
    const outcome = yield* automatedStep(s, step);
    if (outcome.outcome === 'failed') return yield* s.fail(step, outcome);
    if (outcome.outcome === 'waiting') return yield* s.fail(step, INTERNAL);
    if (step === 'automated-validation' && outcome.outcome === 'succeeded' && 'blobName' in outcome) {
      const { blobName, etag, version, copyBlobName, appId } = outcome;
      s.package = {
        blobName,
        copyBlobName,
        ...(etag ? { etag } : {}),
        ...(version ? { version } : {}),
        ...(appId ? { appId } : {}),
      };
    }
    if (outcome.outcome === 'succeeded' && 'skip' in outcome)
      for (const later of outcome.skip ?? []) skip.set(later.step, later.message);
    s.note(step, outcome.outcome, outcome.message ? { message: outcome.message } : {});
  }
  return undefined;
}

/**
 * Step 6. Waits for Go Live or Cancel, reminding the publisher every SIGNOFF_REMINDER_INTERVAL,
 * at most SIGNOFF_REMINDER_LIMIT times; after that it waits without a timer, so however long the
 * publisher takes, the history stays small. A Go Live or Cancel that arrives while a reminder is
 * being sent is waiting in the inbox when the reminder is done.
 */
function* publisherSignoff(s: Submission): Flow<End | undefined> {
  const step: StepId = 'publisher-signoff';
  s.note(step, 'started');
  yield* s.record(step, 'waiting', {
    message: 'The preview is ready: review it, then press Go Live or Cancel.',
  });
  const interval = durationMs(s.input.settings.signoffReminderInterval);
  for (let reminder = 1; ; reminder++) {
    const due = reminder <= SIGNOFF_REMINDER_LIMIT ? new Date(s.now().getTime() + interval) : undefined;
    const waited = yield* s.inbox.wait([EVENTS.goLive, EVENTS.cancel], due);
    if (waited.kind === 'timeout') {
      yield* s.tryCall(ACTIVITIES.sendReminder, { ...s.stepInput(), reminder });
      continue;
    }
    if (waited.name === EVENTS.cancel) return yield* canceled(s, step, waited);
    const actor = goLiveEventSchema.safeParse(waited.payload).data?.actor;
    s.note(step, 'succeeded', { message: 'Go Live pressed.', ...(actor ? { actor } : {}) });
    return undefined;
  }
}

function* canceled(s: Submission, step: StepId, cancel: Arrival): Flow<End> {
  const actor = cancelEventSchema.safeParse(cancel.payload).data?.actor;
  yield* s.record(step, 'canceled', { message: 'The submission was canceled.', ...(actor ? { actor } : {}) });
  return 'Canceled';
}

type Decisions = Partial<Record<ReviewDecisionEvent['area'], ReviewDecisionEvent>>;

/**
 * Step 7. Both reviews run in parallel; a rejection fails the step with the reviewer's comments.
 * After REVIEW_SLA_BUSINESS_DAYS without both decisions the review team gets one escalation, and
 * the wait goes on without a timer. A repeated decision for an area already decided changes nothing.
 */
function* review(s: Submission): Flow<End | Decisions> {
  const step: StepId = 'marketing-technical-validation';
  s.note(step, 'started');
  yield* s.record(step, 'waiting', { message: 'Waiting for the marketing and technical reviews.' });
  const waitingSince = s.now().toISOString();
  const days = s.input.settings.reviewSlaBusinessDays;
  const due = addBusinessDays(s.now(), days);
  let escalated = false;
  const decisions: Decisions = {};
  while (!(decisions.marketing && decisions.technical)) {
    const waited = yield* s.inbox.wait([EVENTS.reviewDecision, EVENTS.cancel], escalated ? undefined : due);
    if (waited.kind === 'timeout') {
      escalated = true;
      yield* s.tryCall(ACTIVITIES.escalateReview, { ...s.stepInput(), waitingSince, businessDays: days });
      continue;
    }
    if (waited.name === EVENTS.cancel) return yield* canceled(s, step, waited);
    const decision = reviewDecisionEventSchema.safeParse(waited.payload).data;
    if (!decision || decisions[decision.area]) continue;
    decisions[decision.area] = decision;
    if (decision.outcome === 'rejected') return yield* s.fail(step, rejection(decision));
  }
  s.note(step, 'succeeded', { message: 'Marketing and technical reviews approved.' });
  return decisions;
}

function rejection(d: ReviewDecisionEvent): Failure {
  const comments = d.comments?.trim() || 'no comments given';
  const details: ErrorDetail[] = [{ path: `reviews.${d.area}`, message: comments }];
  return {
    outcome: 'failed',
    code: 'review_rejected',
    message: `The ${d.area} review rejected the offer (${d.reviewer}): ${comments}`,
    details,
  };
}

/**
 * Step 8: not before the latest promised publishing date, then the package that passed step 2 is
 * published. Cancel is accepted until step 8 starts, decided on the status row: a Cancel that
 * reached the inbox while step 7's success was recorded cancels; one the API accepted before step
 * 8's start was written refuses that start (its event, if queued by then, is taken with it, and
 * one arriving later finds the instance done). Once step 8 has started, the API refuses Cancel.
 */
function* publish(s: Submission, decisions: Decisions): Flow<End | undefined> {
  const step: StepId = 'publish';
  const late = s.inbox.take([EVENTS.cancel]);
  if (late) {
    s.pending = []; // step 7's success is not recorded: the Cancel came first
    return yield* canceled(s, 'marketing-technical-validation', late);
  }
  const promised = latestPublishMoment([decisions.marketing?.publishDate, decisions.technical?.publishDate]);
  // A wait for the promised date is said by the change that starts step 8 (one email).
  const waits = promised !== undefined && promised.getTime() > s.now().getTime();
  const accepted = yield* s.startPublishing(waits ? waitingFor(promised) : undefined);
  if (accepted) {
    const queued = s.inbox.take([EVENTS.cancel]);
    return yield* canceled(s, 'marketing-technical-validation', queued ?? accepted);
  }
  if (waits) yield* waitForPromisedDate(s, promised);
  if (!s.package) return yield* s.fail(step, INTERNAL);
  const input: PublishPackageInput = { ...s.stepInput(), package: s.package };
  const outcome = yield* s.call(ACTIVITIES.publishPackage, input, stepOutcomeSchema);
  if (outcome.outcome === 'failed') return yield* s.fail(step, outcome);
  // What went live is recorded by this change itself (the status's live version: one write).
  s.note(step, 'succeeded', {
    ...(outcome.message ? { message: outcome.message } : {}),
    live: liveRelease(s, s.package),
  });
  return undefined;
}

function liveRelease(s: Submission, p: ValidatedPackage): LiveRelease {
  const { offerId, submissionId } = s.input;
  return {
    livePackage: publishedBlobName(offerId, submissionId, p.blobName),
    ...(p.version ? { version: p.version } : {}),
    ...(p.appId ? { appId: p.appId } : {}),
  };
}

/**
 * Never dies silently: whatever throws (a transition that could not be recorded after the long
 * retries, or anything unexpected) ends the submission Failed with `internal` at the step where it
 * stood, instead of leaving the instance Failed behind a status that still says it is active.
 */
/**
 * Step 8's wait for the promised date. An Admin may move or clear it meanwhile (the PublishDate
 * event, api.md `POST .../publish-date`): each change is recorded (a history row of its own, the
 * Admin as actor) and the wait goes on until the new date, or ends now when the date was cleared
 * or lies in the past. Waits go through the inbox (timers of at most 3 days, none cancelled); a
 * change raised while step 8 records its wait is queued there and taken by the first wait.
 */
function waitingFor(due: Date): string {
  return `Waiting for the promised publishing date ${due.toISOString()}.`;
}

/** The wait itself; its start was recorded with step 8's (startPublishing). */
function* waitForPromisedDate(s: Submission, promised: Date): Flow<void> {
  let due: Date | undefined = promised;
  for (let revision = 1; due && due.getTime() > s.now().getTime(); revision++) {
    const waited: Waited = yield* s.inbox.wait([EVENTS.publishDate], due);
    if (waited.kind === 'timeout') return;
    const change: PublishDateEvent | undefined = publishDateEventSchema.safeParse(waited.payload).data;
    if (!change) continue;
    due = change.publishDate ? publishMoment(change.publishDate) : undefined;
    const message = change.publishDate
      ? `The promised publishing date was moved to ${change.publishDate} by ${change.actor}.`
      : `The promised publishing date was cleared by ${change.actor}: publishing now.`;
    yield* s.record('publish', 'waiting', {
      message,
      actor: change.actor,
      revision,
      promisedDate: change.publishDate,
    });
  }
}

export const publishSubmission: OrchestrationHandler = function* (context: OrchestrationContext) {
  const s = new Submission(context, publishInputSchema.parse(context.df.getInput()));
  try {
    return yield* run(s);
  } catch (error) {
    if (error instanceof SubmissionEnded) return error.end;
    return yield* s.giveUp(error instanceof BookkeepingFailed ? error.step : s.step);
  }
};

function* run(s: Submission): Flow<End> {
  const early = yield* automatedSteps(s);
  if (early) return early;
  const signoff = yield* publisherSignoff(s);
  if (signoff) return signoff;
  const decisions = yield* review(s);
  if (typeof decisions === 'string') return decisions;
  const published = yield* publish(s, decisions);
  if (published) return published;
  yield* s.record('live', 'succeeded', { message: 'The offer is live.' });
  return 'Live' satisfies End;
}

df.app.orchestration(ORCHESTRATORS.publishSubmission, publishSubmission);
