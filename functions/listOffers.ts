import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { listOffersQuerySchema } from '../shared/contracts/api';
import { canRead } from '../shared/domain/identity';
import { notStartedStatus } from '../shared/domain/status';
import { parseWith } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { callerOf } from '../shared/http/principal';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** The "All offers" view, from the Offers and OfferStatus tables only (never Durable). */
export function makeListOffers(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOf(request);
    const { state } = parseWith(listOffersQuerySchema, Object.fromEntries(request.query.entries()));
    const [offers, statuses] = await Promise.all([services.offers.list(), services.statuses.list()]);
    const statusOf = new Map(statuses.map((s) => [s.offerId, s]));
    const items = offers
      .filter((offer) => canRead(caller, offer.publisherId))
      .map((offer) => {
        const status = statusOf.get(offer.offerId) ?? notStartedStatus(offer.offerId, offer.updatedAt);
        return {
          offerId: offer.offerId,
          name: offer.name ?? null,
          publisherId: offer.publisherId,
          state: status.state,
          currentStep: status.currentStep,
          updatedAt: status.updatedAt > offer.updatedAt ? status.updatedAt : offer.updatedAt,
        };
      })
      .filter((item) => !state || item.state === state)
      .sort((a, b) => a.offerId.localeCompare(b.offerId));
    return json(200, { offers: items });
  });
}

app.http(FUNCTIONS.listOffers, {
  route: 'offers',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeListOffers(getServices())(request, context),
});
