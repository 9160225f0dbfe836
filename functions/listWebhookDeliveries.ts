import * as df from 'durable-functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guarded } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { getServices } from '../shared/services';
import { listWebhookDeliveries } from '../shared/webhooks/routes';

/** GET .../deliveries?top=&continuation=: newest first, 30 days (api.md "Webhooks"; shared/webhooks/routes.ts). */
df.app.client.http(FUNCTIONS.listWebhookDeliveries, {
  route: 'webhooks/{webhookId}/deliveries',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: guarded(async (request, client, _context) =>
    listWebhookDeliveries(getServices(), client, request),
  ),
});
