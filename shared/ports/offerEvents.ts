/**
 * The offer's event log: what webhooks deliver (api.md "Webhooks"). Events live in the offer's
 * partition of the OfferTimeline table, numbered by a sequence kept on its `status` row, so a
 * step change writes its events in the same entity-group transaction as the status, the history
 * and the email (design.md "A step change is one write"). Delivery reads them in sequence order.
 */
export const OFFER_EVENT_TYPES = [
  'offer.submission.step-changed',
  'offer.submission.failed',
  'offer.submission.canceled',
  'offer.submission.live',
  'offer.review.decided',
  'offer.question.asked',
  'offer.question.answered',
] as const;
export type OfferEventType = (typeof OFFER_EVENT_TYPES)[number];
/** Every type a subscription may name (`webhook.ping` goes to one endpoint, never into a log). */
export const WEBHOOK_EVENT_TYPES = [...OFFER_EVENT_TYPES, 'webhook.ping'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface OfferEventInput {
  type: OfferEventType;
  submissionId: string | null;
  /** When it happened (the workflow clock). */
  at: string;
  /** The CloudEvent's `data` besides offerId, submissionId, statusUrl and portalUrl (added on delivery). */
  data: Record<string, unknown>;
}

export interface OfferEvent extends OfferEventInput {
  offerId: string;
  /** 1, 2, ... per offer, in the order the events happened. */
  seq: number;
  /** Stable across redeliveries: the CloudEvent `id` and the `webhook-id` header. */
  eventId: string;
}

export interface OfferEventLog {
  /**
   * Appends events outside a step change (a question, a review decision): one entity-group batch
   * with the offer's `status` row, whose `eventSeq` it raises under the row's ETag. With a `key`
   * the append happens once: the status row keeps the last keys, and a repeat appends nothing
   * (resolves with no events).
   */
  append(offerId: string, events: OfferEventInput[], key?: string): Promise<OfferEvent[]>;
  /** Events with seq > `after`, oldest first, at most `top`. */
  after(offerId: string, after: number, top: number): Promise<OfferEvent[]>;
}

/** Tells the webhook deliveries that an offer has new events (after they were committed). */
export interface WebhookDispatch {
  /**
   * Idempotent and cheap when nothing subscribes; throws when it could not tell (the caller
   * retries). `publisherId`, when the caller knows it (a status row names it), saves reading the offer.
   */
  kick(offerId: string, publisherId?: string): Promise<void>;
  /**
   * Starts again the deliveries of an enabled endpoint that stopped while it was disabled, each
   * where its cursor stands; throws when it could not (the caller retries).
   */
  resume(endpoint: { webhookId: string; owner: string; enabled: boolean }): Promise<void>;
}
