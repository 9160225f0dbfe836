import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { cancelSubmission } from '../shared/actions/cancel';
import { FUNCTIONS } from '../shared/contracts/names';
import { offerIdSchema } from '../shared/contracts/api';
import { statusFor } from '../shared/http/access';
import { routeParam } from '../shared/http/body';
import { callerOf } from '../shared/http/principal';
import { guarded, json } from '../shared/http/errors';
import type { OrchestrationClient } from '../shared/http/orchestrations';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** POST /api/offers/{offerId}/cancel: the owner's Cancel (shared/actions/cancel.ts decides it). */
export function makeCancelSubmission(services: Services) {
  return guarded(
    async (
      request: HttpRequest,
      client: OrchestrationClient,
      _context: InvocationContext, // guarded's error mapping logs to it
    ): Promise<HttpResponseInit> => {
      const caller = callerOf(request);
      const offerId = routeParam(request, 'offerId', offerIdSchema);
      // Access is decided on the status row (it names the owner): no read of the offer.
      const { status } = await statusFor(services, offerId, caller, 'owner');
      return json(202, await cancelSubmission(services, client, { caller, offerId, status }));
    },
  );
}

df.app.client.http(FUNCTIONS.cancelSubmission, {
  route: 'offers/{offerId}/cancel',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, client, context) => makeCancelSubmission(getServices())(request, client, context),
});
