import type { OfferStatus, ReviewDecision } from './status';
import { applyTransition, StepTransition, transitionKey } from './transitions';
import { isEnded } from './states';
import type { StepId } from './steps';
import type { Transition } from './states';

/**
 * A step change (design.md "Every step change is recorded, one email per change"): the
 * transitions recorded together because nothing happens between them that anyone waits for. A
 * step that ends and the next that starts are one change, skipped steps ride with the change
 * around them, and a step that starts to wait for someone says so in the same change. It is one
 * write (the status, a history row per transition, the submission record, one email and the
 * webhook events) and one email.
 */
export interface StepChange {
  offerId: string;
  submissionId: string;
  /** In the order they happened; at least one. */
  transitions: ChangeTransition[];
}

/** A transition within a change (the change names the offer and submission). */
export type ChangeTransition = Omit<StepTransition, 'offerId' | 'submissionId'>;

/** The transition a change is named after: the last one (where the submission now stands). */
export function headTransition(change: StepChange): ChangeTransition {
  const last = change.transitions[change.transitions.length - 1];
  if (!last) throw new Error('a step change has at least one transition');
  return last;
}

/**
 * The key that makes a change's writes and email unique: a retried activity, a crash and replay,
 * or a late duplicate finds it already recorded. The last transition identifies the change: no
 * two changes of one submission end with the same transition (a repeated one carries a revision).
 */
export function changeKey(change: StepChange): string {
  const head = headTransition(change);
  const key = transitionKey({ ...head, submissionId: change.submissionId });
  return head.revision ? `${key}|r${head.revision}` : key;
}

/** The status after every transition of the change, in order. */
export function applyChange(status: OfferStatus, change: StepChange): OfferStatus {
  const { offerId, submissionId } = change;
  return change.transitions.reduce(
    (current, t) => applyTransition(current, { ...t, offerId, submissionId }),
    status,
  );
}

/** Whether a change changes what the offer lists show (state, step, live version). */
export function changesListedColumns(before: OfferStatus, after: OfferStatus): boolean {
  return (
    before.state !== after.state ||
    before.currentStep !== after.currentStep ||
    before.lastLiveVersion !== after.lastLiveVersion ||
    before.submissionId !== after.submissionId
  );
}

/** Whether this change ends the submission (Failed, Canceled or Live). */
export function endsSubmission(before: OfferStatus, after: OfferStatus): boolean {
  return !isEnded(before.state) && isEnded(after.state) && before.submissionId === after.submissionId;
}

/** The change's transition of `transition` kind, if any (the failure, the cancel). */
export function transitionOf(change: StepChange, transition: Transition): ChangeTransition | undefined {
  return change.transitions.find((t) => t.transition === transition);
}

/** Whether the change starts `step` (step 8's start may be refused by an accepted Cancel). */
export function starts(change: StepChange, step: StepId): boolean {
  return change.transitions.some((t) => t.step === step && t.transition === 'started');
}

/** Whether the change ends step 7 (both reviews approved, a rejection, or a failure there). */
export function endsReview(change: StepChange): boolean {
  return change.transitions.some(
    (t) =>
      t.step === 'marketing-technical-validation' &&
      (t.transition === 'succeeded' || t.transition === 'failed'),
  );
}

/**
 * The stored decisions of this submission that `status` does not show yet, added to its reviews
 * (nothing when it shows them all). The change that ends step 7 shows the decisions that led to it
 * in its own write, so their events come before its own even when it is written before the review
 * request gets to show its decision.
 */
export function withDecisions(status: OfferStatus, decisions: ReviewDecision[]): Partial<OfferStatus> {
  const missing = decisions.filter((d) => !status.reviews?.[d.area]);
  if (missing.length === 0) return {};
  const reviews = { ...status.reviews };
  for (const d of missing) reviews[d.area] = d;
  return { reviews };
}

/** The decisions `after` shows that `before` did not, oldest first. */
export function newlyShownDecisions(before: OfferStatus, after: OfferStatus): ReviewDecision[] {
  return Object.values(after.reviews ?? {})
    .filter((d) => d && !before.reviews?.[d.area])
    .sort((a, b) => a.decidedAt.localeCompare(b.decidedAt));
}
