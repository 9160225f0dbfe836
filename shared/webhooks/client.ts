import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import type { WebhookDispatch } from '../ports/offerEvents';
import type { Services } from '../services';

/**
 * The dispatch of a function or activity registered with `extraInputs: [df.input.durableClient()]`
 * (the durable client input; the local host supplies it to activities too).
 */
export function dispatchOf(
  services: Pick<Services, 'webhookDispatch'>,
  context: InvocationContext,
): WebhookDispatch {
  return services.webhookDispatch(df.getClient(context));
}
