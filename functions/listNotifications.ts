import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { offerIdSchema } from '../shared/contracts/api';
import { offerFor } from '../shared/http/access';
import { routeParam } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { callerOf } from '../shared/http/principal';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** The emails the pipeline sent (or queued) about the offer, from the outbox. */
export function makeListNotifications(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOf(request);
    const offerId = routeParam(request, 'offerId', offerIdSchema);
    await offerFor(services.offers, offerId, caller, 'read');
    const notifications = (await services.outbox.list(offerId)).map(
      ({ to, subject, step, transition, sentAt, status }) => ({
        to,
        subject,
        step,
        transition,
        sentAt,
        status,
      }),
    );
    return json(200, { notifications });
  });
}

app.http(FUNCTIONS.listNotifications, {
  route: 'offers/{offerId}/notifications',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeListNotifications(getServices())(request, context),
});
