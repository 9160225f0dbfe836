import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { offerRequest } from '../shared/http/access';
import { guarded, json } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** The emails the pipeline sent (or queued) about the offer, from the outbox, with their text. */
export function makeListNotifications(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const { offerId } = await offerRequest(request, services.offers, 'read');
    const notifications = (await services.outbox.list(offerId)).map(
      ({ to, subject, step, transition, sentAt, status, text }) => ({
        to,
        subject,
        step,
        transition,
        sentAt,
        status,
        // The email's plain text (api.md "Notifications read back"): links, never a secret.
        body: text,
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
