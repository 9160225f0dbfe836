import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { ACTIVITIES, CONTAINERS } from '../shared/contracts/names';
import { PackageStepResult, StepActivityInput, packageStepInputSchema } from '../shared/contracts/activities';
import { judgePackage, validatedPackageCopyName } from '../shared/domain/workflow';
import { takenMessage } from '../shared/domain/appClaims';
import { submissionInProgress } from '../shared/repair/appClaims';
import type { PackageReport } from '../shared/domain/package/report';
import { storedBlobOf } from '../shared/domain/uploadOrder';
import type { BlobStore } from '../shared/ports/blobs';
import { isStatus } from '../shared/adapters/tables/documents';
import { getServices, Services } from '../shared/services';
import { readSnapshot } from '../shared/notify/snapshot';

type Deps = Pick<Services, 'blobs' | 'packageReports' | 'statuses' | 'appClaims'>;

const APP_ID_TAKEN = 'manifest.app-id-taken';

/**
 * Step 2: the stored report of the offer's latest package, judged against the snapshot the
 * submission started with (the offer may have changed since the package was validated). A passed
 * package claims its app id for this submission (one conditional write: of two offers racing for
 * one id exactly one passes) and is copied for it (see copyValidated), so what is previewed goes
 * live. The report's own `manifest.app-id-taken` finding is set aside: it said who held the id
 * when the package was validated, and the claim says who holds it now.
 */
export function readPackageReport(deps: Deps) {
  return async (raw: unknown): Promise<PackageStepResult> => {
    const input = packageStepInputSchema.parse(raw);
    const [report, snapshot, lastLiveVersion] = await Promise.all([
      deps.packageReports.get(input.offerId),
      readSnapshot(deps.blobs, input.snapshotBlobName),
      // Told by the step change before this step; only an input of an older version reads it.
      input.lastLiveVersion !== undefined
        ? input.lastLiveVersion
        : deps.statuses.get(input.offerId).then((s) => s?.lastLiveVersion),
    ]);
    const app = (snapshot as { app?: Record<string, string> } | undefined)?.app;
    const judged = judgePackage(withoutClaimFinding(report), {
      app,
      ...(lastLiveVersion ? { lastLiveVersion } : {}),
    });
    if (judged.outcome === 'waiting') return judged;
    if (judged.outcome === 'failed') return { ...judged, details: judged.details.slice(0, MAX_DETAILS) };
    const appId = report?.manifest?.id ?? app?.id;
    if (appId) {
      const claim = await deps.appClaims.claim(
        appId,
        input.offerId,
        input.submissionId,
        input.at,
        submissionInProgress(deps.statuses),
      );
      if (!claim.taken) {
        return {
          outcome: 'failed',
          code: 'package_invalid',
          message: `The package ${judged.blobName} did not pass validation (1 problem(s)).`,
          details: [
            {
              path: report?.manifest?.format === 'app' ? 'NavxManifest.xml#Id' : 'app.json#id',
              message: `${takenMessage(appId, claim.holder)} (${APP_ID_TAKEN})`,
            },
          ],
        };
      }
    }
    const storedAs = report ? storedBlobOf(report) : judged.blobName;
    const copy = await copyValidated(deps.blobs, input, storedAs, judged.etag);
    // A later upload's report replaced this one and its own blob was deleted: judge that one.
    if (copy === 'removed' && (await replacedSince(deps, input.offerId, report))) {
      return {
        outcome: 'waiting',
        message: `Waiting for the validation of the new upload of ${judged.blobName}.`,
      };
    }
    if (copy === 'removed') {
      return {
        outcome: 'failed',
        code: 'package_changed',
        message: `The package ${judged.blobName} was removed after it was validated. Upload it again and press Publish.`,
        details: [{ path: `packages/${judged.blobName}`, message: 'not found' }],
      };
    }
    // Overwritten since validation: the newer upload's report (and its event) is on its way.
    if (copy === 'changed') {
      return {
        outcome: 'waiting',
        message: `Waiting for the validation of the new upload of ${judged.blobName}.`,
      };
    }
    return { ...judged, etag: copy.etag, copyBlobName: copy.name, ...(appId ? { appId } : {}) };
  };
}

/** Whether the stored report is no longer the one judged (another upload, or another version). */
async function replacedSince(
  deps: Deps,
  offerId: string,
  judged: PackageReport | undefined,
): Promise<boolean> {
  const now = await deps.packageReports.get(offerId);
  return now?.sequence !== judged?.sequence || now?.etag !== judged?.etag;
}

/**
 * Copies the validated version of the package to container `submissions`, for this submission only.
 * The source is the upload's own blob (`storedAs`), which no other upload overwrites; a direct
 * upload is read where it landed.
 * Why a copy rather than a read under the ETag at step 5: an upload to the same blob name during
 * steps 3-4 would make such a read fail and the submission with it, while the design says a later
 * upload affects only the next submission. The ETag is compared before and after the copy (every
 * write changes it), so the copy holds exactly the version that passed validation.
 */
async function copyValidated(
  blobs: BlobStore,
  input: StepActivityInput,
  blobName: string,
  etag: string | undefined,
): Promise<'removed' | 'changed' | { name: string; etag: string }> {
  const source = { container: CONTAINERS.packages, name: blobName };
  const name = validatedPackageCopyName(input.offerId, input.submissionId, blobName);
  if (etag) {
    // Only the version judged is copied: no read before or after the copy is needed to know it.
    try {
      await blobs.copy(source, { container: CONTAINERS.submissions, name }, { sourceEtag: etag });
      return { name, etag };
    } catch (error) {
      if (isStatus(error, 404)) return 'removed'; // deleted (a later upload won)
      if (isStatus(error, 412)) return 'changed';
      throw error;
    }
  }
  const before = await blobs.info(source);
  if (!before) return 'removed';
  try {
    await blobs.copy(source, { container: CONTAINERS.submissions, name });
  } catch (error) {
    if (isStatus(error, 404)) return 'removed'; // deleted during the copy (a later upload won)
    throw error;
  }
  const after = await blobs.info(source);
  if (after?.etag !== before.etag) return 'changed';
  return { name, etag: before.etag };
}

function withoutClaimFinding(report: PackageReport | undefined): PackageReport | undefined {
  if (!report || report.state === 'Pending') return report;
  return { ...report, findings: report.findings.filter((f) => f.rule !== APP_ID_TAKEN) };
}

/** Keeps orchestration history small; the stored report has every finding. */
const MAX_DETAILS = 100;

df.app.activity(ACTIVITIES.readPackageReport, {
  handler: (input: unknown, _context: InvocationContext) => readPackageReport(getServices())(input),
});
