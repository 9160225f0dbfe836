import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { packageUpdateSchema } from '../shared/contracts/ingestion';
import { FUNCTIONS } from '../shared/contracts/names';
import { etagOf } from '../shared/domain/ingestion';
import {
  assertFresh,
  guardedIngestion,
  IngestionError,
  ingestionJson,
  productRequest,
  readIngestionJson,
} from '../shared/http/ingestion';
import { findPackage, packageResource, processPackage } from '../shared/http/ingestionProducts';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * GET .../packages/{packageId}, and PUT with state Uploaded once the file is written: Processed
 * when it is a package, ProcessFailed otherwise. The answer does not wait for a library zip's
 * apps: they are validated one by one after it (`validationState`, then `validations`).
 */
export function makeIngestionPackage(services: Services) {
  return guardedIngestion(
    async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      const { productId, offer } = await productRequest(request, services);
      const pkg = findPackage(await services.ingestion.state(productId), request.params.packageId ?? '');
      if (request.method === 'GET') return ingestionJson(200, packageResource(productId, pkg));
      assertFresh(request, etagOf('package', pkg.version));
      const body = await readIngestionJson(request, packageUpdateSchema, services);
      if (body.state !== 'Uploaded') {
        throw new IngestionError(400, `state must be 'Uploaded' (was '${body.state}').`, 'invalid_request', [
          { code: 'invalid_request', message: "must be 'Uploaded'", target: 'state' },
        ]);
      }
      return ingestionJson(
        200,
        await processPackage(services, productId, offer, pkg, (message) => context.warn(message)),
      );
    },
  );
}

app.http(FUNCTIONS.ingestionPackage, {
  route: 'v1.0/ingestion/products/{productId}/packages/{packageId}',
  methods: ['GET', 'PUT'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeIngestionPackage(getServices())(request, context),
});
