/**
 * Findings of package validation. Rule ids are stable: they are stored in reports, shown by the
 * API and matched by publishers' tooling, so never rename one; add a new id instead.
 */
export const RULES = [
  'manifest.missing',
  'manifest.unparseable',
  'manifest.missing-field',
  'manifest.id-not-guid',
  'manifest.version-format',
  'manifest.version-not-higher',
  'manifest.id-mismatch',
  'manifest.name-mismatch',
  'manifest.publisher-mismatch',
  'manifest.version-mismatch',
  'manifest.url-not-https',
  'manifest.idranges-invalid',
  'manifest.idranges-overlap',
  'manifest.logo-not-in-package',
  'zip.not-a-zip',
  'zip.truncated',
  'zip.corrupt',
  'zip.encrypted',
  'zip.unsupported-compression',
  'zip.too-many-entries',
  'zip.too-large',
  'zip.manifest-too-large',
  'zip.compression-ratio',
  'zip.path-traversal',
  'zip.duplicate-manifest',
  'navx.bad-magic',
  'navx.bad-version',
  'navx.content-length',
  'navx.runtime-package',
  'symbols.breaking-change',
  'symbols.missing-affix',
  'symbols.unreadable',
  'dependencies.unresolved',
  'manifest.app-id-taken',
  'manifest.runtime-too-new',
  'package.unsigned',
  /** Over the package size limit (an upload URL cannot cap the size); the blob is deleted. */
  'package.too-large',
  /** Validation itself failed on our side after every attempt (never the publisher's doing). */
  'internal',
] as const;
export type RuleId = (typeof RULES)[number];

export type Severity = 'error' | 'warning';

export interface Finding {
  rule: RuleId;
  severity: Severity;
  /** What is wrong and what to change, in words a publisher can act on. */
  message: string;
  /** The archive entry or manifest field the finding is about. */
  path?: string;
}

export function error(rule: RuleId, message: string, path?: string): Finding {
  return path === undefined
    ? { rule, severity: 'error', message }
    : { rule, severity: 'error', message, path };
}

export function warning(rule: RuleId, message: string, path?: string): Finding {
  return path === undefined
    ? { rule, severity: 'warning', message }
    : { rule, severity: 'warning', message, path };
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
