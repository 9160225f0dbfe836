import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { EVENTS, FUNCTIONS } from '../shared/contracts/names';
import { CancelEvent } from '../shared/contracts/orchestration';
import { assertCancellable } from '../shared/domain/rules';
import { notStartedStatus } from '../shared/domain/status';
import { instanceIdFor } from '../shared/domain/transitions';
import { offerRequest } from '../shared/http/access';
import { guarded, json } from '../shared/http/errors';
import type { OrchestrationClient } from '../shared/http/orchestrations';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * Cancel: checked against the stored status, then raised; 202 only once the event is delivered
 * (a failed raise is a 500 and the repeat raises again). The orchestration resets the status when
 * it cancels; a repeated Cancel is harmless (the orchestrator acts on the first).
 */
export function makeCancelSubmission(services: Services) {
  return guarded(
    async (
      request: HttpRequest,
      client: OrchestrationClient,
      _context: InvocationContext,
    ): Promise<HttpResponseInit> => {
      const { caller, offerId, offer } = await offerRequest(request, services.offers, 'owner');
      // Taken before the status is read: the moment the Cancel was accepted.
      const at = services.now().toISOString();
      const status = (await services.statuses.get(offerId)) ?? notStartedStatus(offerId, offer.updatedAt);
      assertCancellable(status);
      const submissionId = status.submissionId ?? '';
      const event: CancelEvent = { actor: caller.name, at };
      await client.raiseEvent(instanceIdFor(offerId, submissionId), EVENTS.cancel, event);
      return json(202, { offerId, submissionId });
    },
  );
}

df.app.client.http(FUNCTIONS.cancelSubmission, {
  route: 'offers/{offerId}/cancel',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, client, context) => makeCancelSubmission(getServices())(request, client, context),
});
