import { app } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guarded } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { getServices } from '../shared/services';
import { listWebhooks } from '../shared/webhooks/routes';

/** GET /api/webhooks: the caller's endpoints (Admin: all), secrets masked (api.md "Webhooks"; shared/webhooks/routes.ts). */
app.http(FUNCTIONS.listWebhooks, {
  route: 'webhooks',
  methods: ['GET'],
  authLevel: API_AUTH_LEVEL,
  handler: guarded(async (request, _context) => listWebhooks(getServices(), request)),
});
