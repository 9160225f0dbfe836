import * as df from 'durable-functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guarded } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { getServices } from '../shared/services';
import { pingWebhook } from '../shared/webhooks/routes';

/** POST .../ping: a webhook.ping delivery (api.md "Webhooks"; shared/webhooks/routes.ts). */
df.app.client.http(FUNCTIONS.pingWebhook, {
  route: 'webhooks/{webhookId}/ping',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: guarded(async (request, client, _context) => pingWebhook(getServices(), client, request)),
});
