import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { EVENTS, FUNCTIONS } from '../shared/contracts/names';
import { publishDateRequestSchema } from '../shared/contracts/api';
import { PublishDateEvent } from '../shared/contracts/orchestration';
import { DomainError } from '../shared/domain/errors';
import { isAdmin } from '../shared/domain/identity';
import { OfferStatus, notStartedStatus } from '../shared/domain/status';
import { instanceIdFor } from '../shared/domain/transitions';
import { offerRequest } from '../shared/http/access';
import { readJson } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { OrchestrationClient, assertAlive } from '../shared/http/orchestrations';
import { assertPlausibleDate } from '../shared/http/publishDate';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import type { Clock } from '../shared/ports/stores';
import { Services, getServices } from '../shared/services';

/** Step 8 has started and waits for the promised date (its `waiting` transition is recorded). */
function waitsForDate(status: OfferStatus): boolean {
  const publish = status.steps.find((s) => s.id === 'publish');
  return status.state === 'Running' && status.currentStep === 'publish' && publish?.state === 'Waiting';
}

/**
 * An Admin moves or clears the promised date of the submission waiting in step 8 (api.md, design.md
 * "Promised dates are plausible"). The route writes nothing: it raises the PublishDate event and
 * the orchestration records the change (history row with the Admin as actor, the new date on the
 * status) and waits until the new date. So it completes or leaves no trace: a failed raise is a
 * 500 with nothing changed. A submission not waiting in step 8, or whose instance is no longer
 * running, is 409 not_waiting_for_date.
 */
export function makeSetPublishDate(services: Services, clock: Clock = services.clockFor(undefined)) {
  return guarded(
    async (
      request: HttpRequest,
      client: OrchestrationClient,
      _context: InvocationContext,
    ): Promise<HttpResponseInit> => {
      const { caller, offerId, offer } = await offerRequest(request, services.offers, 'read');
      if (!isAdmin(caller))
        throw new DomainError('forbidden', 'Only an Admin may change a promised publishing date.');
      const { publishDate } = await readJson(
        request,
        publishDateRequestSchema,
        services.settings.MAX_JSON_BODY_BYTES,
      );
      const now = await clock.now();
      if (publishDate) assertPlausibleDate(publishDate, now);
      const status = (await services.statuses.get(offerId)) ?? notStartedStatus(offerId, offer.updatedAt);
      const submissionId = status.submissionId ?? '';
      if (!waitsForDate(status)) {
        throw new DomainError(
          'not_waiting_for_date',
          `Offer '${offerId}' has no submission waiting in step 8 for a promised publishing date.`,
        );
      }
      const instanceId = instanceIdFor(offerId, submissionId);
      await assertAlive(client, instanceId, 'not_waiting_for_date', 'a new publishing date');
      const event: PublishDateEvent = { publishDate, actor: caller.name, at: now.toISOString() };
      await client.raiseEvent(instanceId, EVENTS.publishDate, event);
      return json(202, { offerId, submissionId, publishDate });
    },
  );
}

df.app.client.http(FUNCTIONS.setPublishDate, {
  route: 'offers/{offerId}/publish-date',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: guarded(async (request, client, context) => {
    // The workflow's clock (the local host's one locally) judges how far ahead a date is.
    const services = getServices();
    return makeSetPublishDate(services, services.clockFor(client.taskHubName))(request, client, context);
  }),
});
