import { Caller, actsAsOwner, hasRole, isAdmin, reviewerRoleFor } from './identity';
import { DomainError } from './errors';
import { isActive } from './states';
import { stepIndex } from './steps';
import { CancelRequest, OfferStatus, REVIEW_AREAS, ReviewArea } from './status';

/** The publishing rules of design.md, each decided from the stored status alone. */

export function assertCanPublish(status: OfferStatus): void {
  if (isActive(status.state)) {
    throw new DomainError(
      'submission_active',
      `Offer '${status.offerId}' already has submission ${status.submissionId} in progress (${status.currentStep}).`,
    );
  }
}

export function isAtSignoff(status: OfferStatus): boolean {
  return status.state === 'WaitingForPublisher' && status.currentStep === 'publisher-signoff';
}

/**
 * Go Live is accepted only at sign-off; a repeated Go Live for the submission that already
 * went live is answered the same way and changes nothing (returns false: nothing to do).
 */
export function goLiveNeeded(status: OfferStatus): boolean {
  if (isAtSignoff(status) && !status.goLiveAt) return true;
  if (isActive(status.state) && status.goLiveAt) return false;
  throw new DomainError('not_at_signoff', `Offer '${status.offerId}' is not waiting for publisher sign-off.`);
}

/** Cancel: from publisher sign-off until step 8 starts. */
export function isCancellable(status: OfferStatus): boolean {
  if (!isActive(status.state) || !status.currentStep) return false;
  const at = stepIndex(status.currentStep);
  return at >= stepIndex('publisher-signoff') && at <= stepIndex('marketing-technical-validation');
}

export function assertCancellable(status: OfferStatus): void {
  if (isCancellable(status)) return;
  throw new DomainError('not_cancellable', cancelRefusal(status));
}

/** The Cancel accepted for this submission while it is still active, if any. */
export function pendingCancel(
  status: OfferStatus,
  submissionId = status.submissionId,
): CancelRequest | undefined {
  const request = status.cancelRequest;
  if (!request || request.submissionId !== submissionId || status.submissionId !== submissionId)
    return undefined;
  return isActive(status.state) ? request : undefined;
}

/**
 * Accepting a Cancel is a write on the status row: the status with the request on it, checked
 * against that same row, so a step 8 start written first makes it not_cancellable, and a step 8
 * start written after sees it (recordTransition). A repeat while this submission's Cancel stands
 * is accepted again and changes nothing (undefined: nothing to write).
 */
export function requestCancel(status: OfferStatus, actor: string, at: string): OfferStatus | undefined {
  if (pendingCancel(status)) return undefined;
  assertCancellable(status);
  return { ...status, cancelRequest: { submissionId: status.submissionId ?? '', actor, at } };
}

/** The Cancel that stands on this status (after requestCancel); not_cancellable when none does. */
export function acceptedCancel(status: OfferStatus): CancelRequest {
  const request = pendingCancel(status);
  if (request) return request;
  throw new DomainError('not_cancellable', cancelRefusal(status));
}

/** Why Cancel is refused, in the publisher's words: too early, too late, or nothing to cancel. */
function cancelRefusal(status: OfferStatus): string {
  if (!isActive(status.state) || !status.currentStep) {
    return `Offer '${status.offerId}' has no submission in progress to cancel.`;
  }
  if (stepIndex(status.currentStep) >= stepIndex('publish')) {
    return 'Publishing has started: this submission can no longer be canceled.';
  }
  return `Offer '${status.offerId}' is not at publisher sign-off yet: Cancel becomes possible at publisher sign-off.`;
}

export function isInReview(status: OfferStatus): boolean {
  return status.state === 'WaitingForReview' && status.currentStep === 'marketing-technical-validation';
}

export function assertCanReview(status: OfferStatus, area: ReviewArea): void {
  if (!isInReview(status)) {
    throw new DomainError(
      'not_in_review',
      `Offer '${status.offerId}' is not in marketing and technical validation.`,
    );
  }
  if (status.reviews?.[area]) {
    throw new DomainError(
      'already_decided',
      `The ${area} review of submission ${status.submissionId} is already decided.`,
    );
  }
}

export function canReviewArea(caller: Caller, area: ReviewArea): boolean {
  return isAdmin(caller) || hasRole(caller, reviewerRoleFor(area));
}

export type Action = 'publish' | 'goLive' | 'cancel' | 'review';

/** What this caller may do now, in api.md's vocabulary. */
export function actionsFor(status: OfferStatus, caller: Caller, offerPublisherId: string): Action[] {
  const actions: Action[] = [];
  const owner = actsAsOwner(caller, offerPublisherId);
  if (owner && !isActive(status.state)) actions.push('publish');
  if (owner && isAtSignoff(status) && !status.goLiveAt) actions.push('goLive');
  if (owner && isCancellable(status)) actions.push('cancel');
  if (isInReview(status) && REVIEW_AREAS.some((a) => !status.reviews?.[a] && canReviewArea(caller, a))) {
    actions.push('review');
  }
  return actions;
}

/**
 * The preview (and its hidekey) exists from publisher sign-off on: step 5 mints the key, and a
 * cancel resets the submission to step 1, which retires it.
 */
export function previewAvailable(status: OfferStatus): boolean {
  if (!status.hidekey || !status.previewBlobName || !status.currentStep) return false;
  if (status.state === 'Canceled' || status.state === 'NotStarted') return false;
  return stepIndex(status.currentStep) >= stepIndex('publisher-signoff');
}
