import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { offerDraftSchema, offerIdSchema } from '../shared/contracts/api';
import { DomainError } from '../shared/domain/errors';
import { Caller, actsAsOwner, hasRole, isAdmin } from '../shared/domain/identity';
import { Offer, maskSecrets } from '../shared/domain/offer';
import { readJson, routeParam } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { callerOf } from '../shared/http/principal';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { restoreMaskedSecrets } from '../shared/http/secrets';
import { Services, getServices } from '../shared/services';

/** Whose offer this becomes: the stored owner on replace, the caller's publisher_id on create. */
function publisherIdFor(caller: Caller, stored: Offer | undefined, offerId: string): string {
  if (stored) {
    if (!actsAsOwner(caller, stored.publisherId)) {
      throw new DomainError('forbidden', `Offer '${offerId}' belongs to another publisher.`);
    }
    return stored.publisherId;
  }
  if (!caller.publisherId || !(hasRole(caller, 'Publisher') || isAdmin(caller))) {
    throw new DomainError('forbidden', 'Only a publisher (with a publisher_id claim) may create offers.');
  }
  return caller.publisherId;
}

export function makePutOffer(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOf(request);
    const offerId = routeParam(request, 'offerId', offerIdSchema);
    const stored = await services.offers.get(offerId);
    const publisherId = publisherIdFor(caller, stored, offerId);
    const draft = await readJson(request, offerDraftSchema, services.settings.MAX_JSON_BODY_BYTES);
    const now = services.now().toISOString();
    const offer: Offer = {
      ...restoreMaskedSecrets(draft, stored),
      offerId,
      publisherId,
      createdAt: stored?.createdAt ?? now,
      updatedAt: now,
    };
    const { created } = await services.offers.put(offer);
    return json(created ? 201 : 200, maskSecrets(offer));
  });
}

app.http(FUNCTIONS.putOffer, {
  route: 'offers/{offerId}',
  methods: ['PUT'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makePutOffer(getServices())(request, context),
});
