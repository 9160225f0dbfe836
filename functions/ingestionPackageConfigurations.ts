import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { configurationBodySchema } from '../shared/contracts/ingestion';
import { FUNCTIONS } from '../shared/contracts/names';
import { etagOf, selectorValue } from '../shared/domain/ingestion';
import {
  assertFresh,
  emptyProductState,
  guardedIngestion,
  IngestionError,
  ingestionJson,
  productRequest,
  readIngestionJson,
} from '../shared/http/ingestion';
import { configurationId, configurationResource, packageInstanceId } from '../shared/http/ingestionProducts';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * GET .../packageConfigurations/getByInstanceID(instanceID=...) and PUT .../packageConfigurations/{id}:
 * the packages the next submission ships. The PUT honours If-Match (a stale etag is 412).
 */
export function makeIngestionPackageConfigurations(services: Services) {
  return guardedIngestion(
    async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
      const { productId, offer } = await productRequest(request, services);
      const selector = request.params.selector ?? '';
      const initial = () => emptyProductState(productId, offer.offerId);
      if (request.method === 'GET') {
        const instance = selectorValue(selector, 'getByInstanceID', 'instanceID');
        if (instance?.toLowerCase() !== packageInstanceId(productId))
          return ingestionJson(200, { value: [] });
        const state = (await services.ingestion.state(productId)) ?? initial();
        return ingestionJson(200, { value: [configurationResource(state)] });
      }
      if (selector.toLowerCase() !== configurationId(productId)) {
        throw new IngestionError(
          404,
          `No package configuration '${selector}' exists in this product.`,
          'not_found',
        );
      }
      const body = await readIngestionJson(request, configurationBodySchema, services);
      const state = await services.ingestion.update(productId, initial, (current) => {
        assertFresh(request, etagOf('configuration', current.configurationVersion));
        const unknown = body.packageReferences.find((r) => !current.packages.some((p) => p.id === r.value));
        if (unknown) {
          throw new IngestionError(
            400,
            `packageReferences names no package '${unknown.value}'.`,
            'invalid_request',
          );
        }
        return {
          ...current,
          packageReferences: body.packageReferences.map((r) => ({ type: r.type, value: r.value })),
          configurationVersion: current.configurationVersion + 1,
        };
      });
      return ingestionJson(200, configurationResource(state));
    },
  );
}

app.http(FUNCTIONS.ingestionPackageConfigurations, {
  route: 'v1.0/ingestion/products/{productId}/packageConfigurations/{selector}',
  methods: ['GET', 'PUT'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeIngestionPackageConfigurations(getServices())(request, context),
});
