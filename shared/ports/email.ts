export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Stable id of this message, unique across offers, so a retried send can be recognised by the service. */
  idempotencyKey: string;
}

/** Sends email through an external service (Azure Communication Services in Azure). */
export interface EmailSender {
  send(message: EmailMessage): Promise<void>;
}
