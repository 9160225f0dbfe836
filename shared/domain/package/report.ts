import { Finding, RuleId, hasErrors } from './findings';
import { PackageManifest } from './manifest';

export type PackageState = 'Pending' | 'Passed' | 'Failed';

/** The stored result of validating one package blob (api.md "package-validation"). */
export interface PackageReport {
  blobName: string;
  etag?: string;
  state: PackageState;
  manifest?: PackageManifest;
  /** When storage says the blob was uploaded (its Last-Modified); informative, not the order. */
  uploadedAt?: string;
  /** The upload's place in the offer's upload order (shared/domain/uploadOrder.ts). */
  sequence?: number;
  /** `event`: the blob carried no sequence of the app's and got one when its event was handled. */
  sequenceSource?: 'upload' | 'event';
  /**
   * The blob holding the bytes (container `packages`) when it is not `blobName`: an upload's own
   * blob `{offerId}/uploads/{sequence}/{fileName}` (shared/domain/uploadOrder.ts).
   */
  storedAs?: string;
  /** The .app header's per-build package id (not the app id). */
  packageId?: string;
  findings: Finding[];
  validatedAt: string;
}

/**
 * The report bound (design.md "Packages"): a report always fits one table entity, however hostile
 * the archive. Findings quote names and values cut to a readable length, each rule keeps its first
 * findings, the whole report keeps at most MAX_FINDINGS, and manifest texts and lists are cut.
 * MAX_REPORT_CHARS (JSON) is far below what a row holds (480,000 characters), so the report
 * row never fails to store and validation never stays Pending for want of room.
 */
export const REPORT_LIMITS = {
  findingsPerRule: 10,
  findings: 100,
  messageChars: 600,
  pathChars: 256,
  manifestTextChars: 256,
  manifestListItems: 100,
  reportChars: 200_000,
} as const;

/**
 * Cuts the middle of a long text, keeping its start (what is wrong) and its end (what to change),
 * and says how much was cut.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = ` [... ${text.length - max} characters cut ...] `;
  const keep = Math.max(0, max - marker.length);
  const head = Math.ceil(keep * 0.6);
  return `${text.slice(0, head)}${marker}${text.slice(text.length - (keep - head))}`;
}

export function pendingReport(
  blobName: string,
  now: string,
  etag?: string,
  uploadedAt?: string,
): PackageReport {
  return {
    blobName,
    ...(etag ? { etag } : {}),
    ...(uploadedAt ? { uploadedAt } : {}),
    state: 'Pending',
    findings: [],
    validatedAt: now,
  };
}

export interface ReportInput {
  blobName: string;
  etag?: string;
  uploadedAt?: string;
  now: string;
  findings: readonly Finding[];
  manifest?: PackageManifest;
  packageId?: string;
}

/** A finished report: Failed when any finding is an error. */
export function completedReport(input: ReportInput): PackageReport {
  const findings = capTotal(capPerRule(input.findings.map(boundedFinding)));
  return fitted({
    blobName: input.blobName,
    ...(input.etag ? { etag: input.etag } : {}),
    ...(input.uploadedAt ? { uploadedAt: input.uploadedAt } : {}),
    state: hasErrors(findings) ? 'Failed' : 'Passed',
    ...(input.manifest ? { manifest: boundedManifest(input.manifest) } : {}),
    ...(input.packageId ? { packageId: cutText(input.packageId, REPORT_LIMITS.pathChars) } : {}),
    findings,
    validatedAt: input.now,
  });
}

/**
 * The report of an upload whose validation kept failing on our side (after the trigger's
 * attempts): Failed, so step 2 and the publisher get an answer instead of Pending forever.
 */
export function internalFailureReport(input: Omit<ReportInput, 'findings' | 'manifest'>): PackageReport {
  return completedReport({
    ...input,
    findings: [
      {
        rule: 'internal',
        severity: 'error',
        message:
          'The package could not be validated because of a fault on our side, after several attempts. Upload the package again; if this repeats, contact marketplace support with the blob name.',
      },
    ],
  });
}

function boundedFinding(f: Finding): Finding {
  const message = cutText(f.message, REPORT_LIMITS.messageChars);
  return f.path === undefined
    ? { ...f, message }
    : { ...f, message, path: cutText(f.path, REPORT_LIMITS.pathChars) };
}

export function capPerRule(findings: readonly Finding[]): Finding[] {
  const max = REPORT_LIMITS.findingsPerRule;
  const counts = new Map<RuleId, number>();
  for (const f of findings) counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
  const seen = new Map<RuleId, number>();
  const kept: Finding[] = [];
  for (const f of findings) {
    const n = (seen.get(f.rule) ?? 0) + 1;
    seen.set(f.rule, n);
    if (n <= max) kept.push(f);
    const total = counts.get(f.rule) ?? 0;
    if (n === max && total > n) {
      kept.push({
        rule: f.rule,
        severity: f.severity,
        message: `... and ${total - n} more ${f.rule} findings.`,
      });
    }
  }
  return kept;
}

/** At most REPORT_LIMITS.findings, errors first, with a last finding that says how many were left out. */
function capTotal(findings: Finding[]): Finding[] {
  const max = REPORT_LIMITS.findings;
  if (findings.length <= max) return findings;
  const ordered = [
    ...findings.filter((f) => f.severity === 'error'),
    ...findings.filter((f) => f.severity !== 'error'),
  ];
  const kept = ordered.slice(0, max);
  const last = kept[kept.length - 1] ?? findings[0];
  if (!last) return kept;
  return [
    ...kept,
    {
      rule: last.rule,
      severity: last.severity,
      message: `... and ${findings.length - max} more findings; fix the ones above and upload again.`,
    },
  ];
}

/** Manifest texts and lists are cut, at every depth (dependency names come from the archive too). */
function boundedManifest(m: PackageManifest): PackageManifest {
  return boundValue(m) as PackageManifest;
}

function boundValue(value: unknown): unknown {
  if (typeof value === 'string') return cutText(value, REPORT_LIMITS.manifestTextChars);
  if (Array.isArray(value)) return value.slice(0, REPORT_LIMITS.manifestListItems).map(boundValue);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.slice(0, 100), boundValue(v)]));
  return value;
}

/** The last guard: whatever the parts gave, the stored JSON stays under REPORT_LIMITS.reportChars. */
function fitted(report: PackageReport): PackageReport {
  const size = (r: PackageReport) => JSON.stringify(r).length;
  if (size(report) <= REPORT_LIMITS.reportChars) return report;
  const m = report.manifest;
  let slim: PackageReport = m
    ? {
        ...report,
        manifest: { ...m, idRanges: m.idRanges.slice(0, 10), dependencies: m.dependencies.slice(0, 10) },
      }
    : report;
  while (size(slim) > REPORT_LIMITS.reportChars && slim.findings.length > 1)
    slim = { ...slim, findings: slim.findings.slice(0, Math.floor(slim.findings.length / 2)) };
  return slim;
}
