import type { StatusResponse } from '../contracts/api';
import type { Caller } from '../domain/identity';
import { actsAsOwner } from '../domain/identity';
import { actionsFor, previewAvailable } from '../domain/rules';
import { OfferStatus, liveVersionOf, promisedPublishDate } from '../domain/status';

export function previewUrl(baseUrl: string, offerId: string, hidekey: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/offers/${offerId}/preview?hidekey=${encodeURIComponent(hidekey)}`;
}

/**
 * The stored status as api.md shows it to this caller: `actions` for this caller, the preview
 * link (the only place the hidekey ever leaves the server) for the owner only, and nothing
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
  const showPreview = actsAsOwner(caller, publisherId) && previewAvailable(status) && status.hidekey;
  return {
    offerId: status.offerId,
    submissionId: status.submissionId,
    state: status.state,
    currentStep: status.currentStep,
    steps: status.steps.map((s) => ({ ...s })),
    error: status.error,
    actions: actionsFor(status, caller, publisherId),
    ...(showPreview ? { preview: { url: previewUrl(baseUrl, status.offerId, status.hidekey ?? '') } } : {}),
    ...(publishDate ? { publishDate } : {}),
    notificationEmail: status.notificationEmail,
    liveVersion: liveVersionOf(status),
    updatedAt: status.updatedAt,
    ...(openQuestions !== undefined ? { openQuestions } : {}),
  };
}
