import type { StatusResponse } from '../contracts/api';
import type { Caller } from '../domain/identity';
import { isPublisherOf } from '../domain/identity';
import { actionsFor, previewAvailable } from '../domain/rules';
import { OfferStatus, ReviewDecision, liveVersionOf, promisedPublishDate } from '../domain/status';
import { stepIndex } from '../domain/steps';

export function previewUrl(baseUrl: string, offerId: string, hidekey: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/offers/${offerId}/preview?hidekey=${encodeURIComponent(hidekey)}`;
}

/**
 * The stored status as api.md shows it to this caller: `actions` for this caller, the preview
 * link (the only place the hidekey ever leaves the server) for the owner from step 6 on and for
 * reviewers and Admin from step 7 on, and nothing
 * internal (goLiveAt, reviews, hidekey, blob names).
 */
export function statusView(
  status: OfferStatus,
  caller: Caller,
  publisherId: string,
  baseUrl: string,
  /** The count of open questions, given while step 7 runs (functions/getStatus.ts reads it). */
  openQuestions?: number,
): StatusResponse {
  const publishDate = promisedPublishDate(status);
  const inReviewOrLater = reachedReview(status);
  const showPreview =
    previewAvailable(status) && status.hidekey && (isPublisherOf(caller, publisherId) || inReviewOrLater);
  return {
    offerId: status.offerId,
    submissionId: status.submissionId,
    state: status.state,
    currentStep: status.currentStep,
    steps: status.steps.map((s) => ({ ...s })),
    error: status.error,
    actions: actionsFor(status, caller, publisherId),
    ...(showPreview ? { preview: { url: previewUrl(baseUrl, status.offerId, status.hidekey ?? '') } } : {}),
    ...(inReviewOrLater ? { reviews: reviewsView(status) } : {}),
    ...(publishDate ? { publishDate } : {}),
    notificationEmail: status.notificationEmail,
    liveVersion: liveVersionOf(status),
    updatedAt: status.updatedAt,
    ...(openQuestions !== undefined ? { openQuestions } : {}),
  };
}

/** From step 7 on (api.md): reviewers judge the listing, and every reader sees the decisions. */
function reachedReview(status: OfferStatus): boolean {
  if (!status.currentStep || status.state === 'Canceled' || status.state === 'NotStarted') return false;
  return stepIndex(status.currentStep) >= stepIndex('marketing-technical-validation');
}

function reviewsView(status: OfferStatus): NonNullable<StatusResponse['reviews']> {
  const shown = (d: ReviewDecision | undefined) =>
    d ? { outcome: d.outcome, by: d.reviewer, at: d.decidedAt } : null;
  return { marketing: shown(status.reviews?.marketing), technical: shown(status.reviews?.technical) };
}
