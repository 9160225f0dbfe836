import { app } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guarded } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { getServices } from '../shared/services';
import { getWebhook } from '../shared/webhooks/routes';

/** GET /api/webhooks/{webhookId} (api.md "Webhooks"; shared/webhooks/routes.ts). */
app.http(FUNCTIONS.getWebhook, {
  route: 'webhooks/{webhookId}',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: guarded(async (request, _context) => getWebhook(getServices(), request)),
});
