import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { selectorValue } from '../shared/domain/ingestion';
import { guardedIngestion, IngestionError, ingestionJson, productRequest } from '../shared/http/ingestion';
import { branchResource } from '../shared/http/ingestionProducts';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** GET .../branches/getByModule(module=Package|Property): the one draft branch of each module. */
export function makeIngestionBranches(services: Services) {
  return guardedIngestion(
    async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
      const { productId } = await productRequest(request, services);
      const module = selectorValue(request.params.selector ?? '', 'getByModule', 'module')?.toLowerCase();
      if (module !== 'package' && module !== 'property') {
        throw new IngestionError(
          404,
          'Only branches/getByModule(module=Package|Property) exist here.',
          'not_found',
        );
      }
      return ingestionJson(200, {
        value: [branchResource(productId, module === 'package' ? 'Package' : 'Property')],
      });
    },
  );
}

app.http(FUNCTIONS.ingestionBranches, {
  route: 'v1.0/ingestion/products/{productId}/branches/{selector}',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeIngestionBranches(getServices())(request, context),
});
