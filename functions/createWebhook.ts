import * as df from 'durable-functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guarded } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { getServices } from '../shared/services';
import { createWebhook } from '../shared/webhooks/routes';

/** POST /api/webhooks: registers an endpoint; the secret is shown here once (api.md "Webhooks"; shared/webhooks/routes.ts). */
df.app.client.http(FUNCTIONS.createWebhook, {
  route: 'webhooks',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: guarded(async (request, client, _context) => createWebhook(getServices(), client, request)),
});
