import { OfferStatus, StepStatus, SubmissionError, initialSteps } from './status';
import { EndedState, STEP_STATE_OF, SubmissionState, Transition, isEnded } from './states';
import { StepId } from './steps';

/** One change of one step of one submission: a history row, a status update and an email. */
export interface StepTransition {
  offerId: string;
  submissionId: string;
  step: StepId;
  transition: Transition;
  at: string;
  message?: string;
  actor?: string;
  /** A repeated transition of one step gets its own history row (see HistoryEvent.revision). */
  revision?: number;
  /** Step 8's promised date as an Admin set it (null: cleared). */
  promisedDate?: string | null;
  /** Set when `transition` is `failed`. */
  error?: SubmissionError;
  /** Step 8's success: the status records what went live with the change itself (one write). */
  live?: LiveRelease;
}

/**
 * What step 8 published: the live version and the live submission go to the status with the
 * change that records step 8's success (no write of their own), and the app catalogue follows
 * that change (activities/recordStepChange.ts).
 */
export interface LiveRelease {
  /** Container `published`: the package that went live. */
  livePackage: string;
  version?: string;
  /** The app id step 2 claimed; absent: read from the snapshot. */
  appId?: string;
}

/** The key that makes a transition's history row and email unique (retries and crashes repeat it). */
export function transitionKey(t: Pick<StepTransition, 'submissionId' | 'step' | 'transition'>): string {
  return `${t.submissionId}|${t.step}|${t.transition}`;
}

function submissionStateAfter(t: StepTransition): SubmissionState {
  switch (t.transition) {
    case 'failed':
      return 'Failed';
    case 'canceled':
      return 'Canceled';
    case 'waiting':
      if (t.step === 'publisher-signoff') return 'WaitingForPublisher';
      if (t.step === 'marketing-technical-validation') return 'WaitingForReview';
      return 'Running';
    default:
      return t.step === 'live' && t.transition === 'succeeded' ? 'Live' : 'Running';
  }
}

function updateStep(step: StepStatus, t: StepTransition): StepStatus {
  const state = STEP_STATE_OF[t.transition];
  const next: StepStatus = { ...step, state, message: t.message ?? step.message };
  if (t.transition === 'started' || (t.transition === 'skipped' && !step.startedAt)) next.startedAt = t.at;
  if (['succeeded', 'skipped', 'failed', 'canceled'].includes(t.transition)) next.completedAt = t.at;
  return next;
}

/**
 * How the submission had ended when this transition of it is recorded, unless it is the one that
 * ended it (whose retry must still finish its writes). Such a late transition gets no history row,
 * no email and no status change.
 */
export function endedBefore(status: OfferStatus, t: StepTransition): EndedState | undefined {
  if (status.submissionId !== t.submissionId || !isEnded(status.state)) return undefined;
  const endedByThis =
    submissionStateAfter(t) === status.state &&
    (t.transition === 'canceled' || t.step === status.currentStep);
  return endedByThis ? undefined : status.state;
}

/**
 * The offer status after a transition. Transitions of another submission than the current one
 * are stale (a late retry) and change nothing, nor do those of a submission that ended: an ended
 * submission stays ended, whatever its orchestration still records (a late retry, or an instance
 * the reconciler gave up on that went on after all). A cancel resets every step to NotStarted
 * (design.md).
 */
export function applyTransition(status: OfferStatus, t: StepTransition): OfferStatus {
  if (status.submissionId !== t.submissionId || isEnded(status.state)) return status;
  const state = submissionStateAfter(t);
  if (t.transition === 'canceled') {
    return {
      ...status,
      state,
      currentStep: 'validate-prerequisites',
      steps: initialSteps(),
      updatedAt: t.at,
    };
  }
  return {
    ...status,
    state,
    currentStep: t.step,
    steps: status.steps.map((s) => (s.id === t.step ? updateStep(s, t) : s)),
    error: t.transition === 'failed' ? (t.error ?? null) : status.error,
    ...(t.promisedDate !== undefined ? { promisedDate: t.promisedDate } : {}),
    ...(t.live ? { liveSubmissionId: t.submissionId } : {}),
    ...(t.live?.version ? { lastLiveVersion: t.live.version } : {}),
    updatedAt: t.at,
  };
}

/** The orchestration instance of a submission: derived, so the HTTP layer never has to look it up. */
export function instanceIdFor(offerId: string, submissionId: string): string {
  return `${offerId}-submission-${submissionId}`;
}

/** Status of a newly started submission: step 1 queued, everything else reset. */
export function startSubmission(
  status: OfferStatus,
  submissionId: string,
  notificationEmail: string,
  now: string,
  /** The offer's owner: a status read checks access on the status row alone. */
  publisherId?: string,
  /** Which Publish claims it (OfferStatus.claimId). */
  claimId?: string,
): OfferStatus {
  return {
    offerId: status.offerId,
    submissionId,
    state: 'Running',
    currentStep: 'validate-prerequisites',
    steps: initialSteps(),
    error: null,
    notificationEmail,
    updatedAt: now,
    submittedAt: now,
    ...(publisherId || status.publisherId ? { publisherId: publisherId ?? status.publisherId } : {}),
    lastLiveVersion: status.lastLiveVersion,
    liveSubmissionId: status.liveSubmissionId,
    ...(claimId ? { claimId } : {}),
  };
}
