import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { cancelSubmission } from '../shared/actions/cancel';
import { FUNCTIONS } from '../shared/contracts/names';
import { offerRequest } from '../shared/http/access';
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
      const { caller, offer } = await offerRequest(request, services.offers, 'owner');
      return json(202, await cancelSubmission(services, client, { caller, offer }));
    },
  );
}

df.app.client.http(FUNCTIONS.cancelSubmission, {
  route: 'offers/{offerId}/cancel',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, client, context) => makeCancelSubmission(getServices())(request, client, context),
});
