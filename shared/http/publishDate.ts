import { DomainError } from '../domain/errors';
import { MAX_PUBLISH_DATE_DAYS, publishDateTooFar } from '../domain/workflow';

/** 400 invalid_request with a `publishDate` details entry when the date is past the bound. */
export function assertPlausibleDate(date: string, now: Date, path = 'publishDate'): void {
  if (!publishDateTooFar(date, now)) return;
  throw new DomainError('invalid_request', `The promised publishing date ${date} is too far ahead.`, [
    { path, message: `must be at most ${MAX_PUBLISH_DATE_DAYS} days ahead` },
  ]);
}
