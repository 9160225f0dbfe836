import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { propertyBodySchema } from '../shared/contracts/ingestion';
import { FUNCTIONS } from '../shared/contracts/names';
import { etagOf, selectorValue } from '../shared/domain/ingestion';
import {
  assertFresh,
  guardedIngestion,
  IngestionError,
  ingestionJson,
  productRequest,
  readIngestionJson,
} from '../shared/http/ingestion';
import { propertyInstanceId, propertyResource, setAppVersion } from '../shared/http/ingestionProducts';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import type { Clock } from '../shared/ports/stores';
import { Services, getServices } from '../shared/services';

/**
 * GET .../properties/getByInstanceID(instanceID=...) and PUT .../properties/{id}: appVersion is the
 * offer's app.version; setting it lower than the live version is 409. The PUT honours If-Match.
 */
export function makeIngestionProperties(services: Services, clock: Clock = services.clockFor(undefined)) {
  return guardedIngestion(
    async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
      const { productId, offer } = await productRequest(request, services);
      const selector = request.params.selector ?? '';
      if (request.method === 'GET') {
        const instance = selectorValue(selector, 'getByInstanceID', 'instanceID');
        if (instance?.toLowerCase() !== propertyInstanceId(productId))
          return ingestionJson(200, { value: [] });
        return ingestionJson(200, { value: [propertyResource(productId, offer)] });
      }
      if (selector.toLowerCase() !== propertyInstanceId(productId)) {
        throw new IngestionError(404, `No property '${selector}' exists in this product.`, 'not_found');
      }
      assertFresh(request, etagOf('property', offer.updatedAt));
      const body = await readIngestionJson(request, propertyBodySchema, services);
      const now = (await clock.now()).toISOString();
      const updated = await setAppVersion(services, offer, body.appVersion, now);
      return ingestionJson(200, propertyResource(productId, updated));
    },
  );
}

// The durable client is here only for its task hub name, which keys the local host's clock.
df.app.client.http(FUNCTIONS.ingestionProperties, {
  route: 'v1.0/ingestion/products/{productId}/properties/{selector}',
  methods: ['GET', 'PUT'],
  authLevel: API_AUTH_LEVEL,
  handler: guardedIngestion(async (request, client, context) => {
    const services = getServices();
    return makeIngestionProperties(services, services.clockFor(client.taskHubName))(request, context);
  }),
});
