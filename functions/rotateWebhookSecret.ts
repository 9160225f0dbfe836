import * as df from 'durable-functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { guarded } from '../shared/http/errors';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { getServices } from '../shared/services';
import { rotateWebhookSecret } from '../shared/webhooks/routes';

/** POST .../rotate-secret: a new secret; the old one signs beside it for 24 hours (api.md "Webhooks"; shared/webhooks/routes.ts). */
df.app.client.http(FUNCTIONS.rotateWebhookSecret, {
  route: 'webhooks/{webhookId}/rotate-secret',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: guarded(async (request, client, _context) => rotateWebhookSecret(getServices(), client, request)),
});
