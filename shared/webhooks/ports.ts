import type { Delivery, DeliveryAttempt, DeliveryState, WebhookEndpoint } from '../domain/webhooks';

/** Webhook endpoints, by owner (a publisher id or ADMIN_OWNER). */
export interface WebhookStore {
  create(endpoint: WebhookEndpoint): Promise<void>;
  get(owner: string, webhookId: string): Promise<WebhookEndpoint | undefined>;
  /** Any owner's endpoint (Admin's reads): a query on the row key over the small table. */
  find(webhookId: string): Promise<WebhookEndpoint | undefined>;
  list(owner: string): Promise<WebhookEndpoint[]>;
  listAll(): Promise<WebhookEndpoint[]>;
  /** Changes an endpoint under its ETag (read again on a conflict); undefined when it is gone. */
  update(
    owner: string,
    webhookId: string,
    change: (endpoint: WebhookEndpoint) => WebhookEndpoint,
  ): Promise<WebhookEndpoint | undefined>;
  remove(owner: string, webhookId: string): Promise<boolean>;
  /**
   * The registry's version: it changes after every create, update and remove has been stored
   * (directory.ts remembers lists under it). One point read.
   */
  version(): Promise<string>;
  /**
   * The offers whose delivery to this endpoint stopped because it was disabled: enabling it again
   * resumes exactly those (docs/webhooks.md). Not endpoint writes: the registry does not change.
   */
  markStopped(webhookId: string, offerId: string): Promise<void>;
  stopped(webhookId: string): Promise<string[]>;
  clearStopped(webhookId: string, offerId: string): Promise<void>;
}

/** The delivery log: a partition per endpoint, newest first, rows older than 30 days hidden and purged. */
export interface DeliveryLog {
  /** Creates the delivery if absent (an activity's repeat finds it); returns it as stored. */
  open(delivery: Delivery): Promise<Delivery>;
  get(webhookId: string, deliveryId: string): Promise<Delivery | undefined>;
  record(
    webhookId: string,
    deliveryId: string,
    attempt: DeliveryAttempt,
    state: DeliveryState,
    nextAttemptAt: string | null,
  ): Promise<void>;
  page(
    webhookId: string,
    top: number,
    after: string | undefined,
    now: Date,
  ): Promise<{ deliveries: Delivery[]; last: string | undefined }>;
  purge(webhookId: string, now: Date): Promise<void>;
}

/** An endpoint's place in one offer's events (OfferTimeline row `cursor|{webhookId}`). */
export interface DeliveryCursor {
  /** The last seq delivered or passed over. */
  delivered: number;
  /** Set when the delivery instance found nothing more and is ending. */
  parked: boolean;
}
