import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { EVENTS, FUNCTIONS } from '../shared/contracts/names';
import { CancelEvent } from '../shared/contracts/orchestration';
import { acceptedCancel, requestCancel } from '../shared/domain/rules';
import { notStartedStatus } from '../shared/domain/status';
import { instanceIdFor } from '../shared/domain/transitions';
import { offerRequest } from '../shared/http/access';
import { guarded, json } from '../shared/http/errors';
import type { OrchestrationClient } from '../shared/http/orchestrations';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * Cancel: accepted by writing it on the status row (ETag-checked, re-checked against the row being
 * written), then raised; 202 only once the event is delivered (a failed raise is a 500 and the
 * repeat raises again). Step 8's start is written on the same row and yields to a Cancel written
 * first (recordTransition), so an accepted Cancel whose event arrives late still cancels, and a
 * Cancel after step 8 started is a 409. A repeat while this submission's Cancel stands is accepted
 * and raises the same Cancel again; the orchestration resets the status when it cancels.
 */
export function makeCancelSubmission(services: Services) {
  return guarded(
    async (
      request: HttpRequest,
      client: OrchestrationClient,
      _context: InvocationContext,
    ): Promise<HttpResponseInit> => {
      const { caller, offerId, offer } = await offerRequest(request, services.offers, 'owner');
      // The moment the Cancel was accepted (kept by the first of repeated Cancels).
      const at = services.now().toISOString();
      const status = await services.statuses.update(
        offerId,
        (current) => requestCancel(current, caller.name, at),
        () => notStartedStatus(offerId, offer.updatedAt),
      );
      const accepted = acceptedCancel(status);
      const { submissionId } = accepted;
      const event: CancelEvent = { actor: accepted.actor, at: accepted.at };
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
