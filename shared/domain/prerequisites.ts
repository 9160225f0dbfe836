import { z } from 'zod';
import { ErrorDetail, jsonPath } from './errors';
import { REQUIRED_OFFER_PATHS, offerDraftSchema } from './offer';

/**
 * Step 1, "Validate Prerequisites": the offer snapshot taken at Publish has every required field,
 * every present field is well formed, and the notification email is valid. One finding per field,
 * named by its JSON path, so the publisher can fix them all at once.
 */
export const PREREQUISITES_FAILED = 'missing_fields';

const emailSchema = z.email();

export function prerequisiteFindings(snapshot: unknown, notificationEmail: string): ErrorDetail[] {
  const findings = offerFieldFindings(snapshot);
  if (!emailSchema.safeParse(notificationEmail).success) {
    findings.push({ path: 'notificationEmail', message: 'must be a valid email address' });
  }
  return uniqueByPath(findings);
}

/** Step 1's findings on the offer itself (no notification email yet): what POST .../check reports. */
export function offerFieldFindings(snapshot: unknown): ErrorDetail[] {
  return uniqueByPath([...invalidFields(snapshot), ...missingFields(snapshot)]);
}

function invalidFields(snapshot: unknown): ErrorDetail[] {
  // The snapshot carries the product's own fields too (offerId, publisherId, dates): not the draft's.
  const draft = withoutStoredFields(snapshot);
  const parsed = offerDraftSchema.safeParse(draft);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    path: jsonPath(issue.path) || '(offer)',
    message: issue.message,
  }));
}

const STORED_FIELDS = ['offerId', 'publisherId', 'createdAt', 'updatedAt', 'productId'];

function withoutStoredFields(snapshot: unknown): unknown {
  if (!isRecord(snapshot)) return snapshot;
  return Object.fromEntries(Object.entries(snapshot).filter(([key]) => !STORED_FIELDS.includes(key)));
}

function missingFields(snapshot: unknown): ErrorDetail[] {
  return REQUIRED_OFFER_PATHS.filter((path) => isEmpty(valueAt(snapshot, path))).map((path) => ({
    path,
    message: 'is required to publish',
  }));
}

function valueAt(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((at, key) => (isRecord(at) ? at[key] : undefined), value);
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field both missing and invalid is reported once, with the first reason found. */
function uniqueByPath(findings: ErrorDetail[]): ErrorDetail[] {
  const seen = new Set<string>();
  return findings.filter((f) => (seen.has(f.path) ? false : (seen.add(f.path), true)));
}
