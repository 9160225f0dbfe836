import * as df from 'durable-functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guarded } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { getServices } from '../shared/services';
import { redeliverWebhook } from '../shared/webhooks/routes';

/** POST .../deliveries/{deliveryId}/redeliver: the same event (same webhook-id) once more (api.md "Webhooks"; shared/webhooks/routes.ts). */
df.app.client.http(FUNCTIONS.redeliverWebhook, {
  route: 'webhooks/{webhookId}/deliveries/{deliveryId}/redeliver',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: guarded(async (request, client, _context) => redeliverWebhook(getServices(), client, request)),
});
