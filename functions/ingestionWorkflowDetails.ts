import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { workflowDetails } from '../shared/domain/ingestion';
import { guardedIngestion, ingestionJson, productRequest } from '../shared/http/ingestion';
import { listedSubmission } from '../shared/http/ingestionProducts';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * GET .../submissions/{submissionId}/workflowdetails: two items (Preview and Live) whose
 * workflowSteps are the nine steps in the five groups the script prints.
 */
export function makeIngestionWorkflowDetails(services: Services) {
  return guardedIngestion(
    async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
      const { offer } = await productRequest(request, services);
      const facts = await listedSubmission(services, offer.offerId, request.params.submissionId ?? '');
      return ingestionJson(200, { value: workflowDetails(facts) });
    },
  );
}

app.http(FUNCTIONS.ingestionWorkflowDetails, {
  route: 'v1.0/ingestion/products/{productId}/submissions/{submissionId}/workflowdetails',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeIngestionWorkflowDetails(getServices())(request, context),
});
