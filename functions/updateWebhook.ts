import * as df from 'durable-functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guarded } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { getServices } from '../shared/services';
import { updateWebhook } from '../shared/webhooks/routes';

/** PATCH /api/webhooks/{webhookId}: url, events, offerIds, description, enabled (api.md "Webhooks"; shared/webhooks/routes.ts). */
df.app.client.http(FUNCTIONS.updateWebhook, {
  route: 'webhooks/{webhookId}',
  methods: ['PATCH'],
  authLevel: API_AUTH_LEVEL,
  handler: guarded(async (request, client, _context) => updateWebhook(getServices(), client, request)),
});
