import type { ErrorDetail } from './errors';
import type { TestDrive } from './offer';
import type { StepOutcome } from '../contracts/activities';

/** Step 3, Test Drive validation: the rules on the settings and on the probe of the instance. */

export const TEST_DRIVE_INVALID = 'test_drive_invalid';

/** What requesting the Test Drive instance URL gave. */
export type ProbeResult =
  | { kind: 'answered'; status: number }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'unreachable'; reason: string }
  /** The outbound policy refused the URL (a loopback, private or metadata address...). */
  | { kind: 'refused'; reason: string };

const RANGES = { maxConcurrent: [1, 99], durationHours: [1, 99] } as const;

function isHttpsUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

function urlFinding(field: 'instanceUrl' | 'userManualUrl', value: unknown): ErrorDetail[] {
  if (value === undefined) return [{ path: `testDrive.${field}`, message: 'is required for Test Drive' }];
  if (!isHttpsUrl(value)) return [{ path: `testDrive.${field}`, message: 'must be an absolute https URL' }];
  return [];
}

function rangeFinding(field: keyof typeof RANGES, value: unknown): ErrorDetail[] {
  const [min, max] = RANGES[field];
  if (value === undefined) return [{ path: `testDrive.${field}`, message: 'is required for Test Drive' }];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    return [{ path: `testDrive.${field}`, message: `must be a whole number from ${min} to ${max}` }];
  return [];
}

/**
 * Completeness and ranges of enabled Test Drive settings. The snapshot was checked when the
 * draft was stored, but a submission must not trust that: each rule is checked again here.
 */
export function testDriveSettingFindings(testDrive: TestDrive): ErrorDetail[] {
  return [
    ...urlFinding('instanceUrl', testDrive.instanceUrl),
    ...rangeFinding('maxConcurrent', testDrive.maxConcurrent),
    ...rangeFinding('durationHours', testDrive.durationHours),
    ...urlFinding('userManualUrl', testDrive.userManualUrl),
  ];
}

/** A 5xx or no answer means customers would land on a broken instance; anything else is an answer. */
export function probeFindings(result: ProbeResult): ErrorDetail[] {
  const path = 'testDrive.instanceUrl';
  switch (result.kind) {
    case 'answered':
      return result.status >= 500
        ? [{ path, message: `the instance answered with HTTP ${result.status}; make sure it is running` }]
        : [];
    case 'timeout':
      return [
        {
          path,
          message: `the Test Drive instance did not answer over https within ${Number((result.timeoutMs / 1000).toFixed(3))} s`,
        },
      ];
    case 'unreachable':
      // `reason` is a sentence from the adapter, never a network error code.
      return [{ path, message: `the Test Drive instance could not be reached: ${result.reason}` }];
    case 'refused':
      return [
        {
          path,
          message: `the Test Drive instance URL is not called: ${result.reason}; use its public address`,
        },
      ];
  }
}

export function testDriveOutcome(findings: ErrorDetail[]): StepOutcome {
  if (findings.length === 0) return { outcome: 'succeeded', message: 'Test Drive settings are valid.' };
  return {
    outcome: 'failed',
    code: TEST_DRIVE_INVALID,
    message: 'The Test Drive settings need attention: fix each listed field, then press Publish again.',
    details: findings,
  };
}
