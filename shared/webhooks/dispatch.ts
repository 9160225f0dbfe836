import type { OfferStore } from '../ports/stores';
import type { OfferEvent, OfferEventInput, OfferEventLog, WebhookDispatch } from '../ports/offerEvents';
import {
  ADMIN_OWNER,
  covers,
  deliveryInstanceId,
  takesOfferEvents,
  type WebhookEndpoint,
} from '../domain/webhooks';
import { ORCHESTRATORS } from '../contracts/names';
import { orchestrationAlive, type OrchestrationClient } from '../http/orchestrations';
import type { WebhookCursors } from '../adapters/tables/webhookCursors';
import type { EndpointDirectory } from './directory';
import type { WebhookStore } from './ports';
import { noteStop } from './stops';

/**
 * kick(offerId): every enabled endpoint that covers the offer gets a running delivery instance
 * for it (one per endpoint and offer: order per offer, and a dead endpoint holds up only itself);
 * a disabled one gets its stop noted, which `resume` starts again when it is enabled.
 *
 * Why no event is left behind: an instance ends only through park (webhookCursors.ts), which
 * succeeds only if no event was appended since it last read the offer's events, and marks the
 * cursor parked. So after an append commits, either a live unparked instance will still read it,
 * or kick sees the instance parked or gone and starts a new one, waiting out a parked instance's
 * last moments (starting an id that is still running is refused).
 */
export interface DispatchDeps {
  offers: Pick<OfferStore, 'get'>;
  /** The endpoints per owner, remembered by the process (directory.ts). */
  endpoints: EndpointDirectory;
  cursors: Pick<WebhookCursors, 'read'>;
  stops: Pick<WebhookStore, 'stopped' | 'clearStopped' | 'markStopped' | 'get'>;
}

export interface DeliveryInput {
  webhookId: string;
  owner: string;
  offerId: string;
  /** Started by kick (the cursor may still say parked from the instance before). */
  fresh: boolean;
}

const PARKED_WAIT_MS = 200;
const PARKED_TRIES = 100;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function endpointsFor(
  deps: Pick<DispatchDeps, 'offers' | 'endpoints'>,
  offerId: string,
  knownPublisherId?: string,
): Promise<WebhookEndpoint[]> {
  const publisherId = knownPublisherId ?? (await deps.offers.get(offerId))?.publisherId;
  if (!publisherId) return [];
  const endpoints = await deps.endpoints.endpointsOf([publisherId, ADMIN_OWNER]);
  return endpoints.filter((e) => takesOfferEvents(e) && covers(e, offerId, publisherId));
}

async function ensureDelivering(
  deps: DispatchDeps,
  client: OrchestrationClient,
  endpoint: Pick<WebhookEndpoint, 'webhookId' | 'owner'>,
  offerId: string,
): Promise<void> {
  const instanceId = deliveryInstanceId(endpoint.webhookId, offerId);
  const input: DeliveryInput = { webhookId: endpoint.webhookId, owner: endpoint.owner, offerId, fresh: true };
  let lastError: unknown;
  for (let attempt = 0; attempt < PARKED_TRIES; attempt++) {
    // The cursor first: a cursor read unparked while the instance is alive means it will read again.
    const cursor = await deps.cursors.read(offerId, endpoint.webhookId);
    if (!(await orchestrationAlive(client, instanceId))) {
      try {
        await client.startNew(ORCHESTRATORS.deliverWebhooks, { instanceId, input });
        return;
      } catch (error) {
        // Another kick started it first (refused while Pending or Running): look again.
        lastError = error;
      }
    } else if (!cursor.parked) return;
    await pause(PARKED_WAIT_MS);
  }
  throw new Error(
    `The webhook delivery of ${endpoint.webhookId} for offer ${offerId} could not be started: ${String(lastError ?? 'it stayed parked')}`,
  );
}

/** A disabled endpoint: its stop noted; delivered now only if it was enabled meanwhile (stops.ts). */
async function resumeIfEnabled(
  deps: DispatchDeps,
  client: OrchestrationClient,
  endpoint: WebhookEndpoint,
  offerId: string,
): Promise<void> {
  const enabled = await noteStop(deps.stops, endpoint, offerId);
  if (enabled) await ensureDelivering(deps, client, enabled, offerId);
}

export function createWebhookDispatch(deps: DispatchDeps, client: OrchestrationClient): WebhookDispatch {
  return {
    async kick(offerId, publisherId) {
      const endpoints = await endpointsFor(deps, offerId, publisherId);
      await Promise.all(
        endpoints.map((e) =>
          e.enabled ? ensureDelivering(deps, client, e, offerId) : resumeIfEnabled(deps, client, e, offerId),
        ),
      );
    },
    async resume(endpoint) {
      if (!endpoint.enabled) return;
      // One offer at a time: their count is what this endpoint missed, and each start may wait
      // out a parked instance. A stop is cleared only once its delivery runs again.
      for (const offerId of await deps.stops.stopped(endpoint.webhookId)) {
        await ensureDelivering(deps, client, endpoint, offerId);
        await deps.stops.clearStopped(endpoint.webhookId, offerId);
      }
    },
  };
}

/**
 * Events outside a step change (a question asked or answered, a review decision): appended to the
 * offer's log, then the deliveries kicked. A route calls it after its own write; when kick throws,
 * the route fails and the client's retry appends again: an event may then be delivered twice with
 * different ids, never lost.
 */
export async function recordOfferEvent(
  deps: { offerEvents: OfferEventLog; dispatch: WebhookDispatch },
  offerId: string,
  input: OfferEventInput,
): Promise<OfferEvent> {
  const [event] = await deps.offerEvents.append(offerId, [input]);
  await deps.dispatch.kick(offerId);
  return event!;
}
