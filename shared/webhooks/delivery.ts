import { z } from 'zod';
import { deliver, localEcho } from '../notify/delivery';
import type { OfferEventLog } from '../ports/offerEvents';
import type { NotificationOutbox, OfferStore } from '../ports/stores';
import type { EmailSender } from '../ports/email';
import type { Settings } from '../config';
import {
  ATTEMPTS,
  RETRY_DELAYS_MS,
  afterFailure,
  nextAttemptAfter,
  cloudEventOf,
  covers,
  signingSecrets,
  wants,
  type CloudEventBody,
  type Delivery,
  type DeliveryAttempt,
  type WebhookEndpoint,
} from '../domain/webhooks';
import { outboundPolicyOf } from '../adapters/outbound';
import { sendWebhook, signedMessage } from '../adapters/webhookSender';
import type { EventsSeen, WebhookCursors } from '../adapters/tables/webhookCursors';
import type { DeliveryLog, WebhookStore } from './ports';
import { noteStop } from './stops';

/** What the delivery activities need (a part of Services). */
export interface DeliveryDeps {
  settings: Settings;
  offers: Pick<OfferStore, 'get'>;
  offerEvents: OfferEventLog;
  webhooks: WebhookStore;
  webhookDeliveries: DeliveryLog;
  webhookCursors: WebhookCursors;
  outbox: NotificationOutbox;
  email?: EmailSender;
  /** Real time: the signature's timestamp, which receivers check against their own clock. */
  wallClock?: () => Date;
  log?: (line: string) => void;
}

const PAGE = 50;

// nextWebhookEvent ------------------------------------------------------------------------------

export const nextInputSchema = z.object({
  webhookId: z.string(),
  owner: z.string(),
  offerId: z.string(),
  fresh: z.boolean(),
});

export type NextEvent =
  | { kind: 'stop' }
  | { kind: 'idle'; upTo: number; seen: EventsSeen }
  | { kind: 'event'; seq: number; eventId: string; type: string };

/**
 * The endpoint, while it takes this offer's events. A ping or a by-hand redelivery (no offer) is
 * asked for explicitly, so it goes to a disabled endpoint too: that is how its owner tests it.
 */
async function liveEndpoint(
  deps: DeliveryDeps,
  owner: string,
  webhookId: string,
  offerId: string | null,
): Promise<WebhookEndpoint | undefined> {
  const endpoint = await deps.webhooks.get(owner, webhookId);
  if (!endpoint) return undefined;
  if (offerId === null) return endpoint;
  if (!endpoint.enabled && !(await noteStop(deps.webhooks, endpoint, offerId))) return undefined;
  const offer = await deps.offers.get(offerId);
  return offer && covers(endpoint, offerId, offer.publisherId) ? endpoint : undefined;
}

/** The next event this endpoint takes from the offer's log, or idle (with what park needs). */
export async function nextWebhookEvent(deps: DeliveryDeps, raw: unknown): Promise<NextEvent> {
  const input = nextInputSchema.parse(raw);
  const endpoint = await liveEndpoint(deps, input.owner, input.webhookId, input.offerId);
  if (!endpoint) return { kind: 'stop' };
  const cursors = deps.webhookCursors;
  if (input.fresh) await cursors.advance(input.offerId, input.webhookId, 0);
  for (;;) {
    // The status row before the events: an append after this read changes its ETag, and park fails.
    const seen = await cursors.seen(input.offerId);
    const { delivered } = await cursors.read(input.offerId, input.webhookId);
    const events = await deps.offerEvents.after(input.offerId, delivered, PAGE);
    const wanted = events.find((e) => wants(endpoint, e));
    if (wanted) return { kind: 'event', seq: wanted.seq, eventId: wanted.eventId, type: wanted.type };
    const upTo = events.at(-1)?.seq ?? delivered;
    if (events.length < PAGE) return { kind: 'idle', upTo, seen };
    await cursors.advance(input.offerId, input.webhookId, upTo);
  }
}

// parkWebhookDelivery ---------------------------------------------------------------------------

export const parkInputSchema = z.object({
  webhookId: z.string(),
  offerId: z.string(),
  upTo: z.number().int().min(0),
  seen: z.object({ eventSeq: z.number().int().min(0), etag: z.string().nullable() }),
});

export async function parkWebhookDelivery(deps: DeliveryDeps, raw: unknown): Promise<boolean> {
  const input = parkInputSchema.parse(raw);
  return deps.webhookCursors.park(input.offerId, input.webhookId, input.upTo, input.seen);
}

// attemptWebhookDelivery ------------------------------------------------------------------------

export const attemptInputSchema = z.object({
  webhookId: z.string(),
  owner: z.string(),
  deliveryId: z.string(),
  /** Set for the ordered deliveries (the event to deliver); a ping or redelivery reads its row. */
  event: z
    .object({ offerId: z.string(), seq: z.number().int().min(1), eventId: z.string(), type: z.string() })
    .nullable(),
  attempt: z.number().int().min(0),
  /** The orchestration's time of this attempt (the log's `at`; the same on a repeat of the activity). */
  at: z.string(),
});
export type AttemptInput = z.infer<typeof attemptInputSchema>;

export type AttemptResult =
  | { kind: 'succeeded' }
  | { kind: 'retry'; nextAttemptAt: string }
  | { kind: 'failed' }
  | { kind: 'stop' };

async function openDelivery(deps: DeliveryDeps, input: AttemptInput): Promise<Delivery | undefined> {
  if (!input.event) return deps.webhookDeliveries.get(input.webhookId, input.deliveryId);
  return deps.webhookDeliveries.open({
    deliveryId: input.deliveryId,
    webhookId: input.webhookId,
    eventId: input.event.eventId,
    type: input.event.type as Delivery['type'],
    offerId: input.event.offerId,
    seq: input.event.seq,
    state: 'Pending',
    attempts: [],
    nextAttemptAt: input.at,
    createdAt: input.at,
  });
}

async function eventBody(deps: DeliveryDeps, delivery: Delivery): Promise<CloudEventBody | undefined> {
  if (delivery.body) return JSON.parse(delivery.body) as CloudEventBody;
  if (!delivery.offerId || !delivery.seq) return undefined;
  const [event] = await deps.offerEvents.after(delivery.offerId, delivery.seq - 1, 1);
  return event && event.seq === delivery.seq ? cloudEventOf(event, deps.settings.PUBLIC_BASE_URL) : undefined;
}

/** One attempt of one delivery: send, record it, and say what the orchestration does next. */
export async function attemptWebhookDelivery(deps: DeliveryDeps, raw: unknown): Promise<AttemptResult> {
  const input = attemptInputSchema.parse(raw);
  const offerId = input.event?.offerId ?? null;
  const endpoint = await liveEndpoint(deps, input.owner, input.webhookId, offerId);
  if (!endpoint) return { kind: 'stop' };
  const delivery = await openDelivery(deps, input);
  if (!delivery) return { kind: 'stop' };
  // A repeat of an activity that recorded its outcome and then was lost: the same answer again.
  if (delivery.state !== 'Pending') {
    if (input.event) await deps.webhookCursors.advance(input.event.offerId, input.webhookId, input.event.seq);
    return { kind: delivery.state === 'Succeeded' ? 'succeeded' : 'failed' };
  }
  const body = await eventBody(deps, delivery);
  if (!body) return { kind: 'stop' };
  if (input.attempt === 0) await deps.webhookDeliveries.purge(input.webhookId, new Date(input.at));

  const wall = (deps.wallClock ?? (() => new Date()))();
  // The old secret's 24 hours run on the workflow's clock (the rotation's); the timestamp a
  // receiver checks against its own clock is real time.
  const message = signedMessage(body, signingSecrets(endpoint, new Date(input.at)), wall);
  const sent = await sendWebhook(endpoint.url, message, outboundPolicyOf(deps.settings));
  const attempt: DeliveryAttempt = {
    at: input.at,
    statusCode: sent.statusCode,
    ...(sent.error ? { error: sent.error } : {}),
    durationMs: sent.durationMs,
    ...(sent.response !== undefined ? { response: sent.response } : {}),
  };
  const at = new Date(input.at);
  const record = (state: Delivery['state'], next: string | null) =>
    deps.webhookDeliveries.record(input.webhookId, input.deliveryId, attempt, state, next);
  const status = sent.statusCode ?? 0;

  if (status >= 200 && status < 300) {
    await record('Succeeded', null);
    if (input.event) await deps.webhookCursors.advance(input.event.offerId, input.webhookId, input.event.seq);
    if (endpoint.failingSince)
      await deps.webhooks.update(endpoint.owner, endpoint.webhookId, (e) => ({ ...e, failingSince: null }));
    return { kind: 'succeeded' };
  }
  if (!endpoint.enabled) {
    // A ping or redelivery of a disabled endpoint: one attempt, to show its owner how it answers.
    await record('Failed', null);
    return { kind: 'failed' };
  }
  if (status === 410) {
    await record('Failed', null);
    await disable(deps, endpoint, 'The endpoint answered 410 Gone.', at, false);
    return stopped(deps, endpoint, input);
  }
  const failing = afterFailure(endpoint, at);
  if (failing.disable) {
    await record('Failed', null);
    await disable(deps, endpoint, 'Every delivery failed for 24 hours.', at, true);
    return stopped(deps, endpoint, input);
  }
  if (!endpoint.failingSince)
    await deps.webhooks.update(endpoint.owner, endpoint.webhookId, (e) => ({
      ...e,
      failingSince: e.failingSince ?? failing.failingSince,
    }));
  const delay = RETRY_DELAYS_MS[input.attempt];
  if (input.attempt + 1 >= ATTEMPTS || delay === undefined) {
    await record('Failed', null);
    // Given up: the order goes on with the next event (this one can be redelivered by hand).
    if (input.event) await deps.webhookCursors.advance(input.event.offerId, input.webhookId, input.event.seq);
    return { kind: 'failed' };
  }
  const nextAttemptAt = nextAttemptAfter(at, delay, failing.failingSince).toISOString();
  await record('Pending', nextAttemptAt);
  return { kind: 'retry', nextAttemptAt };
}

/**
 * After disabling the endpoint: the delivery stops where it is (this event not delivered, its
 * cursor unmoved). Enabled again meanwhile: 'failed' ends this delivery only, and the instance
 * takes the same event again as a new delivery.
 */
async function stopped(
  deps: DeliveryDeps,
  endpoint: WebhookEndpoint,
  input: AttemptInput,
): Promise<AttemptResult> {
  if (!input.event) return { kind: 'stop' };
  return (await noteStop(deps.webhooks, endpoint, input.event.offerId))
    ? { kind: 'failed' }
    : { kind: 'stop' };
}

async function disable(
  deps: DeliveryDeps,
  endpoint: WebhookEndpoint,
  reason: string,
  at: Date,
  mail: boolean,
): Promise<void> {
  await deps.webhooks.update(endpoint.owner, endpoint.webhookId, (e) => ({
    ...e,
    enabled: false,
    disabledReason: reason,
    updatedAt: at.toISOString(),
  }));
  if (!mail || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(endpoint.ownerName)) return;
  // The endpoint's own partition, never an offer's: the offer's notifications belong to its
  // publisher, and an Admin endpoint's trouble is not theirs to read ('~' is in no offer id).
  const partition = `~webhook~${endpoint.webhookId}`;
  await deliver(
    {
      outbox: deps.outbox,
      email: deps.email,
      log: deps.log,
      echo: localEcho(deps.settings, deps.log),
    },
    {
      offerId: partition,
      submissionId: '',
      key: `webhook|${endpoint.webhookId}|disabled|${endpoint.failingSince ?? at.toISOString()}`,
      to: endpoint.ownerName,
      subject: 'Your webhook endpoint was disabled',
      text:
        `Every delivery to your webhook endpoint ${endpoint.url} (${endpoint.webhookId}) failed for 24 hours, ` +
        'so it was disabled. Fix the endpoint, then enable it again (PATCH /api/webhooks/{webhookId} ' +
        '{"enabled": true}) or in the portal\'s Webhooks page; deliveries resume where they stopped.',
      step: null,
      transition: 'webhook-disabled',
      sentAt: at.toISOString(),
    },
  );
}
