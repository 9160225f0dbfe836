import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { LIST_TOP_DEFAULT, listOffersQuerySchema } from '../shared/contracts/api';
import { listViewFor, viewKey } from '../shared/domain/offerSummary';
import { parseWith } from '../shared/http/body';
import { decodeContinuation, encodeContinuation } from '../shared/http/continuation';
import { guarded, json } from '../shared/http/errors';
import { callerOf } from '../shared/http/principal';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * The "All offers" view, one page at a time from the index tables (shared/adapters/tables/
 * offerIndex.ts): a publisher's page is one point read of their own row, a reviewer's one range
 * of the catalog. Never a scan of the marketplace, never Durable.
 */
export function makeListOffers(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOf(request);
    const query = parseWith(listOffersQuerySchema, Object.fromEntries(request.query.entries()));
    const view = listViewFor(caller, query.state);
    const key = viewKey(view);
    const signingKey = await services.listTokenKey();
    const after = query.continuation ? decodeContinuation(signingKey, query.continuation, key) : undefined;
    await services.offerIndex.ensureBackfilled();
    const page = await services.offerIndex.page(view, after, query.top ?? LIST_TOP_DEFAULT);
    return json(200, {
      offers: page.items,
      continuation: page.next === null ? null : encodeContinuation(signingKey, key, page.next),
    });
  });
}

app.http(FUNCTIONS.listOffers, {
  route: 'offers',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeListOffers(getServices())(request, context),
});
