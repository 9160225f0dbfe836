import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guardedIngestion, ingestionJson, productRequest } from '../shared/http/ingestion';
import { setupResource } from '../shared/http/ingestionProducts';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** GET .../products/{productId}/setup: every offer here is an AddOn (the script refuses Connect apps). */
export function makeIngestionProductSetup(services: Services) {
  return guardedIngestion(
    async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
      const { productId } = await productRequest(request, services);
      return ingestionJson(200, setupResource(productId));
    },
  );
}

app.http(FUNCTIONS.ingestionProductSetup, {
  route: 'v1.0/ingestion/products/{productId}/setup',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeIngestionProductSetup(getServices())(request, context),
});
