import { createHash } from 'node:crypto';
import { EmailClient } from '@azure/communication-email';
import { ManagedIdentityCredential } from '@azure/identity';
import type { EmailMessage, EmailSender } from '../ports/email';
import type { Settings } from '../config';

type EmailSettings = Pick<
  Settings,
  'ACS_EMAIL_ENDPOINT' | 'ACS_EMAIL_CONNECTION_STRING' | 'ACS_EMAIL_SENDER' | 'AZURE_CLIENT_ID'
>;

/**
 * Azure Communication Services Email, when configured; otherwise undefined and the outbox
 * table is the only delivery (the local default).
 */
export function createEmailSender(settings: EmailSettings): EmailSender | undefined {
  const insecure = (url: string) => url.startsWith('http://');
  let client: EmailClient | undefined;
  if (settings.ACS_EMAIL_CONNECTION_STRING) {
    const endpoint = /endpoint=([^;]+)/i.exec(settings.ACS_EMAIL_CONNECTION_STRING)?.[1] ?? '';
    client = new EmailClient(settings.ACS_EMAIL_CONNECTION_STRING, {
      allowInsecureConnection: insecure(endpoint),
    });
  } else if (settings.ACS_EMAIL_ENDPOINT) {
    const credential = new ManagedIdentityCredential({ clientId: settings.AZURE_CLIENT_ID });
    client = new EmailClient(settings.ACS_EMAIL_ENDPOINT, credential, {
      allowInsecureConnection: insecure(settings.ACS_EMAIL_ENDPOINT),
    });
  }
  if (!client) return undefined;
  const acs = client;
  return {
    async send(message: EmailMessage) {
      const poller = await acs.beginSend(
        {
          senderAddress: settings.ACS_EMAIL_SENDER,
          recipients: { to: [{ address: message.to }] },
          content: { subject: message.subject, plainText: message.text, html: message.html },
          headers: { 'x-offer-publishing-key': message.idempotencyKey },
        },
        // ACS keys a send by its Operation-Id: the same id for the same notification means a
        // retry after a lost answer does not send the email twice.
        { updateIntervalInMs: 250, operationId: operationIdFor(message.idempotencyKey) },
      );
      const result = await poller.pollUntilDone();
      if (result.status !== 'Succeeded') {
        throw new Error(`email service answered ${result.status}: ${result.error?.message ?? 'no detail'}`);
      }
    },
  };
}

/** A stable UUID-shaped id per notification key. */
export function operationIdFor(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
