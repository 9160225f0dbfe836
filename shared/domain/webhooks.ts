import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { OfferEvent, OfferEventInput, WebhookEventType } from '../ports/offerEvents';
import { WEBHOOK_EVENT_TYPES } from '../ports/offerEvents';
import { portalLink } from './notifications';
import { FIELD_LIMITS } from './offer';
import type { ReviewDecision } from './status';

/**
 * Webhook endpoints and their deliveries (api.md "Webhooks"): what is stored, what a read shows,
 * and the rules of delivery (backoff, disabling). No SDK here.
 */

/** The owner key of Admin's endpoints (a publisher's is its publisher id). */
export const ADMIN_OWNER = '*admin';
export const MASK = '***';
/** After a first failed attempt: the waits before attempts 2..8 (api.md). */
export const RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
export const ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** An endpoint whose deliveries all failed for this long is disabled and its owner mailed. */
export const FAILING_LIMIT_MS = 24 * 3600 * 1000;
/** A rotated-out secret keeps signing beside the new one for this long. */
export const OLD_SECRET_MS = 24 * 3600 * 1000;
/** The delivery log keeps this much. */
export const DELIVERY_RETENTION_MS = 30 * 24 * 3600 * 1000;
/** The first characters of a response kept per attempt (api.md: the first 1 KiB). */
export const RESPONSE_BYTES = 1024;
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Endpoints one owner may register: kick reads them all on every event. */
export const MAX_ENDPOINTS_PER_OWNER = 50;

export interface WebhookSecret {
  secret: string;
  /** null: the current secret; otherwise the moment a rotated-out secret stops signing. */
  expiresAt: string | null;
}

export interface WebhookEndpoint {
  webhookId: string;
  /** The publisher id, or ADMIN_OWNER. */
  owner: string;
  /** Who registered it (the principal's name): mailed when the endpoint is disabled. */
  ownerName: string;
  url: string;
  events: string[];
  offerIds: string[] | null;
  description: string | null;
  enabled: boolean;
  secrets: WebhookSecret[];
  createdAt: string;
  updatedAt: string;
  /** Since when every delivery failed (null after a success). */
  failingSince: string | null;
  disabledReason: string | null;
}

/** A read: secrets masked. */
export function webhookView(endpoint: WebhookEndpoint) {
  return {
    webhookId: endpoint.webhookId,
    url: endpoint.url,
    events: endpoint.events,
    offerIds: endpoint.offerIds,
    description: endpoint.description,
    enabled: endpoint.enabled,
    secret: MASK,
    createdAt: endpoint.createdAt,
    disabledReason: endpoint.disabledReason,
  };
}

/** `whsec_` + base64 of 24 random bytes: the Standard Webhooks form of a secret. */
export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function newWebhookId(): string {
  return `wh_${randomBytes(10).toString('hex')}`;
}

/** The secrets that sign at `now`: the current one and a rotated-out one within its 24 hours. */
export function signingSecrets(endpoint: Pick<WebhookEndpoint, 'secrets'>, now: Date): string[] {
  return endpoint.secrets
    .filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime())
    .map((s) => s.secret);
}

/** Secrets an endpoint keeps at most: the current one and old ones still within their 24 hours. */
const MAX_SECRETS = 5;

/**
 * A new current secret; the one it replaces signs beside it for 24 hours, and so do earlier old
 * ones until their own 24 hours end (a second rotation within the day keeps the first old secret).
 */
export function rotated(endpoint: WebhookEndpoint, secret: string, now: Date): WebhookSecret[] {
  const until = new Date(now.getTime() + OLD_SECRET_MS).toISOString();
  const current = endpoint.secrets.find((s) => s.expiresAt === null);
  const stillSigning = endpoint.secrets.filter(
    (s) => s.expiresAt !== null && Date.parse(s.expiresAt) > now.getTime(),
  );
  return [
    { secret, expiresAt: null },
    ...(current ? [{ secret: current.secret, expiresAt: until }] : []),
    ...stillSigning,
  ].slice(0, MAX_SECRETS);
}

export function subscribes(endpoint: Pick<WebhookEndpoint, 'events'>, type: string): boolean {
  return endpoint.events.includes('*') || endpoint.events.includes(type);
}

/** Whether an endpoint takes any offer's events (one subscribed to pings alone does not). */
export function takesOfferEvents(endpoint: Pick<WebhookEndpoint, 'events'>): boolean {
  return endpoint.events.some((e) => e !== 'webhook.ping');
}

/** Whether an endpoint of this owner covers this offer (a publisher's: its own offers only). */
export function covers(
  endpoint: Pick<WebhookEndpoint, 'owner' | 'offerIds'>,
  offerId: string,
  offerPublisherId: string,
): boolean {
  if (endpoint.owner !== ADMIN_OWNER && endpoint.owner !== offerPublisherId) return false;
  return endpoint.offerIds === null || endpoint.offerIds.includes(offerId);
}

/** Whether an event is one this endpoint takes: subscribed, and not older than the endpoint. */
export function wants(endpoint: WebhookEndpoint, event: Pick<OfferEvent, 'type' | 'at'>): boolean {
  return subscribes(endpoint, event.type) && event.at >= endpoint.createdAt;
}

/** The durable instance delivering one endpoint's events of one offer, in order. */
export const deliveryInstanceId = (webhookId: string, offerId: string) => `webhook-${webhookId}-${offerId}`;

// Delivery log ----------------------------------------------------------------------------------

export type DeliveryState = 'Pending' | 'Succeeded' | 'Failed';

export interface DeliveryAttempt {
  at: string;
  statusCode: number | null;
  error?: string;
  durationMs: number;
  /** The first RESPONSE_BYTES of the answer's body. */
  response?: string;
}

export interface Delivery {
  deliveryId: string;
  webhookId: string;
  eventId: string;
  type: WebhookEventType;
  offerId: string | null;
  /** The offer event delivered (null for a ping). */
  seq: number | null;
  state: DeliveryState;
  attempts: DeliveryAttempt[];
  nextAttemptAt: string | null;
  createdAt: string;
  /** A ping's CloudEvent body (an offer event's is rebuilt from the offer's log). */
  body?: string;
}

const MAX_MS = 9_999_999_999_999;
/** Newest first: the row key starts with the time counted down, then something unique. */
export function deliveryIdFor(at: Date, unique: string): string {
  return `${String(MAX_MS - at.getTime()).padStart(13, '0')}-${unique}`;
}
export const deliveryIdSchema = z
  .string()
  .max(94)
  .regex(/^\d{13}-[a-z0-9-]{1,80}$/);

export type AttemptOutcome =
  | { kind: 'succeeded' }
  | { kind: 'gone' }
  | { kind: 'failed'; error?: string; statusCode: number | null };

/** What a failed attempt means for the endpoint: its failing-since time, and whether a day has passed. */
export function afterFailure(
  endpoint: Pick<WebhookEndpoint, 'failingSince'>,
  now: Date,
): { failingSince: string; disable: boolean } {
  const failingSince = endpoint.failingSince ?? now.toISOString();
  return { failingSince, disable: now.getTime() - Date.parse(failingSince) >= FAILING_LIMIT_MS };
}

/**
 * When a failed delivery is tried again: after its backoff, but never past the moment its endpoint
 * will have failed for a day, so that an endpoint failing all day is disabled when the day is up
 * (api.md), not at the next backoff step hours later.
 */
export function nextAttemptAfter(at: Date, delayMs: number, failingSince: string): Date {
  return new Date(Math.min(at.getTime() + delayMs, Date.parse(failingSince) + FAILING_LIMIT_MS));
}

/** The `offer.review.decided` event of a decision: written once, by the write that first shows it. */
export function reviewDecidedEvent(submissionId: string, decision: ReviewDecision): OfferEventInput {
  return {
    type: 'offer.review.decided',
    submissionId,
    at: decision.decidedAt,
    data: {
      area: decision.area,
      outcome: decision.outcome,
      comments: decision.comments ?? null,
      by: decision.reviewer,
      ...(decision.publishDate ? { publishDate: decision.publishDate } : {}),
    },
  };
}

// Payload ---------------------------------------------------------------------------------------

export interface CloudEventBody {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time: string;
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
}

export function statusUrl(publicBaseUrl: string, offerId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/api/offers/${encodeURIComponent(offerId)}/status`;
}

/** The CloudEvents 1.0 attributes and data of an offer event (api.md: source, subject, data links). */
export function cloudEventOf(event: OfferEvent, publicBaseUrl: string): CloudEventBody {
  return {
    specversion: '1.0',
    id: event.eventId,
    source: `/offers/${event.offerId}`,
    type: event.type,
    ...(event.submissionId ? { subject: event.submissionId } : {}),
    time: event.at,
    datacontenttype: 'application/json',
    data: {
      ...event.data,
      offerId: event.offerId,
      submissionId: event.submissionId,
      statusUrl: statusUrl(publicBaseUrl, event.offerId),
      portalUrl: portalLink(publicBaseUrl, event.offerId),
    },
  };
}

export function pingEvent(webhookId: string, eventId: string, at: Date): CloudEventBody {
  return {
    specversion: '1.0',
    id: eventId,
    source: `/webhooks/${webhookId}`,
    type: 'webhook.ping',
    time: at.toISOString(),
    datacontenttype: 'application/json',
    data: { webhookId },
  };
}

// Requests --------------------------------------------------------------------------------------

const offerIdSchema = z
  .string()
  .max(50)
  .regex(/^[a-z0-9][a-z0-9-]{2,49}$/, 'an offer id');
const eventsSchema = z
  .array(z.enum(['*', ...WEBHOOK_EVENT_TYPES]))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length + 1);
const urlSchema = z.url().max(2048);

export const createWebhookSchema = z.strictObject({
  url: urlSchema,
  events: eventsSchema,
  offerIds: z.array(offerIdSchema).min(1).max(100).nullable().optional(),
  description: z.string().max(FIELD_LIMITS.text).nullable().optional(),
});
export type CreateWebhookRequest = z.infer<typeof createWebhookSchema>;

export const updateWebhookSchema = z.strictObject({
  url: urlSchema.optional(),
  events: eventsSchema.optional(),
  offerIds: z.array(offerIdSchema).min(1).max(100).nullable().optional(),
  description: z.string().max(FIELD_LIMITS.text).nullable().optional(),
  enabled: z.boolean().optional(),
});
export type UpdateWebhookRequest = z.infer<typeof updateWebhookSchema>;

export const webhookIdSchema = z
  .string()
  .max(23)
  .regex(/^wh_[a-f0-9]{20}$/);
