import { ErrorDetail } from './errors';
import { ExpectedPackage, Finding, PackageReport, RuleId, manifestFindings } from './package';

/**
 * Pure rules of the publishing workflow that the orchestrator and its activities share:
 * durations, the step-2 judgement of a stored package report, the snapshot's blob name.
 */

/** The offer snapshot a submission started with (container `submissions`). */
export function snapshotBlobNameFor(offerId: string, submissionId: string): string {
  return `${offerId}/${submissionId}/offer.json`;
}

/**
 * The copy (container `submissions`) of the package version that passed step 2 of a submission:
 * what step 5 packs and step 8 publishes. Only this submission writes it.
 */
/** Container `published`: where step 8 puts the package of a submission. */
export function publishedBlobName(offerId: string, submissionId: string, packageBlobName: string): string {
  const fileName = packageBlobName.split('/').pop() || 'package';
  return `${offerId}/${submissionId}/${fileName}`;
}

export function validatedPackageCopyName(
  offerId: string,
  submissionId: string,
  packageBlobName: string,
): string {
  const fileName = packageBlobName.split('/').pop() || 'package';
  return `${offerId}/${submissionId}/package/${fileName}`;
}

/** Sign-off reminders stop after this many (design.md "Waiting is bounded in cost"). */
export const SIGNOFF_REMINDER_LIMIT = 5;

const DURATION =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const UNIT_MS = [365 * 86_400_000, 30 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

/** Milliseconds of an ISO 8601 duration (years and months as 365 and 30 days: settings are short). */
export function durationMs(iso: string): number {
  const match = DURATION.exec(iso);
  if (!match || iso === 'P' || iso.endsWith('T')) throw new Error(`not an ISO 8601 duration: ${iso}`);
  return UNIT_MS.reduce((total, unit, i) => total + Number(match[i + 1] ?? 0) * unit, 0);
}

/** A promised publishing date ("2026-12-01" or a full time) as the moment step 8 may start. */
export function publishMoment(date: string): Date | undefined {
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T00:00:00Z` : date);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** design.md "Promised dates are plausible": a promised date is at most this many days ahead. */
export const MAX_PUBLISH_DATE_DAYS = 365;

/** Whether a promised date lies more than MAX_PUBLISH_DATE_DAYS after `now` (a typo such as 2206). */
export function publishDateTooFar(date: string, now: Date): boolean {
  const moment = publishMoment(date);
  return !moment || moment.getTime() > now.getTime() + MAX_PUBLISH_DATE_DAYS * 24 * 3600 * 1000;
}

/** The latest of the promised dates, or undefined when none was promised. */
export function latestPublishMoment(dates: (string | undefined)[]): Date | undefined {
  const moments = dates
    .map((d) => (d ? publishMoment(d) : undefined))
    .filter((d): d is Date => d !== undefined);
  return moments.sort((a, b) => a.getTime() - b.getTime())[moments.length - 1];
}

export type PackageJudgement =
  | { outcome: 'waiting'; message: string }
  | { outcome: 'succeeded'; message: string; blobName: string; etag?: string; version?: string }
  | { outcome: 'failed'; code: 'package_invalid'; message: string; details: ErrorDetail[] };

/**
 * Rules that depend on the offer rather than on the package: validation ran against the offer as
 * it was at upload time, so step 2 judges them again against the submission's snapshot.
 */
const OFFER_DEPENDENT_RULES: readonly RuleId[] = [
  'manifest.id-mismatch',
  'manifest.name-mismatch',
  'manifest.publisher-mismatch',
  'manifest.version-mismatch',
  'manifest.version-not-higher',
];

export function rejudgedFindings(report: PackageReport, expected: ExpectedPackage): Finding[] {
  const packageOnly = report.findings.filter((f) => !OFFER_DEPENDENT_RULES.includes(f.rule));
  if (!report.manifest) return packageOnly;
  const offerDependent = manifestFindings(report.manifest, expected).filter((f) =>
    OFFER_DEPENDENT_RULES.includes(f.rule),
  );
  return [...packageOnly, ...offerDependent];
}

/** Step 2: the stored report of the offer's current package, judged against the snapshot's `app`. */
export function judgePackage(report: PackageReport | undefined, expected: ExpectedPackage): PackageJudgement {
  if (!report) return { outcome: 'waiting', message: 'Waiting for a package to be uploaded.' };
  if (report.state === 'Pending') {
    return { outcome: 'waiting', message: `Waiting for the validation of ${report.blobName} to finish.` };
  }
  const findings = rejudgedFindings(report, expected);
  const errors = findings.filter((f) => f.severity === 'error');
  // A report that failed only on rules the snapshot now satisfies passes: the offer was fixed.
  if (errors.length > 0) {
    return {
      outcome: 'failed',
      code: 'package_invalid',
      message: `The package ${report.blobName} did not pass validation (${errors.length} problem(s)).`,
      details: errors.map(toDetail),
    };
  }
  const warnings = findings.length;
  return {
    outcome: 'succeeded',
    message: `The package ${report.blobName} passed validation${warnings > 0 ? ` with ${warnings} warning(s)` : ''}.`,
    blobName: report.blobName,
    ...(report.etag ? { etag: report.etag } : {}),
    ...(report.manifest?.version ? { version: report.manifest.version } : {}),
  };
}

function toDetail(f: Finding): ErrorDetail {
  return { path: f.path ?? f.rule, message: `${f.message} (${f.rule})` };
}
