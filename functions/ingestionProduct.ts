import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guardedIngestion, ingestionJson, productRequest } from '../shared/http/ingestion';
import { productResource } from '../shared/http/ingestionProducts';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** GET /api/v1.0/ingestion/products/{productId}: the offer as a Partner Center product. */
export function makeIngestionProduct(services: Services) {
  return guardedIngestion(
    async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
      const { productId, offer } = await productRequest(request, services);
      return ingestionJson(200, productResource(productId, offer));
    },
  );
}

app.http(FUNCTIONS.ingestionProduct, {
  route: 'v1.0/ingestion/products/{productId}',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeIngestionProduct(getServices())(request, context),
});
