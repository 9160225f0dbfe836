import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { ORCHESTRATORS } from '../shared/contracts/names';
import { attempts } from './deliverWebhooks';

/**
 * A delivery outside the order of an offer's events: a ping, or a redelivery asked for by hand
 * (instance id `webhook-once-{deliveryId}`). Same attempts and backoff as the ordered deliveries.
 */
export const deliverWebhookOnce = function* (
  context: OrchestrationContext,
): Generator<df.Task, void, unknown> {
  const input = context.df.getInput() as { webhookId: string; owner: string; deliveryId: string };
  // After a day of storage outage, a new generation tries again (the history stays bounded).
  if ((yield* attempts(context, { ...input, event: null })) === 'outage') context.df.continueAsNew(input);
};

df.app.orchestration(ORCHESTRATORS.deliverWebhookOnce, deliverWebhookOnce);
