import { Finding, RuleId, hasErrors } from './findings';
import { PackageManifest } from './manifest';

export type PackageState = 'Pending' | 'Passed' | 'Failed';

/** The stored result of validating one package blob (api.md "package-validation"). */
export interface PackageReport {
  blobName: string;
  etag?: string;
  state: PackageState;
  manifest?: PackageManifest;
  /** The .app header's per-build package id (not the app id). */
  packageId?: string;
  findings: Finding[];
  validatedAt: string;
}

/** Enough of each rule to act on; a hostile archive could otherwise yield 10,000 findings. */
export const MAX_FINDINGS_PER_RULE = 10;
const MAX_TEXT = 2000;
const MAX_LIST = 100;

export function pendingReport(blobName: string, now: string, etag?: string): PackageReport {
  return { blobName, ...(etag ? { etag } : {}), state: 'Pending', findings: [], validatedAt: now };
}

export interface ReportInput {
  blobName: string;
  etag?: string;
  now: string;
  findings: readonly Finding[];
  manifest?: PackageManifest;
  packageId?: string;
}

/** A finished report: Failed when any finding is an error. */
export function completedReport(input: ReportInput): PackageReport {
  const findings = capPerRule(input.findings);
  return {
    blobName: input.blobName,
    ...(input.etag ? { etag: input.etag } : {}),
    state: hasErrors(findings) ? 'Failed' : 'Passed',
    ...(input.manifest ? { manifest: boundedManifest(input.manifest) } : {}),
    ...(input.packageId ? { packageId: input.packageId } : {}),
    findings,
    validatedAt: input.now,
  };
}

export function capPerRule(findings: readonly Finding[]): Finding[] {
  const counts = new Map<RuleId, number>();
  for (const f of findings) counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
  const seen = new Map<RuleId, number>();
  const kept: Finding[] = [];
  for (const f of findings) {
    const n = (seen.get(f.rule) ?? 0) + 1;
    seen.set(f.rule, n);
    if (n <= MAX_FINDINGS_PER_RULE) kept.push(f);
    const total = counts.get(f.rule) ?? 0;
    if (n === MAX_FINDINGS_PER_RULE && total > n) {
      kept.push({
        rule: f.rule,
        severity: f.severity,
        message: `... and ${total - n} more ${f.rule} findings.`,
      });
    }
  }
  return kept;
}

/** Reports are stored in a table row: long texts and lists from a manifest are cut. */
function boundedManifest(m: PackageManifest): PackageManifest {
  const out = {
    ...m,
    idRanges: m.idRanges.slice(0, MAX_LIST),
    dependencies: m.dependencies.slice(0, MAX_LIST),
  };
  for (const [key, value] of Object.entries(out)) {
    if (typeof value === 'string' && value.length > MAX_TEXT) {
      (out as Record<string, unknown>)[key] = `${value.slice(0, MAX_TEXT)}...`;
    }
  }
  return out;
}
