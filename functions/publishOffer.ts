import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { publishOffer } from '../shared/actions/publish';
import { FUNCTIONS } from '../shared/contracts/names';
import { publishRequestSchema } from '../shared/contracts/api';
import { offerRequest } from '../shared/http/access';
import { readJson } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import type { OrchestrationClient } from '../shared/http/orchestrations';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import type { Clock } from '../shared/ports/stores';
import { Services, getServices } from '../shared/services';

export function statusUrlOf(baseUrl: string, offerId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/offers/${offerId}/status`;
}

/**
 * POST /api/offers/{offerId}/publish: the owner's Publish (shared/actions/publish.ts decides it).
 * `clock` is the workflow's clock, the local host's one locally.
 */
export function makePublishOffer(services: Services, clock: Clock = services.clockFor(undefined)) {
  return guarded(
    async (
      request: HttpRequest,
      client: OrchestrationClient,
      context: InvocationContext,
    ): Promise<HttpResponseInit> => {
      const { offerId, offer } = await offerRequest(request, services.offers, 'owner');
      const { notificationEmail } = await readJson(
        request,
        publishRequestSchema,
        services.settings.MAX_JSON_BODY_BYTES,
      );
      const submissionId = await publishOffer(services, clock, client, context, { offer, notificationEmail });
      const statusUrl = statusUrlOf(services.settings.PUBLIC_BASE_URL, offerId);
      return json(202, { submissionId, statusUrl }, { location: statusUrl });
    },
  );
}

df.app.client.http(FUNCTIONS.publishOffer, {
  route: 'offers/{offerId}/publish',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: guarded(async (request, client, context) => {
    // guarded: the clock is taken before the handler's own error mapping runs.
    const services = getServices();
    return makePublishOffer(services, services.clockFor(client.taskHubName))(request, client, context);
  }),
});
