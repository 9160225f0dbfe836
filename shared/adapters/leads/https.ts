import { createHmac } from 'node:crypto';
import type { DeliveryResult, Lead } from '../../domain/leads';
import { OutboundPolicy, outboundRequest, seconds } from '../outbound';

export interface HttpsDestination {
  url: string;
  secret?: string;
}

export interface HttpsDeliveryOptions {
  timeoutMs: number;
  /** The outbound policy: every attempt is checked and pinned (shared/adapters/outbound.ts). */
  policy: OutboundPolicy;
  maxAttempts?: number;
  /** First backoff delay; doubled after each retry. */
  backoffMs?: number;
}

export const LEAD_ID_HEADER = 'x-lead-id';
export const SIGNATURE_HEADER = 'x-signature-sha256';

export function signBody(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

type Attempt =
  | { kind: 'answered'; status: number }
  | { kind: 'timeout' }
  | { kind: 'network'; reason: string }
  | { kind: 'refused'; reason: string };

/** One POST under the outbound policy; redirects are answers, never followed. */
async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: HttpsDeliveryOptions,
): Promise<Attempt> {
  const result = await outboundRequest(url, {
    method: 'POST',
    headers,
    body,
    timeoutMs: options.timeoutMs,
    policy: options.policy,
  });
  if (result.kind === 'failed') return { kind: 'network', reason: result.reason };
  return result;
}

const retryable = (a: Attempt) =>
  a.kind === 'network' || (a.kind === 'answered' && (a.status >= 500 || a.status === 429));

function problemOf(a: Attempt, attempts: number, timeoutMs: number): string {
  if (a.kind === 'refused')
    return `The lead endpoint is not called: ${a.reason}; use its public https address.`;
  if (a.kind === 'timeout')
    return `The endpoint did not answer over https within ${seconds(timeoutMs)}: it must answer a lead POST quickly (queue slow work).`;
  if (a.kind === 'network')
    return `The endpoint could not be reached after ${attempts} attempts (${a.reason}): check the URL and that it accepts https requests.`;
  if (a.status >= 500 || a.status === 429)
    return `The endpoint answered HTTP ${a.status} to all ${attempts} attempts: check that it is running and accepts leads.`;
  if (a.status === 401 || a.status === 403)
    return `The endpoint refused the lead (HTTP ${a.status}): check that it verifies x-signature-sha256 with the secret configured for the offer.`;
  if (a.status >= 300 && a.status < 400)
    return `The endpoint redirected (HTTP ${a.status}): configure the final URL; leads are not sent to redirects.`;
  return `The endpoint refused the lead (HTTP ${a.status}): check that it accepts the documented JSON lead body.`;
}

/**
 * POSTs the lead as JSON. Every attempt carries the same `x-lead-id`, so the receiver can drop
 * duplicates. 5xx, 429 and network errors are retried with backoff; a timeout is not (the
 * endpoint may still be working on it, and the step must end within a bounded time).
 */
export async function deliverToHttps(
  destination: HttpsDestination,
  lead: Lead,
  options: HttpsDeliveryOptions,
): Promise<DeliveryResult> {
  const body = JSON.stringify(lead);
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    [LEAD_ID_HEADER]: lead.leadId,
  };
  if (destination.secret) headers[SIGNATURE_HEADER] = signBody(body, destination.secret);
  const maxAttempts = options.maxAttempts ?? 3;
  let delay = options.backoffMs ?? 500;
  for (let attempts = 1; ; attempts++) {
    const attempt = await post(destination.url, body, headers, options);
    const httpStatus = attempt.kind === 'answered' ? attempt.status : undefined;
    if (httpStatus !== undefined && httpStatus >= 200 && httpStatus < 300)
      return { delivered: true, attempts, httpStatus };
    if (!retryable(attempt) || attempts >= maxAttempts)
      return {
        delivered: false,
        attempts,
        ...(httpStatus !== undefined ? { httpStatus } : {}),
        problem: problemOf(attempt, attempts, options.timeoutMs),
      };
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay *= 2;
  }
}
