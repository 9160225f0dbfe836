import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';
import { hidekeyQuerySchema, offerIdSchema } from '../contracts/api';
import { previewAvailable } from '../domain/rules';
import type { OfferStatus } from '../domain/status';
import type { StatusStore } from '../ports/stores';
import { offerNotFound } from './access';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function hidekeyMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * The status of an offer whose current preview this key opens. Everything else (unknown offer,
 * no preview yet, a wrong, missing or outdated key) is the very same 404 as an unknown offer.
 */
export async function statusForHidekey(statuses: StatusStore, request: HttpRequest): Promise<OfferStatus> {
  const rawId = request.params.offerId ?? '';
  const notFound = offerNotFound(rawId);
  const id = offerIdSchema.safeParse(rawId);
  const query = hidekeyQuerySchema.safeParse({ hidekey: request.query.get('hidekey') ?? undefined });
  const given = query.success ? query.data.hidekey : undefined;
  if (!id.success || !given) throw notFound;
  const status = await statuses.get(id.data);
  const expected = status && previewAvailable(status) ? status.hidekey : undefined;
  // Compare even when nothing is expected, so timing says nothing about the offer's existence.
  const matches = hidekeyMatches(given, expected ?? '\u0000no preview');
  if (!status || !expected || !matches) throw notFound;
  return status;
}

export function previewPackageUrl(baseUrl: string, offerId: string, hidekey: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/api/offers/${offerId}/preview/package?hidekey=${encodeURIComponent(hidekey)}`;
}
