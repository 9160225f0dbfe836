import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guarded, json } from '../shared/http/errors';
import { openApiDocument } from '../shared/http/openapi';
import { PUBLIC_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** The OpenAPI 3.1 document, generated from the zod schemas of the API. */
export function makeGetOpenApi(services: Pick<Services, 'settings'>) {
  return guarded(
    async (_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> =>
      json(200, openApiDocument(services.settings.PUBLIC_BASE_URL)),
  );
}

app.http(FUNCTIONS.getOpenApi, {
  route: 'openapi.json',
  methods: ['GET'],
  authLevel: PUBLIC_AUTH_LEVEL,
  handler: (request, context) => makeGetOpenApi(getServices())(request, context),
});
