import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { OFFER_ID_PATTERN } from '../domain/offer';
import { DomainError } from '../domain/errors';

/**
 * Continuation tokens of "All offers": `payload.signature`, both base64url. The payload names the
 * view it was minted for (the caller's own view, see listViewFor) and the offerId to continue
 * after; the signature is an HMAC with a key kept in storage. A token that was edited, forged or
 * minted for another caller or state filter is a 400, so it can never reach someone else's rows.
 */
const tokenSchema = z.strictObject({
  v: z.literal(1),
  view: z.string().max(1200),
  after: z.string().regex(OFFER_ID_PATTERN),
});

const sign = (key: Buffer, payload: string) =>
  createHmac('sha256', key).update(payload).digest().subarray(0, 18).toString('base64url');

export function encodeContinuation(key: Buffer, view: string, after: string): string {
  const payload = Buffer.from(JSON.stringify({ v: 1, view, after }), 'utf8').toString('base64url');
  return `${payload}.${sign(key, payload)}`;
}

function invalid(message: string): DomainError {
  return new DomainError('invalid_request', 'The request is not valid; see details.', [
    { path: 'continuation', message },
  ]);
}

/** The offerId to continue after; 400 for a token that is not ours or was minted for another view. */
export function decodeContinuation(key: Buffer, token: string, view: string): string {
  const parsed = verified(key, token);
  if (parsed.view !== view) throw invalid('was issued for another list (caller or state filter)');
  return parsed.after;
}

/**
 * The problem with a token that this API did not issue (edited, forged), whatever the view: lets
 * a 400 for other query fields name the continuation as well, as api.md's `details` must.
 */
export function continuationProblem(key: Buffer, token: string): string | undefined {
  try {
    verified(key, token);
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? error.details?.[0]?.message : undefined;
  }
}

function verified(key: Buffer, token: string): z.infer<typeof tokenSchema> {
  const [payload, signature, extra] = token.split('.');
  const expected = Buffer.from(sign(key, payload ?? ''));
  if (
    !payload ||
    !signature ||
    extra !== undefined ||
    signature.length !== expected.length ||
    !timingSafeEqual(Buffer.from(signature), expected)
  ) {
    throw invalid('is not a continuation token issued by this API');
  }
  const parsed = tokenSchema.safeParse(safeJson(Buffer.from(payload, 'base64url').toString('utf8')));
  if (!parsed.success) throw invalid('is not a continuation token issued by this API');
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
