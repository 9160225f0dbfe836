import http from 'node:http';
import https from 'node:https';
import { CloudEvent, HTTP } from 'cloudevents';
import { Webhook } from 'standardwebhooks';
import type { CloudEventBody } from '../domain/webhooks';
import { DELIVERY_TIMEOUT_MS, RESPONSE_BYTES } from '../domain/webhooks';
import {
  OutboundRefusal,
  checkedAddress,
  checkedUrl,
  describeNetworkFailure,
  pinnedLookup,
  seconds,
  type CheckedAddress,
  type OutboundPolicy,
} from './outbound';

/**
 * One webhook delivery on the wire: a CloudEvents 1.0 structured-mode body (the `cloudevents`
 * package builds and validates it), Standard Webhooks headers (the `standardwebhooks` package
 * signs), and the outbound policy of the Test Drive and lead steps (outbound.ts): scheme and every
 * resolved address checked, the connection pinned to the checked address, no redirects (a 3xx is
 * an answer, and not a 2xx), 10 s for the whole exchange. Unlike those steps it keeps the first
 * 1 KiB of the answer for the delivery log. Secrets go into the signature only, never a message.
 */
export interface SentAttempt {
  statusCode: number | null;
  /** Why no answer came, in words (no network codes, no addresses). */
  error?: string;
  durationMs: number;
  response?: string;
}

export interface WebhookMessage {
  body: string;
  headers: Record<string, string>;
}

/** The body and headers of one delivery, signed with every secret that signs now (space-separated). */
export function signedMessage(event: CloudEventBody, secrets: string[], now: Date): WebhookMessage {
  const structured = HTTP.structured(new CloudEvent({ ...event }));
  const body = String(structured.body);
  const signatures = secrets.map((secret) => new Webhook(secret).sign(event.id, now, body));
  return {
    body,
    headers: {
      'content-type': 'application/cloudevents+json',
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signatures.join(' '),
    },
  };
}

/** Sends one delivery under the policy. Never throws. */
export async function sendWebhook(
  url: string,
  message: WebhookMessage,
  policy: OutboundPolicy,
  timeoutMs = DELIVERY_TIMEOUT_MS,
): Promise<SentAttempt> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  let target: URL;
  let checked: CheckedAddress;
  try {
    target = checkedUrl(url, policy);
    checked = await checkedAddress(target.hostname, policy);
  } catch (error) {
    const reason = error instanceof OutboundRefusal ? error.message : describeNetworkFailure(error);
    return { statusCode: null, error: `not called: ${reason}`, durationMs: took() };
  }
  const answer = await post(target, checked, message, timeoutMs);
  return { ...answer, durationMs: took() };
}

function post(
  target: URL,
  checked: CheckedAddress,
  message: WebhookMessage,
  timeoutMs: number,
): Promise<Omit<SentAttempt, 'durationMs'>> {
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: Omit<SentAttempt, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
      req.destroy();
    };
    const req = client.request(target, {
      method: 'POST',
      headers: { ...message.headers, 'content-length': String(Buffer.byteLength(message.body)) },
      lookup: pinnedLookup(checked),
      agent: false,
    });
    const timer = setTimeout(
      () => done({ statusCode: null, error: `did not answer within ${seconds(timeoutMs)}` }),
      timeoutMs,
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () =>
        done({
          statusCode: res.statusCode ?? null,
          response: Buffer.concat(chunks).subarray(0, RESPONSE_BYTES).toString('utf8'),
        });
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= RESPONSE_BYTES) finish();
      });
      res.on('end', finish);
      res.on('error', finish);
    });
    req.on('error', (error) => done({ statusCode: null, error: describeNetworkFailure(error) }));
    req.end(message.body);
  });
}
