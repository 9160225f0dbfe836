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

/** Cancel: checked against the stored status; the orchestration resets the status when it cancels. */
export function makeCancelSubmission(services: Services) {
  return guarded(
    async (
      request: HttpRequest,
      client: OrchestrationClient,
      _context: InvocationContext,
    ): Promise<HttpResponseInit> => {
      const { caller, offerId, offer } = await offerRequest(request, services.offers, 'owner');
      const status = (await services.statuses.get(offerId)) ?? notStartedStatus(offerId, offer.updatedAt);
      assertCancellable(status);
      const submissionId = status.submissionId ?? '';
      const event: CancelEvent = { actor: caller.name, at: services.now().toISOString() };
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
