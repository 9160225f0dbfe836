import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guardedIngestion, ingestionJson, productRequest, readIngestionJson } from '../shared/http/ingestion';
import { packageCreateSchema } from '../shared/contracts/ingestion';
import { createPackage } from '../shared/http/ingestionProducts';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * POST .../packages {resourceType, fileName} -> {id, fileSasUri, state: PendingUpload}: the
 * fileSasUri writes exactly this one file into storage (container `ingestion`) for 15 minutes.
 */
export function makeIngestionPackages(services: Services) {
  return guardedIngestion(
    async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
      const { productId, offer } = await productRequest(request, services);
      const body = await readIngestionJson(request, packageCreateSchema, services);
      return ingestionJson(201, await createPackage(services, productId, offer, body));
    },
  );
}

app.http(FUNCTIONS.ingestionPackages, {
  route: 'v1.0/ingestion/products/{productId}/packages',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeIngestionPackages(getServices())(request, context),
});
