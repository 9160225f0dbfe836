import * as df from 'durable-functions';
import { ACTIVITIES } from '../shared/contracts/names';
import { getServices } from '../shared/services';
import { parkWebhookDelivery } from '../shared/webhooks/delivery';

/** See shared/webhooks/delivery.ts and orchestrators/deliverWebhooks.ts. */
df.app.activity(ACTIVITIES.parkWebhookDelivery, {
  handler: (input: unknown, context) =>
    parkWebhookDelivery({ ...getServices(), log: (line) => context.log(line) }, input),
});
