import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { submissionCreationSchema } from '../shared/contracts/ingestion';
import { FUNCTIONS } from '../shared/contracts/names';
import { isListed } from '../shared/domain/ingestion';
import { guardedIngestion, ingestionJson, productRequest, readIngestionJson } from '../shared/http/ingestion';
import { listedSubmission, submissionResource, submissionsOf } from '../shared/http/ingestionProducts';
import { startSubmission } from '../shared/http/ingestionSubmit';
import type { OrchestrationClient } from '../shared/http/orchestrations';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * GET .../submissions (oldest first; canceled ones have left the list) and POST (Publish with the
 * configured packages; a submission waiting at sign-off is canceled and replaced).
 */
export function makeIngestionSubmissions(services: Services) {
  return guardedIngestion(
    async (
      request: HttpRequest,
      client: OrchestrationClient & { taskHubName?: string },
      context: InvocationContext,
    ): Promise<HttpResponseInit> => {
      const { caller, productId, offer } = await productRequest(request, services);
      if (request.method === 'GET') {
        const listed = (await submissionsOf(services, offer.offerId)).filter(isListed);
        return ingestionJson(200, { value: listed.map((f) => submissionResource(productId, f)) });
      }
      await readIngestionJson(request, submissionCreationSchema, services);
      const submissionId = await startSubmission({ services, client, context, caller, offer });
      const facts = await listedSubmission(services, offer.offerId, submissionId);
      return ingestionJson(201, submissionResource(productId, facts));
    },
  );
}

df.app.client.http(FUNCTIONS.ingestionSubmissions, {
  route: 'v1.0/ingestion/products/{productId}/submissions',
  methods: ['GET', 'POST'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, client, context) => makeIngestionSubmissions(getServices())(request, client, context),
});
