import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guardedIngestion, ingestionJson, productRequest } from '../shared/http/ingestion';
import { listedSubmission, submissionResource } from '../shared/http/ingestionProducts';
import { promoteSubmission } from '../shared/http/ingestionSubmit';
import type { OrchestrationClient } from '../shared/http/orchestrations';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** POST .../submissions/{submissionId}/promote: Go Live (409 unless it waits at publisher sign-off). */
export function makeIngestionPromote(services: Services) {
  return guardedIngestion(
    async (
      request: HttpRequest,
      client: OrchestrationClient,
      context: InvocationContext,
    ): Promise<HttpResponseInit> => {
      const { caller, productId, offer } = await productRequest(request, services);
      const submissionId = request.params.submissionId ?? '';
      await promoteSubmission({ services, client, context, caller, offer }, submissionId);
      return ingestionJson(
        200,
        submissionResource(productId, await listedSubmission(services, offer.offerId, submissionId)),
      );
    },
  );
}

df.app.client.http(FUNCTIONS.ingestionPromote, {
  route: 'v1.0/ingestion/products/{productId}/submissions/{submissionId}/promote',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, client, context) => makeIngestionPromote(getServices())(request, client, context),
});
