import * as df from 'durable-functions';
import { ACTIVITIES } from '../shared/contracts/names';
import { getServices } from '../shared/services';
import { nextWebhookEvent } from '../shared/webhooks/delivery';

/** See shared/webhooks/delivery.ts and orchestrators/deliverWebhooks.ts. */
df.app.activity(ACTIVITIES.nextWebhookEvent, {
  handler: (input: unknown, context) =>
    nextWebhookEvent({ ...getServices(), log: (line) => context.log(line) }, input),
});
