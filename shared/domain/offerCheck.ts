import type { ErrorDetail } from './errors';
import type { Offer } from './offer';
import type { PackageReport } from './package/report';
import { PREREQUISITES_FAILED, offerFieldFindings } from './prerequisites';
import { PACKAGE_MISSING, STOREFRONT_INVALID, StorefrontArtifacts, storefrontFindings } from './storefront';
import { TEST_DRIVE_INVALID, testDriveSettingFindings } from './testDrive';
import { rejudgedFindings } from './workflow';

/**
 * POST .../check: every rule Publish would apply that needs no submission, from the same domain
 * functions the steps call, so the check and the steps never disagree. Each finding's `code` is
 * the error code the step would fail with (`missing_fields`, `storefront_invalid`,
 * `test_drive_invalid`), or for the package the report's rule id. The lead destination's and the
 * Test Drive's shape (types, https URLs, ranges) is step 1's schema of the whole draft, so a bad
 * one is a `missing_fields` finding as it is at Publish; an enabled Test Drive's completeness is
 * step 3's rule. Sending a test lead and probing the instance need a submission: not checked.
 */
export interface CheckFinding {
  path: string;
  severity: 'error' | 'warning';
  code: string;
  message: string;
}

export const PACKAGE_PENDING = 'package_pending';

export interface CheckInput {
  offer: Offer;
  /** The storefront artifacts the offer names, as read from storage (step 5's view). */
  artifacts: StorefrontArtifacts;
  /** The offer's current package report, if a package was uploaded. */
  report?: PackageReport;
  lastLiveVersion?: string;
}

const asError =
  (code: string) =>
  (d: ErrorDetail): CheckFinding => ({
    path: d.path,
    severity: 'error',
    code,
    message: d.message,
  });

/** Step 3's rules on the settings; the probe of the instance needs a submission. */
function testDriveFindings(offer: Offer): ErrorDetail[] {
  return offer.testDrive?.enabled ? testDriveSettingFindings(offer.testDrive) : [];
}

/** Step 2's judgement of the current report against the offer as it is now. */
function packageFindings(input: CheckInput): CheckFinding[] {
  const { report, offer } = input;
  if (!report)
    return [
      {
        path: 'package',
        severity: 'error',
        code: PACKAGE_MISSING,
        message: `no package was uploaded; upload the .app with PUT /api/offers/${offer.offerId}/package`,
      },
    ];
  if (report.state === 'Pending')
    return [
      {
        path: 'package',
        severity: 'warning',
        code: PACKAGE_PENDING,
        message: `the validation of ${report.blobName} is still running; check again in a moment`,
      },
    ];
  const expected = {
    app: offer.app,
    lastLiveVersion: input.lastLiveVersion,
    mandatoryAffixes: offer.mandatoryAffixes,
  };
  return rejudgedFindings(report, expected).map((f) => ({
    path: f.path ? `package.${f.path}` : 'package',
    severity: f.severity,
    code: f.rule,
    message: f.message,
  }));
}

export function checkOffer(input: CheckInput): CheckFinding[] {
  const { offer } = input;
  const offerFindings = [
    ...offerFieldFindings(offer).map(asError(PREREQUISITES_FAILED)),
    ...storefrontFindings(offer, input.artifacts).map(asError(STOREFRONT_INVALID)),
    ...testDriveFindings(offer).map(asError(TEST_DRIVE_INVALID)),
  ];
  // One finding per field: step 1's "is required" already says what step 5 would say of it.
  const seen = new Set<string>();
  const unique = offerFindings.filter((f) => !seen.has(f.path) && seen.add(f.path));
  return [...unique, ...packageFindings(input)];
}
