import type { Caller } from './identity';
import { hasRole, isAdmin, isReviewer } from './identity';
import type { Offer } from './offer';
import type { SubmissionState } from './states';
import { OfferStatus, liveVersionOf, notStartedStatus } from './status';
import type { StepId } from './steps';

/** One offer as "All offers" lists it (api.md `GET /api/offers`). */
export interface OfferSummary {
  offerId: string;
  name: string | null;
  publisherId: string;
  state: SubmissionState;
  currentStep: StepId | null;
  liveVersion: string | null;
  updatedAt: string;
}

/** What a list row takes from the offer's draft. */
export type SummarizedOffer = Pick<Offer, 'offerId' | 'name' | 'publisherId' | 'updatedAt'>;

/** The part of the draft a list row is derived from (what the lists may remember of it). */
export function summarizedOffer(offer: SummarizedOffer): SummarizedOffer {
  return {
    offerId: offer.offerId,
    ...(offer.name !== undefined ? { name: offer.name } : {}),
    publisherId: offer.publisherId,
    updatedAt: offer.updatedAt,
  };
}

/** The list row of an offer from its draft and its status (none stored yet: NotStarted). */
export function summarize(offer: SummarizedOffer, status: OfferStatus | undefined): OfferSummary {
  const current = status ?? notStartedStatus(offer.offerId, offer.updatedAt);
  return {
    offerId: offer.offerId,
    name: offer.name ?? null,
    publisherId: offer.publisherId,
    state: current.state,
    currentStep: current.currentStep,
    liveVersion: liveVersionOf(current),
    updatedAt: current.updatedAt > offer.updatedAt ? current.updatedAt : offer.updatedAt,
  };
}

export function sameSummary(a: OfferSummary | undefined, b: OfferSummary | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    (Object.keys(b) as (keyof OfferSummary)[]).every((k) => a[k] === b[k]) &&
    Object.keys(a).length === Object.keys(b).length
  );
}

/**
 * Which rows a caller's "All offers" reads: reviewers and Admin see every offer (optionally one
 * state), a publisher their own; anyone else nothing. A continuation token is bound to this.
 */
export type ListView =
  | { kind: 'catalog'; state?: SubmissionState }
  | { kind: 'publisher'; publisherId: string; state?: SubmissionState }
  | { kind: 'none' };

export function listViewFor(caller: Caller, state: SubmissionState | undefined): ListView {
  const filter = state ? { state } : {};
  if (isAdmin(caller) || isReviewer(caller)) return { kind: 'catalog', ...filter };
  if (hasRole(caller, 'Publisher') && caller.publisherId) {
    return { kind: 'publisher', publisherId: caller.publisherId, ...filter };
  }
  return { kind: 'none' };
}

/** A stable text naming the view, so a token minted for one view is refused by every other. */
export function viewKey(view: ListView): string {
  switch (view.kind) {
    case 'catalog':
      return `catalog:${view.state ?? '*'}`;
    case 'publisher':
      return `publisher:${view.publisherId}:${view.state ?? '*'}`;
    default:
      return 'none';
  }
}

/** One page of a view: items after `after` in offerId order, and whether more follow. */
export interface Page {
  items: OfferSummary[];
  /** The offerId to continue after, or null on the last page. */
  next: string | null;
}

/** Pages a list the caller already holds in full (a publisher's own offers): keyset on offerId. */
export function pageOf(items: OfferSummary[], after: string | undefined, top: number): Page {
  const rest = items
    .filter((i) => after === undefined || i.offerId > after)
    .sort((a, b) => (a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0));
  const page = rest.slice(0, top);
  return { items: page, next: rest.length > top ? (page[page.length - 1]?.offerId ?? null) : null };
}
