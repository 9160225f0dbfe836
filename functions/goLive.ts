import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { EVENTS, FUNCTIONS } from '../shared/contracts/names';
import { GoLiveEvent } from '../shared/contracts/orchestration';
import { goLiveNeeded } from '../shared/domain/rules';
import { notStartedStatus } from '../shared/domain/status';
import { instanceIdFor } from '../shared/domain/transitions';
import { offerRequest } from '../shared/http/access';
import { guarded, json } from '../shared/http/errors';
import type { OrchestrationClient } from '../shared/http/orchestrations';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * Go Live: goLiveAt is set under the status row's ETag, and only the request that set it raises
 * the event, so ten clicks make one transition; the others are answered the same way.
 */
export function makeGoLive(services: Services) {
  return guarded(
    async (
      request: HttpRequest,
      client: OrchestrationClient,
      _context: InvocationContext,
    ): Promise<HttpResponseInit> => {
      const { caller, offerId } = await offerRequest(request, services.offers, 'owner');
      const at = services.now().toISOString();
      let won = false;
      const status = await services.statuses.update(
        offerId,
        (current) => {
          // Re-run on every ETag retry: only the last run's verdict counts.
          won = goLiveNeeded(current);
          return won ? { ...current, goLiveAt: at } : undefined;
        },
        () => notStartedStatus(offerId, at),
      );
      const submissionId = status.submissionId ?? '';
      if (won) {
        const event: GoLiveEvent = { actor: caller.name, at };
        await client.raiseEvent(instanceIdFor(offerId, submissionId), EVENTS.goLive, event);
      }
      return json(202, { offerId, submissionId });
    },
  );
}

df.app.client.http(FUNCTIONS.goLive, {
  route: 'offers/{offerId}/go-live',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, client, context) => makeGoLive(getServices())(request, client, context),
});
