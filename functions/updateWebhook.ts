import { app } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guarded } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { getServices } from '../shared/services';
import { updateWebhook } from '../shared/webhooks/routes';

/** PATCH /api/webhooks/{webhookId}: url, events, offerIds, description, enabled (api.md "Webhooks"; shared/webhooks/routes.ts). */
app.http(FUNCTIONS.updateWebhook, {
  route: 'webhooks/{webhookId}',
  methods: ['PATCH'],
  authLevel: API_AUTH_LEVEL,
  handler: guarded(async (request, _context) => updateWebhook(getServices(), request)),
});
