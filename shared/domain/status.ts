import { STEPS, StepId } from './steps';
import { StepState, SubmissionState } from './states';
import { ErrorDetail } from './errors';

export type ReviewArea = 'marketing' | 'technical';
export const REVIEW_AREAS: readonly ReviewArea[] = ['marketing', 'technical'];

export interface ReviewDecision {
  area: ReviewArea;
  outcome: 'approved' | 'rejected';
  comments?: string;
  publishDate?: string;
  reviewer: string;
  decidedAt: string;
}

export interface StepStatus {
  id: StepId;
  title: string;
  state: StepState;
  estimate: string;
  startedAt?: string;
  completedAt?: string;
  message?: string;
  /** Step 7 only: no decision arrived within the review SLA. */
  overdue?: boolean;
}

export interface SubmissionError {
  step: StepId;
  code: string;
  message: string;
  details: ErrorDetail[];
}

/**
 * A Cancel the API accepted (answered or about to answer 202), kept on the status row so that it
 * and step 8's start are decided one after the other on the same row (rules.ts requestCancel,
 * recordTransition). Scoped by submission: one of an earlier submission means nothing.
 */
export interface CancelRequest {
  submissionId: string;
  actor: string;
  at: string;
  /**
   * Set by step 8's start when it found this Cancel and yielded to it: from then on the Cancel has
   * taken effect, so the Cancel route may no longer undo it (its raise failing is then a 202).
   */
  honored?: boolean;
}

/**
 * The current status of an offer, as stored (one row per offer). `hidekey` is a secret:
 * reads never return it, only the owner's preview URL carries it.
 */
export interface OfferStatus {
  offerId: string;
  submissionId: string | null;
  state: SubmissionState;
  currentStep: StepId | null;
  steps: StepStatus[];
  error: SubmissionError | null;
  notificationEmail: string | null;
  updatedAt: string;
  goLiveAt?: string;
  reviews?: Partial<Record<ReviewArea, ReviewDecision>>;
  hidekey?: string;
  previewBlobName?: string;
  lastLiveVersion?: string;
  liveSubmissionId?: string;
  /**
   * The promised date of step 8 as an Admin moved it (null: cleared), which replaces the reviewers'
   * dates; absent until an Admin changes it. Reset by the next submission.
   */
  promisedDate?: string | null;
  /** Internal, never shown by a read (see CancelRequest). */
  cancelRequest?: CancelRequest;
  /** When the current submission was accepted (its record's startedAt). */
  submittedAt?: string;
  /** The offer's name as the current submission's snapshot has it: what its emails call it. */
  offerName?: string;
  /** The offer's owner, so that a status read needs no second read to check access. */
  publisherId?: string;
  /**
   * Internal, never shown by a read: the Publish that claimed this submission. Two clicks in the
   * same millisecond write the same status otherwise, and each would take the other's claim for its
   * own write whose answer was lost (shared/actions/publish.ts).
   */
  claimId?: string;
}

/**
 * The app version currently live (api.md `liveVersion`): recorded by step 8 when it publishes,
 * and carried into every later submission, so a failed or canceled update leaves it showing.
 */
export function liveVersionOf(status: Pick<OfferStatus, 'lastLiveVersion'>): string | null {
  return status.lastLiveVersion ?? null;
}

export function initialSteps(): StepStatus[] {
  return STEPS.map((s) => ({ id: s.id, title: s.title, state: 'NotStarted', estimate: s.estimate }));
}

export function notStartedStatus(offerId: string, now: string): OfferStatus {
  return {
    offerId,
    submissionId: null,
    state: 'NotStarted',
    currentStep: null,
    steps: initialSteps(),
    error: null,
    notificationEmail: null,
    updatedAt: now,
  };
}

/** The latest publishing date the reviewers promised, or the one an Admin set instead, if any. */
export function promisedPublishDate(
  status: Pick<OfferStatus, 'reviews' | 'promisedDate'>,
): string | undefined {
  if (status.promisedDate !== undefined) return status.promisedDate ?? undefined;
  const dates = Object.values(status.reviews ?? {})
    .map((d) => d?.publishDate)
    .filter((d): d is string => Boolean(d))
    .sort();
  return dates[dates.length - 1];
}
