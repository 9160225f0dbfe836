import type { WebhookEndpoint } from '../domain/webhooks';
import type { WebhookStore } from './ports';

/**
 * Notes that this offer's delivery to a disabled endpoint stops, so that enabling it again resumes
 * it (dispatch.ts `resume`), then looks at the endpoint again: enabled meanwhile (its resume may
 * have listed the stops before this one was written), it is returned and the delivery goes on now.
 * The one place both a delivery that meets the disabled endpoint and a kick for it go through.
 */
export async function noteStop(
  store: Pick<WebhookStore, 'markStopped' | 'get'>,
  endpoint: Pick<WebhookEndpoint, 'owner' | 'webhookId'>,
  offerId: string,
): Promise<WebhookEndpoint | undefined> {
  await store.markStopped(endpoint.webhookId, offerId);
  const now = await store.get(endpoint.owner, endpoint.webhookId);
  return now?.enabled ? now : undefined;
}
