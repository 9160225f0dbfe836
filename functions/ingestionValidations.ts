import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { validationsOf } from '../shared/domain/ingestion';
import { guardedIngestion, ingestionJson, productRequest } from '../shared/http/ingestion';
import { listedSubmission } from '../shared/http/ingestionProducts';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** GET .../submissions/{submissionId}/validations: every finding of the failed step ({code, message, path, severity}). */
export function makeIngestionValidations(services: Services) {
  return guardedIngestion(
    async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
      const { offer } = await productRequest(request, services);
      const facts = await listedSubmission(services, offer.offerId, request.params.submissionId ?? '');
      return ingestionJson(200, { value: facts.state === 'Failed' ? validationsOf(facts.error) : [] });
    },
  );
}

app.http(FUNCTIONS.ingestionValidations, {
  route: 'v1.0/ingestion/products/{productId}/submissions/{submissionId}/validations',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeIngestionValidations(getServices())(request, context),
});
