import { runsInAzure } from '../config';
import type { EmailSender } from '../ports/email';
import type { Notification, NotificationOutbox, NotificationStatus } from '../ports/stores';

/**
 * Writes a notification to the outbox (insert-if-absent by key) and, when an email service is
 * configured, sends it. Activities run at least once: a row already Sent, Failed or OutboxOnly
 * is never sent again by its own activity; a row still Queued means an earlier run stopped
 * mid-send, so it is sent (the idempotency key lets the email service recognise a repeat). A
 * failing service is retried with backoff and then recorded as Failed: email never fails a
 * submission, and the orchestration is held for about 1.5 s at most.
 *
 * A Failed row is not given up: once a later notification of the same offer gets through (the
 * service is back), that delivery sends the offer's Failed rows again, each claimed under its
 * ETag (Failed → Queued) so that two activities never send the same row. Until the offer's next
 * notification, a Failed row stays Failed (the outbox and GET /notifications show it).
 */
export interface Delivery {
  outbox: NotificationOutbox;
  email?: EmailSender;
  /** Delays between send attempts; the defaults give three attempts within about 1.5 s. */
  backoffMs?: number[];
  log?: (message: string) => void;
  /**
   * Told once per email, when its outbox row is first written (a retry that finds the row says
   * nothing): locally, one console line per email sent. See emailLine.
   */
  echo?: (line: string) => void;
}

/** The console line of one email: to whom and its subject. Never its text, which may carry links. */
export function emailLine(n: Pick<Notification, 'to' | 'subject' | 'offerId'>): string {
  return `Email to ${n.to}: "${n.subject}" (offer ${n.offerId})`;
}

/** Where the local host prints each email: locally only (in Azure the outbox table is the record). */
export function localEcho(
  settings: { WEBSITE_HOSTNAME?: string },
  log: ((line: string) => void) | undefined,
): ((line: string) => void) | undefined {
  return runsInAzure(settings) ? undefined : log;
}

const DEFAULT_BACKOFF_MS = [500, 1000];

export async function deliver(
  delivery: Delivery,
  notification: Omit<Notification, 'status'>,
): Promise<NotificationStatus> {
  const { outbox, email } = delivery;
  const initial: NotificationStatus = email ? 'Queued' : 'OutboxOnly';
  const added = await outbox.add({ ...notification, status: initial });
  if (added) delivery.echo?.(emailLine(notification));
  if (!added) {
    const existing = await outbox.get(notification.offerId, notification.key);
    if (!email || (existing && existing.status !== 'Queued')) return existing?.status ?? initial;
  }
  if (!email) return initial;
  return sendAndRecord(delivery, email, notification);
}

/**
 * Sends a notification whose outbox row a step change wrote (Queued, in its transaction). A retry
 * that finds the row already Sent, Failed or OutboxOnly sends nothing; a row still Queued means an
 * earlier attempt stopped mid-send, and is sent (the idempotency key lets the service recognise it).
 */
export async function sendQueued(
  delivery: Delivery,
  notification: Omit<Notification, 'status'>,
  alreadyWritten: boolean,
): Promise<NotificationStatus> {
  const { outbox, email } = delivery;
  if (!email) return 'OutboxOnly';
  if (alreadyWritten) {
    const existing = await outbox.get(notification.offerId, notification.key);
    if (!existing || existing.status !== 'Queued') return existing?.status ?? 'OutboxOnly';
  }
  return sendAndRecord(delivery, email, notification);
}

/** Sends with backoff and records the outcome on the outbox row; a success retries the offer's Failed rows. */
async function sendAndRecord(
  delivery: Delivery,
  email: EmailSender,
  notification: Omit<Notification, 'status'>,
): Promise<NotificationStatus> {
  const status = await sendWithBackoff(
    delivery,
    email,
    notification,
    delivery.backoffMs ?? DEFAULT_BACKOFF_MS,
  );
  await delivery.outbox.setStatus(notification.offerId, notification.key, status);
  if (status === 'Sent') await resendFailed(delivery, email, notification.offerId);
  return status;
}

/** The service just took a message: the offer's earlier Failed rows get one more attempt each. */
async function resendFailed(delivery: Delivery, email: EmailSender, offerId: string): Promise<void> {
  try {
    const failed = (await delivery.outbox.list(offerId)).filter((n) => n.status === 'Failed');
    for (const n of failed) {
      if (!(await delivery.outbox.changeStatus(offerId, n.key, 'Failed', 'Queued'))) continue;
      const status = await sendWithBackoff(delivery, email, n, []);
      await delivery.outbox.setStatus(offerId, n.key, status);
    }
  } catch (error) {
    // Best effort: this delivery's own email is sent; the rest waits for the next one.
    delivery.log?.(`resending failed emails of ${offerId}: ${String(error).slice(0, 300)}`);
  }
}

async function sendWithBackoff(
  delivery: Delivery,
  email: EmailSender,
  n: Omit<Notification, 'status'>,
  delays: number[],
): Promise<NotificationStatus> {
  for (let attempt = 0; ; attempt++) {
    try {
      await email.send({
        to: n.to,
        subject: n.subject,
        text: n.text,
        ...(n.html ? { html: n.html } : {}),
        // Outbox keys are unique per offer; the email service needs one unique across offers.
        idempotencyKey: `${n.offerId}|${n.key}`,
      });
      return 'Sent';
    } catch (error) {
      // The message only: SDK errors can carry request URLs, never the connection string itself.
      const reason = error instanceof Error ? error.message : String(error);
      delivery.log?.(`email ${n.key} attempt ${attempt + 1} failed: ${reason.slice(0, 300)}`);
      const delay = delays[attempt];
      if (delay === undefined) return 'Failed';
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
