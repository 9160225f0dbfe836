import { app } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guarded } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { getServices } from '../shared/services';
import { deleteWebhook } from '../shared/webhooks/routes';

/** DELETE /api/webhooks/{webhookId} (api.md "Webhooks"; shared/webhooks/routes.ts). */
app.http(FUNCTIONS.deleteWebhook, {
  route: 'webhooks/{webhookId}',
  methods: ['DELETE'],
  authLevel: API_AUTH_LEVEL,
  handler: guarded(async (request, _context) => deleteWebhook(getServices(), request)),
});
