import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task, TimerTask } from 'durable-functions';
import { z } from 'zod';
import { ACTIVITIES, EVENTS, ORCHESTRATORS } from '../shared/contracts/names';
import {
  PackageStepResult,
  RecordTransitionInput,
  StepActivityInput,
  StepOutcome,
  packageStepResultSchema,
  stepOutcomeSchema,
} from '../shared/contracts/activities';
import {
  PublishInput,
  ReviewDecisionEvent,
  cancelEventSchema,
  goLiveEventSchema,
  publishInputSchema,
  reviewDecisionEventSchema,
} from '../shared/contracts/orchestration';
import { addBusinessDays } from '../shared/domain/businessDays';
import type { ErrorDetail } from '../shared/domain/errors';
import type { Transition } from '../shared/domain/states';
import type { StepId } from '../shared/domain/steps';
import { durationMs, latestPublishMoment } from '../shared/domain/workflow';

/**
 * One submission of an offer, from step 1 to Live (design.md "The nine steps"). Deterministic:
 * time comes from context.df.currentUtcDateTime, settings from the input, everything else from
 * activities. Every step change goes through the recordTransition activity (history, status,
 * submission record, email), so this generator only decides what happens next.
 */

/** Yielded tasks, returned value, and what the SDK sends back (an activity result or event payload). */
type Flow<T> = Generator<Task, T, unknown>;

/** Activities retry 4 times over about 14 s: long enough for a storage blip, short enough to fail visibly. */
const RETRY = new df.RetryOptions(2000, 5);
RETRY.backoffCoefficient = 2;
RETRY.maxRetryIntervalInMilliseconds = 60_000;

type Failure = Extract<StepOutcome, { outcome: 'failed' }>;
type End = 'Failed' | 'Canceled' | 'Live';

const INTERNAL: Failure = {
  outcome: 'failed',
  code: 'internal',
  message: 'An internal error stopped this step. Press Publish again; if it happens again, contact support.',
  details: [],
};

/** Steps 1, 3, 4 and 5: one activity each, judged by its outcome alone. */
const SIMPLE_STEPS: Partial<Record<StepId, string>> = {
  'validate-prerequisites': ACTIVITIES.validatePrerequisites,
  'test-drive-validation': ACTIVITIES.validateTestDrive,
  'lead-management': ACTIVITIES.sendTestLead,
  'appsource-packaging': ACTIVITIES.buildPreviewPackage,
};
const AUTOMATED_STEPS: StepId[] = [
  'validate-prerequisites',
  'automated-validation',
  'test-drive-validation',
  'lead-management',
  'appsource-packaging',
];

class Submission {
  /** The package that passed step 2: step 8 publishes exactly this one. */
  package?: Extract<PackageStepResult, { outcome: 'succeeded' }>;

  constructor(
    readonly context: OrchestrationContext,
    readonly input: PublishInput,
  ) {}

  now(): Date {
    return this.context.df.currentUtcDateTime;
  }

  stepInput(): StepActivityInput {
    const { offerId, submissionId, snapshotBlobName } = this.input;
    return { offerId, submissionId, snapshotBlobName, at: this.now().toISOString() };
  }

  *record(
    step: StepId,
    transition: Transition,
    extra: Pick<RecordTransitionInput, 'message' | 'actor' | 'error'> = {},
  ): Flow<void> {
    const input: RecordTransitionInput = {
      offerId: this.input.offerId,
      submissionId: this.input.submissionId,
      step,
      transition,
      at: this.now().toISOString(),
      ...extra,
    };
    yield this.context.df.callActivityWithRetry(ACTIVITIES.recordTransition, RETRY, input);
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
  const activity = SIMPLE_STEPS[step];
  if (!activity) return INTERNAL;
  return yield* s.call(activity, s.stepInput(), stepOutcomeSchema);
}

/**
 * Step 2. Validation runs when the package is uploaded; while no report (or a Pending one) is
 * stored the step waits for the PackageReport event, up to PACKAGE_VALIDATION_TIMEOUT. Events
 * raised before the wait are buffered by the runtime, so an upload during step 1 is not missed.
 */
function* packageStep(s: Submission): Flow<PackageStepResult> {
  let result = yield* s.call(ACTIVITIES.readPackageReport, s.stepInput(), packageStepResultSchema);
  if (result.outcome !== 'waiting') return result;
  yield* s.record('automated-validation', 'waiting', { message: result.message });
  const timeout = s.input.settings.packageValidationTimeout;
  const deadline = new Date(s.now().getTime() + durationMs(timeout));
  while (result.outcome === 'waiting') {
    // A fresh timer per wait: a task already scheduled must not be yielded again in a new
    // Task.any (replay schema V1 re-emits its action, which would take a second task id).
    const timer = s.context.df.createTimer(deadline);
    const report = s.context.df.waitForExternalEvent(EVENTS.packageReport);
    const winner: unknown = yield s.context.df.Task.any([report, timer]);
    if (winner === timer) {
      return {
        outcome: 'failed',
        code: 'no_package',
        message: `No validated package arrived within ${timeout}. Upload the package, then press Publish again.`,
        details: [{ path: 'package', message: 'no package report for this offer' }],
      };
    }
    timer.cancel();
    result = yield* s.call(ACTIVITIES.readPackageReport, s.stepInput(), packageStepResultSchema);
  }
  return result;
}

function* automatedSteps(s: Submission): Flow<End | undefined> {
  for (const step of AUTOMATED_STEPS) {
    yield* s.record(step, 'started');
    const outcome = yield* automatedStep(s, step);
    if (outcome.outcome === 'failed') return yield* s.fail(step, outcome);
    if (outcome.outcome === 'waiting') return yield* s.fail(step, INTERNAL);
    if (step === 'automated-validation' && outcome.outcome === 'succeeded' && 'blobName' in outcome) {
      s.package = outcome;
    }
    yield* s.record(step, outcome.outcome, outcome.message ? { message: outcome.message } : {});
  }
  return undefined;
}

/**
 * Step 6. Waits for Go Live or Cancel, reminding the publisher every SIGNOFF_REMINDER_INTERVAL.
 * The pending Cancel wait is handed on to step 7, where Cancel is still accepted.
 */
function* publisherSignoff(s: Submission, cancel: Task): Flow<End | undefined> {
  const step: StepId = 'publisher-signoff';
  yield* s.record(step, 'started');
  yield* s.record(step, 'waiting', {
    message: 'The preview is ready: review it, then press Go Live or Cancel.',
  });
  const goLive = s.context.df.waitForExternalEvent(EVENTS.goLive);
  const interval = durationMs(s.input.settings.signoffReminderInterval);
  for (let reminder = 1; ; reminder++) {
    const timer = s.context.df.createTimer(new Date(s.now().getTime() + interval));
    const winner: unknown = yield s.context.df.Task.any([goLive, cancel, timer]);
    if (winner === timer) {
      yield* s.tryCall(ACTIVITIES.sendReminder, { ...s.stepInput(), reminder });
      continue;
    }
    timer.cancel();
    if (winner === cancel) return yield* canceled(s, step, cancel);
    const actor = goLiveEventSchema.safeParse(goLive.result).data?.actor;
    yield* s.record(step, 'succeeded', { message: 'Go Live pressed.', ...(actor ? { actor } : {}) });
    return undefined;
  }
}

function* canceled(s: Submission, step: StepId, cancel: Task): Flow<End> {
  const actor = cancelEventSchema.safeParse(cancel.result).data?.actor;
  yield* s.record(step, 'canceled', { message: 'The submission was canceled.', ...(actor ? { actor } : {}) });
  return 'Canceled';
}

type Decisions = Partial<Record<ReviewDecisionEvent['area'], ReviewDecisionEvent>>;

/**
 * Step 7. Both reviews run in parallel; a rejection fails the step with the reviewer's comments.
 * After REVIEW_SLA_BUSINESS_DAYS without both decisions the review team gets one escalation.
 * A repeated decision for an area already decided changes nothing.
 */
function* review(s: Submission, cancel: Task): Flow<End | Decisions> {
  const step: StepId = 'marketing-technical-validation';
  yield* s.record(step, 'started');
  yield* s.record(step, 'waiting', { message: 'Waiting for the marketing and technical reviews.' });
  const waitingSince = s.now().toISOString();
  const days = s.input.settings.reviewSlaBusinessDays;
  const due = addBusinessDays(s.now(), days);
  let escalated = false;
  const decisions: Decisions = {};
  let next = s.context.df.waitForExternalEvent(EVENTS.reviewDecision);
  while (!(decisions.marketing && decisions.technical)) {
    // A fresh SLA timer per wait, for the same moment (see packageStep).
    const sla: TimerTask | undefined = escalated ? undefined : s.context.df.createTimer(due);
    const winner: unknown = yield s.context.df.Task.any(sla ? [next, cancel, sla] : [next, cancel]);
    if (sla && winner === sla) {
      escalated = true;
      yield* s.tryCall(ACTIVITIES.escalateReview, { ...s.stepInput(), waitingSince, businessDays: days });
      continue;
    }
    sla?.cancel();
    if (winner === cancel) return yield* canceled(s, step, cancel);
    const decision = reviewDecisionEventSchema.safeParse(next.result).data;
    next = s.context.df.waitForExternalEvent(EVENTS.reviewDecision);
    if (!decision || decisions[decision.area]) continue;
    decisions[decision.area] = decision;
    if (decision.outcome === 'rejected') return yield* s.fail(step, rejection(decision));
  }
  yield* s.record(step, 'succeeded', { message: 'Marketing and technical reviews approved.' });
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

/** Step 8: not before the latest promised publishing date, then the package is published. */
function* publish(s: Submission, decisions: Decisions): Flow<End | undefined> {
  const step: StepId = 'publish';
  yield* s.record(step, 'started');
  const promised = latestPublishMoment([decisions.marketing?.publishDate, decisions.technical?.publishDate]);
  if (promised && promised.getTime() > s.now().getTime()) {
    yield* s.record(step, 'waiting', {
      message: `Waiting for the promised publishing date ${promised.toISOString()}.`,
    });
    yield s.context.df.createTimer(promised);
  }
  if (!s.package) return yield* s.fail(step, INTERNAL);
  const { blobName, etag, version } = s.package;
  const input = { ...s.stepInput(), blobName, ...(etag ? { etag } : {}), ...(version ? { version } : {}) };
  const outcome = yield* s.call(ACTIVITIES.publishPackage, input, stepOutcomeSchema);
  if (outcome.outcome === 'failed') return yield* s.fail(step, outcome);
  yield* s.record(step, 'succeeded', outcome.message ? { message: outcome.message } : {});
  return undefined;
}

export const publishSubmission: OrchestrationHandler = function* (context: OrchestrationContext) {
  const s = new Submission(context, publishInputSchema.parse(context.df.getInput()));
  const early = yield* automatedSteps(s);
  if (early) return early;
  // Waited on from step 6 until step 8 starts; created once so a Cancel is never consumed twice.
  const cancel = context.df.waitForExternalEvent(EVENTS.cancel);
  const signoff = yield* publisherSignoff(s, cancel);
  if (signoff) return signoff;
  const decisions = yield* review(s, cancel);
  if (typeof decisions === 'string') return decisions;
  const published = yield* publish(s, decisions);
  if (published) return published;
  yield* s.record('live', 'succeeded', { message: 'The offer is live.' });
  return 'Live' satisfies End;
};

df.app.orchestration(ORCHESTRATORS.publishSubmission, publishSubmission);
