import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { LIST_TOP_DEFAULT, listOffersQuerySchema } from '../shared/contracts/api';
import { DomainError } from '../shared/domain/errors';
import { listViewFor, viewKey } from '../shared/domain/offerSummary';
import { parseWith } from '../shared/http/body';
import { continuationProblem, decodeContinuation, encodeContinuation } from '../shared/http/continuation';
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
    const query = await parseQuery(services, Object.fromEntries(request.query.entries()));
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

/** The query, or a 400 whose details name every bad field, a forged continuation included. */
async function parseQuery(services: Services, raw: Record<string, string>) {
  try {
    return parseWith(listOffersQuerySchema, raw);
  } catch (error) {
    const details = error instanceof DomainError ? error.details : undefined;
    if (!details || raw.continuation === undefined || details.some((d) => d.path === 'continuation')) {
      throw error;
    }
    const problem = continuationProblem(await services.listTokenKey(), raw.continuation);
    if (problem) details.push({ path: 'continuation', message: problem });
    throw error;
  }
}

app.http(FUNCTIONS.listOffers, {
  route: 'offers',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeListOffers(getServices())(request, context),
});
