import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { goLive } from '../shared/actions/goLive';
import { FUNCTIONS } from '../shared/contracts/names';
import { offerIdSchema } from '../shared/contracts/api';
import { statusFor } from '../shared/http/access';
import { routeParam } from '../shared/http/body';
import { callerOf } from '../shared/http/principal';
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
      const caller = callerOf(request);
      const offerId = routeParam(request, 'offerId', offerIdSchema);
      // Access is decided on the status row (it names the owner): no read of the offer.
      const { status } = await statusFor(services, offerId, caller, 'owner');
      return json(202, await goLive(services, client, context, { caller, offerId, status }));
    },
  );
}

df.app.client.http(FUNCTIONS.goLive, {
  route: 'offers/{offerId}/go-live',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, client, context) => makeGoLive(getServices())(request, client, context),
});
