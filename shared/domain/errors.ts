/** Machine codes of api.md; the HTTP layer maps each to its status code. */
export type ErrorCode =
  | 'invalid_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'offer_not_found'
  | 'not_found'
  | 'submission_active'
  | 'not_at_signoff'
  | 'not_cancellable'
  | 'not_in_review'
  | 'already_decided'
  | 'not_waiting_for_date'
  | 'limit_reached'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'internal'
  | 'unavailable';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** A business failure with an api.md code; everything else is unexpected and becomes `500 internal`. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Turns anything thrown into an Error before it is logged or mapped. */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value));
}

/** A field's JSON path as api.md writes it in `details`: `app.version`, `storefront.screenshots[0]`. */
export function jsonPath(parts: readonly PropertyKey[]): string {
  return parts.reduce<string>((path, part) => {
    if (typeof part === 'number') return `${path}[${part}]`;
    const name = String(part);
    return path === '' ? name : `${path}.${name}`;
  }, '');
}
