import { ErrorDetail } from './errors';
import { isActive, SubmissionState } from './states';
import { stepIndex, StepId } from './steps';
import { OfferStatus, StepStatus, SubmissionError } from './status';

/**
 * The Partner Center ingestion API's view of the nine steps (api.md, "Partner Center ingestion
 * API"): a second front door onto the same workflow. Every name here is one BcContainerHelper's
 * New-AppSourceSubmission reads, under Set-StrictMode (a missing property is an error there).
 */

export const MAIN_PACKAGE = 'Dynamics365BusinessCentralAddOnExtensionPackage';
export const LIBRARY_PACKAGE = 'Dynamics365BusinessCentralAddOnLibraryExtensionPackage';
export const PACKAGE_TYPES = [MAIN_PACKAGE, LIBRARY_PACKAGE] as const;
export type PackageType = (typeof PACKAGE_TYPES)[number];

export interface PackageReference {
  type: string;
  value: string;
}

/** A file the client announced with POST /packages; `state` is what the script tests for. */
export interface IngestionPackage {
  id: string;
  resourceType: PackageType;
  fileName: string;
  state: 'PendingUpload' | 'Uploaded' | 'Processed' | 'ProcessFailed';
  /** Staging blob (container `ingestion`) the client writes through fileSasUri. */
  blobName: string;
  /** Why it is ProcessFailed, or the findings of a library zip, file by file. */
  findings?: IngestionFinding[];
  /** Library zips: the apps they carry (resolve the main app's dependencies). */
  libraries?: LibraryApp[];
  version: number;
  /**
   * The lock on the staging blob once processed (never shown to the client): a write through
   * fileSasUri, which carries no lease id, is refused from then on.
   */
  leaseId?: string;
  /** When the fileSasUri stops working (before then the blob is kept locked, never deleted). */
  sasExpiresAt?: string;
  /**
   * A library's app-by-app validation, which runs after PUT state Uploaded has answered:
   * `Running` since `startedAt` (a worker that stops beating `beatAt` is replaced), then `Completed`.
   */
  validation?: { state: 'Running' | 'Completed'; startedAt: string; beatAt: string };
}

/** A library validation whose worker has not beaten for this long is started again. */
export const LIBRARY_STALE_MS = 2 * 60 * 1000;

/** Whether a Running library validation has lost its worker (the instance went away). */
export function isStale(validation: IngestionPackage['validation'], now: Date): boolean {
  return validation?.state === 'Running' && now.getTime() - Date.parse(validation.beatAt) > LIBRARY_STALE_MS;
}

export interface LibraryApp {
  file: string;
  id: string;
  name: string;
  publisher: string;
  version: string;
}

export interface IngestionFinding {
  code: string;
  message: string;
  path: string;
  severity: 'error' | 'warning';
}

/** The per-product state of the front door: the packages and the draft package configuration. */
export interface ProductState {
  productId: string;
  offerId: string;
  packages: IngestionPackage[];
  packageReferences: PackageReference[];
  configurationVersion: number;
}

/**
 * The last packages kept per product (a script uploads two per delivery), and the findings kept per
 * package, each cut to a readable length: the product's state stays one table row (1 MiB) however
 * hostile the libraries.
 */
export const MAX_PACKAGES_KEPT = 10;
export const MAX_FINDINGS_PER_PACKAGE = 20;
export const MAX_FINDING_CHARS = 300;

/** At most MAX_FINDINGS_PER_PACKAGE findings, each field cut; a last one counts the rest. */
export function boundedFindings(findings: IngestionFinding[]): IngestionFinding[] {
  const cut = (text: string) =>
    text.length <= MAX_FINDING_CHARS ? text : `${text.slice(0, MAX_FINDING_CHARS - 3)}...`;
  const kept = findings.slice(0, MAX_FINDINGS_PER_PACKAGE).map((f) => ({
    code: cut(f.code),
    message: cut(f.message),
    path: cut(f.path),
    severity: f.severity,
  }));
  const rest = findings.length - kept.length;
  if (rest > 0)
    kept[kept.length - 1] = {
      ...kept[kept.length - 1]!,
      message: `${kept[kept.length - 1]!.message} (and ${rest} more findings)`,
    };
  return kept;
}

export function etagOf(kind: string, version: number | string): string {
  return `"${kind}-${version}"`;
}

/** `If-Match` as the script sends it: absent or `*` matches anything. */
export function matchesEtag(ifMatch: string | null | undefined, current: string): boolean {
  if (!ifMatch || ifMatch.trim() === '*') return true;
  return ifMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === current);
}

export type SubmissionView = { state: 'InProgress' | 'Published'; substate: string };

/** A submission as the status row (current one) or its record (earlier ones) describes it. */
export interface SubmissionFacts {
  submissionId: string;
  state: SubmissionState;
  currentStep: StepId | null;
  steps?: StepStatus[];
  goLiveAt?: string;
  error: SubmissionError | null;
  /** A Cancel was accepted: the submission is on its way out. */
  canceling?: boolean;
}

export function factsOfStatus(status: OfferStatus): SubmissionFacts {
  return {
    submissionId: status.submissionId ?? '',
    state: status.state,
    currentStep: status.currentStep,
    steps: status.steps,
    ...(status.goLiveAt ? { goLiveAt: status.goLiveAt } : {}),
    error: status.error,
    canceling:
      !!status.cancelRequest &&
      status.cancelRequest.submissionId === status.submissionId &&
      isActive(status.state),
  };
}

/** A canceled submission leaves the list, as DELETE removes it in Partner Center. */
export function isListed(facts: SubmissionFacts): boolean {
  return facts.state !== 'Canceled' && facts.state !== 'NotStarted' && !facts.canceling;
}

/**
 * state/substate as Partner Center reports them, and as the script tests them: Submitted through
 * step 5, ReadyToPublish at sign-off, Promoting after Go Live, InStore when live, and Failed.
 */
export function submissionView(facts: SubmissionFacts): SubmissionView {
  if (facts.state === 'Live') return { state: 'Published', substate: 'InStore' };
  if (facts.state === 'Failed') return { state: 'InProgress', substate: 'Failed' };
  if (facts.state === 'Canceled') return { state: 'InProgress', substate: 'Canceled' };
  const at = facts.currentStep ? stepIndex(facts.currentStep) : 0;
  if (at < stepIndex('publisher-signoff')) return { state: 'InProgress', substate: 'Submitted' };
  if (at === stepIndex('publisher-signoff') && !facts.goLiveAt)
    // Between step 6's start and its wait the preview is not offered yet: still Submitted.
    return facts.state === 'WaitingForPublisher'
      ? { state: 'Published', substate: 'ReadyToPublish' }
      : { state: 'InProgress', substate: 'Submitted' };
  return { state: 'InProgress', substate: 'Promoting' };
}

/** The five workflow steps of the script, in two targets, and the nine steps each one covers. */
export const WORKFLOW_GROUPS: { target: 'Preview' | 'Live'; steps: { name: string; ids: StepId[] }[] }[] = [
  {
    target: 'Preview',
    steps: [
      {
        name: 'Automated validation',
        ids: ['validate-prerequisites', 'automated-validation', 'test-drive-validation', 'lead-management'],
      },
      { name: 'Preview Creation', ids: ['appsource-packaging'] },
      { name: 'Publisher Signoff', ids: ['publisher-signoff'] },
    ],
  },
  {
    target: 'Live',
    steps: [
      { name: 'Certification', ids: ['marketing-technical-validation'] },
      { name: 'Publish', ids: ['publish', 'live'] },
    ],
  },
];

export type WorkflowState = 'NotStarted' | 'InProgress' | 'Success' | 'Failed';

/**
 * One group's state from its steps. The script treats any state other than NotStarted,
 * InProgress and Success as a failure, so a canceled step reads Failed.
 */
export function groupState(states: StepStatus['state'][]): WorkflowState {
  if (states.some((s) => s === 'Failed' || s === 'Canceled')) return 'Failed';
  if (states.every((s) => s === 'Succeeded' || s === 'Skipped')) return 'Success';
  if (states.every((s) => s === 'NotStarted')) return 'NotStarted';
  return 'InProgress';
}

/** Step states of an earlier submission, rebuilt from how it ended (its record keeps no steps). */
function endedSteps(facts: SubmissionFacts): Map<StepId, StepStatus['state']> {
  const all = WORKFLOW_GROUPS.flatMap((g) => g.steps.flatMap((s) => s.ids));
  const failedAt = facts.error ? stepIndex(facts.error.step) : all.length;
  return new Map(
    all.map((id) => {
      if (facts.state === 'Live') return [id, 'Succeeded'];
      const at = stepIndex(id);
      return [id, at < failedAt ? 'Succeeded' : at === failedAt ? 'Failed' : 'NotStarted'];
    }),
  );
}

export function workflowDetails(facts: SubmissionFacts) {
  const known = facts.steps ? new Map(facts.steps.map((s) => [s.id, s.state])) : endedSteps(facts);
  return WORKFLOW_GROUPS.map((group) => {
    const workflowSteps = group.steps.map((step) => ({
      name: step.name,
      state: groupState(step.ids.map((id) => known.get(id) ?? 'NotStarted')),
    }));
    return {
      resourceType: 'SubmissionWorkflowDetail',
      workflowName: group.target,
      targetType: group.target,
      // As Partner Center names them: the target environment, the kind, and the item's own state.
      targetEnvironment: group.target,
      type: 'Push',
      state: groupState(group.steps.flatMap((step) => step.ids.map((id) => known.get(id) ?? 'NotStarted'))),
      workflowSteps,
    };
  });
}

/** `(rule)` at the end of a step 2 detail names the package rule (shared/domain/workflow.ts toDetail). */
const RULE_SUFFIX = /\s\(([a-z]+\.[a-z0-9.-]+)\)$/;

/** Every finding of the failed step, as /submissions/{id}/validations lists them. */
export function validationsOf(error: SubmissionError | null): IngestionFinding[] {
  if (!error) return [];
  if (error.details.length === 0)
    return [{ code: error.code, message: error.message, path: error.step, severity: 'error' }];
  return error.details.map((d: ErrorDetail) => {
    const rule = RULE_SUFFIX.exec(d.message);
    return {
      code: rule?.[1] ?? error.code,
      message: rule ? d.message.slice(0, rule.index) : d.message,
      path: d.path,
      severity: 'error',
    };
  });
}

/** The reason a client prints instead of "failed": the step's message and each finding. */
export function failureReasonOf(error: SubmissionError | null): string | null {
  if (!error) return null;
  const findings = validationsOf(error)
    .filter((f) => f.path !== error.step)
    .map((f) => `${f.code} at ${f.path}: ${f.message}`);
  return [error.message, ...findings].join(' | ').slice(0, 4000);
}

/** Four-part version comparison (appVersion lower than the live one is refused). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** `getByModule(module=Package)` / `getByInstanceID(instanceID=...)`: the value, or undefined. */
export function selectorValue(segment: string, fn: string, key: string): string | undefined {
  const match = /^(\w+)\((\w+)=([^)]*)\)$/.exec(segment);
  if (!match || match[1]?.toLowerCase() !== fn.toLowerCase() || match[2]?.toLowerCase() !== key.toLowerCase())
    return undefined;
  try {
    return decodeURIComponent(match[3] ?? '');
  } catch {
    // A bad escape names nothing: not found, never a 500 for the client's typo.
    return undefined;
  }
}
