import { randomUUID } from 'node:crypto';
import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { z } from 'zod';
import { FUNCTIONS } from '../shared/contracts/names';
import { offerIdSchema, offerPutBodySchema } from '../shared/contracts/api';
import { DomainError } from '../shared/domain/errors';
import { Caller, actsAsOwner, hasRole, isAdmin } from '../shared/domain/identity';
import { Offer, OfferDraft, maskSecrets } from '../shared/domain/offer';
import { readJson, routeParam } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { callerOf } from '../shared/http/principal';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { restoreMaskedSecrets } from '../shared/http/secrets';
import type { Clock } from '../shared/ports/stores';
import { Services, getServices } from '../shared/services';

function ownerOf(caller: Caller, stored: Offer, offerId: string): string {
  if (!actsAsOwner(caller, stored.publisherId)) {
    throw new DomainError('forbidden', `Offer '${offerId}' belongs to another publisher.`);
  }
  return stored.publisherId;
}

function creatorOf(caller: Caller): string {
  if (!caller.publisherId || !(hasRole(caller, 'Publisher') || isAdmin(caller))) {
    throw new DomainError('forbidden', 'Only a publisher (with a publisher_id claim) may create offers.');
  }
  return caller.publisherId;
}

interface Put {
  caller: Caller;
  offerId: string;
  draft: OfferDraft;
  now: string;
}

/**
 * Creates or replaces. Creation is an insert-if-absent, so the first writer owns the id: a
 * publisher who loses the race finds the winner's offer and is refused (403) like any other
 * replace of another publisher's offer, never silently taking it over.
 */
async function save(services: Services, put: Put): Promise<{ offer: Offer; created: boolean }> {
  const stored = await services.offers.get(put.offerId);
  if (!stored) {
    const productId = randomUUID();
    // The lookup row first: an offer never exists without its product, and a lost creation race
    // leaves only a row naming an offer whose productId differs, which lookups ignore.
    await services.ingestion.link(productId, put.offerId);
    const offer: Offer = {
      ...restoreMaskedSecrets(put.draft, undefined),
      offerId: put.offerId,
      productId,
      publisherId: creatorOf(put.caller),
      createdAt: put.now,
      updatedAt: put.now,
    };
    if (await services.offers.create(offer)) return { offer, created: true };
    return save(services, put);
  }
  const productId = stored.productId ?? randomUUID();
  if (!stored.productId) await services.ingestion.link(productId, put.offerId);
  const offer: Offer = {
    // A Publish keeps the address it used as the default: a draft saved without one keeps it.
    ...(stored.notificationEmail ? { notificationEmail: stored.notificationEmail } : {}),
    ...restoreMaskedSecrets(put.draft, stored),
    offerId: put.offerId,
    productId,
    publisherId: ownerOf(put.caller, stored, put.offerId),
    createdAt: stored.createdAt,
    updatedAt: put.now,
  };
  await services.offers.put(offer);
  return { offer, created: false };
}

/** The draft without the fields the product sets; an `offerId` naming another offer is a mistake. */
function draftOf(body: z.infer<typeof offerPutBodySchema>, offerId: string): OfferDraft {
  const { offerId: named, publisherId: _p, createdAt: _c, updatedAt: _u, productId: _id, ...draft } = body;
  if (named !== undefined && named !== offerId) {
    throw new DomainError('invalid_request', 'The request is not valid; see details.', [
      { path: 'offerId', message: `must be '${offerId}' (the offer of the URL) or left out` },
    ]);
  }
  return draft;
}

/** `clock` is the workflow's clock (the local host's one locally), so offer times agree with the steps'. */
export function makePutOffer(services: Services, clock: Clock = services.clockFor(undefined)) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOf(request);
    const offerId = routeParam(request, 'offerId', offerIdSchema);
    const stored = await services.offers.get(offerId);
    // Refused before the body is read: another publisher's offer, or a caller who may not create.
    if (stored) ownerOf(caller, stored, offerId);
    else creatorOf(caller);
    const body = await readJson(request, offerPutBodySchema, services.settings.MAX_JSON_BODY_BYTES);
    const draft = draftOf(body, offerId);
    const now = (await clock.now()).toISOString();
    const { offer, created } = await save(services, { caller, offerId, draft, now });
    return json(created ? 201 : 200, maskSecrets(offer));
  });
}

// The durable client is here only for its task hub name, which keys the local host's clock.
df.app.client.http(FUNCTIONS.putOffer, {
  route: 'offers/{offerId}',
  methods: ['PUT'],
  authLevel: API_AUTH_LEVEL,
  // guarded: the clock is taken before the handler's own error mapping runs.
  handler: guarded(async (request, client, context) => {
    const services = getServices();
    return makePutOffer(services, services.clockFor(client.taskHubName))(request, context);
  }),
});
