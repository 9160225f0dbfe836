import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guardedIngestion, ingestionJson, productRequest } from '../shared/http/ingestion';
import { listedSubmission, submissionResource } from '../shared/http/ingestionProducts';
import { cancelSubmission } from '../shared/http/ingestionSubmit';
import type { OrchestrationClient } from '../shared/http/orchestrations';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * GET .../submissions/{submissionId}: state/substate and pendingUpdateInfo.failureReason;
 * DELETE: Cancel (accepted from publisher sign-off until step 8 starts, 409 otherwise).
 */
export function makeIngestionSubmission(services: Services) {
  return guardedIngestion(
    async (
      request: HttpRequest,
      client: OrchestrationClient,
      context: InvocationContext,
    ): Promise<HttpResponseInit> => {
      const { caller, productId, offer } = await productRequest(request, services);
      const submissionId = request.params.submissionId ?? '';
      const facts = await listedSubmission(services, offer.offerId, submissionId);
      if (request.method === 'GET') return ingestionJson(200, submissionResource(productId, facts));
      await cancelSubmission({ services, client, context, caller, offer }, submissionId);
      return ingestionJson(200, { ...submissionResource(productId, facts), substate: 'Canceling' });
    },
  );
}

df.app.client.http(FUNCTIONS.ingestionSubmission, {
  route: 'v1.0/ingestion/products/{productId}/submissions/{submissionId}',
  methods: ['GET', 'DELETE'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, client, context) => makeIngestionSubmission(getServices())(request, client, context),
});
