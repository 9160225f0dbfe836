import { CONTAINERS } from '../contracts/names';
import type { AppIdClaims, SubmissionInProgress } from '../domain/appClaims';
import { isActive } from '../domain/states';
import type { OfferStatus } from '../domain/status';
import { snapshotBlobNameFor } from '../domain/workflow';
import type { BlobStore } from '../ports/blobs';
import type { StatusStore } from '../ports/stores';

/** One repair, for the reconciler's log: the offer it concerns and a sentence for a person. */
export interface ClaimRepair {
  offerId: string;
  what: string;
}

export interface ClaimRepairDeps {
  appClaims: AppIdClaims;
  statuses: StatusStore;
  blobs: BlobStore;
}

/**
 * A repair pass of the reconciler (design.md "Nothing stays stuck": the app-id claims are rebuilt
 * from the records they derive from). Its cost is the number of claims of submissions in progress
 * plus the active statuses it is given, never the number of offers:
 *
 * - a claim whose submission ended without going live (its release failed, or the orchestration
 *   died) is released;
 * - an active submission that passed step 2 (its `automated-validation` step Succeeded) holds the
 *   app id of its snapshot again, if its claim was lost.
 *
 * Returns one repair per claim put right, for the reconciler's log. Safe to run at any time and concurrently
 * with the workflow: every write is the same conditional write the workflow makes.
 */
export async function reconcileAppClaims(
  deps: ClaimRepairDeps,
  active: readonly OfferStatus[] = [],
  now: () => Date = () => new Date(),
): Promise<ClaimRepair[]> {
  const repaired: ClaimRepair[] = [];
  const inProgress = submissionInProgress(deps.statuses);
  for (const claim of await deps.appClaims.pending()) {
    if (await inProgress(claim.offerId, claim.submissionId)) continue;
    await deps.appClaims.release(claim.appId, claim.offerId, claim.submissionId);
    repaired.push({
      offerId: claim.offerId,
      what: `app id ${claim.appId}: released the claim of ${claim.offerId} submission ${claim.submissionId} (it ended without going live)`,
    });
  }
  for (const status of active) {
    if (!status.submissionId || !isActive(status.state) || !passedStep2(status)) continue;
    const appId = await snapshotAppId(deps.blobs, status.offerId, status.submissionId);
    if (!appId) continue;
    const held = await deps.appClaims.get(appId);
    if (held?.offerId === status.offerId && held.submissionId === status.submissionId) continue;
    const at = now().toISOString();
    const result = await deps.appClaims.claim(appId, status.offerId, status.submissionId, at, inProgress);
    repaired.push({
      offerId: status.offerId,
      what: result.taken
        ? `app id ${appId}: claimed again for ${status.offerId} submission ${status.submissionId} (it passed step 2)`
        : `app id ${appId}: ${status.offerId} submission ${status.submissionId} passed step 2 but ${result.holder.offerId} holds the id`,
    });
  }
  return repaired;
}

/** The rule readPackageReport applies to another offer's claim. */
export function submissionInProgress(statuses: StatusStore): SubmissionInProgress {
  return async (offerId, submissionId) => {
    const status = await statuses.get(offerId);
    if (!status) return false;
    if (status.liveSubmissionId === submissionId) return true;
    return status.submissionId === submissionId && isActive(status.state);
  };
}

function passedStep2(status: OfferStatus): boolean {
  return status.steps.some((s) => s.id === 'automated-validation' && s.state === 'Succeeded');
}

async function snapshotAppId(blobs: BlobStore, offerId: string, submissionId: string) {
  const bytes = await blobs.download({
    container: CONTAINERS.submissions,
    name: snapshotBlobNameFor(offerId, submissionId),
  });
  if (!bytes) return undefined;
  const appId = (JSON.parse(bytes.toString('utf8')) as { app?: { id?: unknown } }).app?.id;
  return typeof appId === 'string' && appId !== '' ? appId : undefined;
}
