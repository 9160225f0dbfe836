import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { goLive } from '../shared/actions/goLive';
import { FUNCTIONS } from '../shared/contracts/names';
import { offerRequest } from '../shared/http/access';
import { guarded, json } from '../shared/http/errors';
import type { OrchestrationClient } from '../shared/http/orchestrations';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** POST /api/offers/{offerId}/go-live: the owner's Go Live (shared/actions/goLive.ts decides it). */
export function makeGoLive(services: Services) {
  return guarded(
    async (
      request: HttpRequest,
      client: OrchestrationClient,
      context: InvocationContext,
    ): Promise<HttpResponseInit> => {
      const { caller, offer } = await offerRequest(request, services.offers, 'owner');
      return json(202, await goLive(services, client, context, { caller, offer }));
    },
  );
}

df.app.client.http(FUNCTIONS.goLive, {
  route: 'offers/{offerId}/go-live',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, client, context) => makeGoLive(getServices())(request, client, context),
});
