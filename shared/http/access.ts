import type { HttpRequest } from '@azure/functions';
import { offerIdSchema } from '../contracts/api';
import { DomainError } from '../domain/errors';
import { Caller, actsAsOwner, canRead } from '../domain/identity';
import type { Offer } from '../domain/offer';
import { OfferStatus, notStartedStatus } from '../domain/status';
import type { OfferStore, StatusStore } from '../ports/stores';
import { routeParam } from './body';
import { callerOf } from './principal';

export type Access = 'owner' | 'read';

export function offerNotFound(offerId: string): DomainError {
  return new DomainError('offer_not_found', `No offer '${offerId}' exists.`);
}

/**
 * The offer if this caller may act on it. An unknown offer is 404 for everyone; an existing
 * offer of another publisher is 403 (design.md allows either; offer ids are not secret to the
 * marketplace, and 403 tells a publisher's script that the id is taken). Admin acts as owner.
 */
export async function offerFor(
  offers: OfferStore,
  offerId: string,
  caller: Caller,
  access: Access,
): Promise<Offer> {
  const offer = await offers.get(offerId);
  if (!offer) throw offerNotFound(offerId);
  assertAccess(offerId, offer.publisherId, caller, access);
  return offer;
}

/** offerFor's 403, for an offer whose owner is known. */
function assertAccess(offerId: string, publisherId: string, caller: Caller, access: Access): void {
  const allowed = access === 'owner' ? actsAsOwner(caller, publisherId) : canRead(caller, publisherId);
  if (!allowed) {
    throw new DomainError(
      'forbidden',
      access === 'owner'
        ? `Only the publisher of offer '${offerId}' may do this.`
        : `Offer '${offerId}' belongs to another publisher.`,
    );
  }
}

/**
 * The offer's status, read from storage, if this caller may act on the offer: decided on the
 * status row, which names its owner (an offer's owner never changes, and offers are never
 * deleted), so a route that decides on the status needs no read of the offer. Only an offer never
 * published (no status row, or one written before it named its owner) is decided on the offer, as
 * offerFor does (404 / 403); its status is then the one of an offer never published.
 */
export async function statusFor(
  stores: { offers: OfferStore; statuses: StatusStore },
  offerId: string,
  caller: Caller,
  access: Access,
): Promise<{ status: OfferStatus; publisherId: string }> {
  const stored = await stores.statuses.get(offerId);
  if (stored?.publisherId) {
    assertAccess(offerId, stored.publisherId, caller, access);
    return { status: stored, publisherId: stored.publisherId };
  }
  const offer = await offerFor(stores.offers, offerId, caller, access);
  return { status: stored ?? notStartedStatus(offerId, offer.updatedAt), publisherId: offer.publisherId };
}

/**
 * The prologue of every route on one offer, in api.md's order: who calls (401), which offer
 * (400 for a malformed id), and whether they may (404 / 403).
 */
export async function offerRequest(
  request: HttpRequest,
  offers: OfferStore,
  access: Access,
): Promise<{ caller: Caller; offerId: string; offer: Offer }> {
  const caller = callerOf(request);
  const offerId = routeParam(request, 'offerId', offerIdSchema);
  return { caller, offerId, offer: await offerFor(offers, offerId, caller, access) };
}
