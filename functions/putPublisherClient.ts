import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { clientIdSchema, publisherClientSchema } from '../shared/contracts/ingestion';
import { FUNCTIONS } from '../shared/contracts/names';
import { DomainError } from '../shared/domain/errors';
import { isAdmin } from '../shared/domain/identity';
import { readJson, routeParam } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { callerOf } from '../shared/http/principal';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * PUT /api/admin/publisher-clients/{clientId} {"publisherId"} (Admin): an application calling with
 * client-credential tokens (AL-Go's appSourceContext) acts as a Publisher of that publisher.
 */
export function makePutPublisherClient(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOf(request);
    if (!isAdmin(caller)) throw new DomainError('forbidden', 'Only an Admin maps client ids to publishers.');
    const clientId = routeParam(request, 'clientId', clientIdSchema).toLowerCase();
    const { publisherId } = await readJson(
      request,
      publisherClientSchema,
      services.settings.MAX_JSON_BODY_BYTES,
    );
    await services.ingestion.setPublisherOfClient(clientId, publisherId);
    return json(200, { clientId, publisherId });
  });
}

app.http(FUNCTIONS.putPublisherClient, {
  route: 'admin/publisher-clients/{clientId}',
  methods: ['PUT'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makePutPublisherClient(getServices())(request, context),
});
