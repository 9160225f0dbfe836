import * as df from 'durable-functions';
import { ACTIVITIES } from '../shared/contracts/names';
import { getServices } from '../shared/services';
import { attemptWebhookDelivery } from '../shared/webhooks/delivery';

/** See shared/webhooks/delivery.ts and orchestrators/deliverWebhooks.ts. */
df.app.activity(ACTIVITIES.attemptWebhookDelivery, {
  handler: (input: unknown, context) =>
    attemptWebhookDelivery({ ...getServices(), log: (line) => context.log(line) }, input),
});
