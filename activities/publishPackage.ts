import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { ACTIVITIES, CONTAINERS } from '../shared/contracts/names';
import { PublishPackageInput, StepOutcome, publishPackageInputSchema } from '../shared/contracts/activities';
import { notStartedStatus } from '../shared/domain/status';
import { claimKey } from '../shared/domain/appClaims';
import { snapshotBlobNameFor } from '../shared/domain/workflow';
import { getServices, Services } from '../shared/services';
import { readSnapshot } from '../shared/notify/snapshot';
import { isStatus } from '../shared/adapters/tables/documents';

type Deps = Pick<Services, 'blobs' | 'statuses' | 'appCatalog' | 'appClaims'>;

/**
 * Step 8: copies the package that passed step 2 (the submission's own copy of that version, the
 * one step 5 packed into the preview) to container `published`, and records the offer's live
 * version (the version-increase rule compares with it) and the live submission.
 */
export function publishPackage(deps: Deps) {
  return async (raw: unknown): Promise<StepOutcome> => {
    const input = publishPackageInputSchema.parse(raw);
    const { blobName, copyBlobName, version } = input.package;
    const source = { container: CONTAINERS.submissions, name: copyBlobName };
    const fileName = blobName.split('/').pop() ?? 'package';
    const target = {
      container: CONTAINERS.published,
      name: `${input.offerId}/${input.submissionId}/${fileName}`,
    };
    try {
      await deps.blobs.copy(source, target);
    } catch (error) {
      // The copy's 404 says the source is missing: no read before it is needed to know that.
      if (!isStatus(error, 404)) throw error;
      return {
        outcome: 'failed',
        code: 'package_changed',
        message: `The validated copy of ${blobName} is missing. Press Publish again.`,
        details: [{ path: `submissions/${copyBlobName}`, message: 'not found' }],
      };
    }
    // The live submission before this one, as the write that replaces it saw it.
    let previousLive: string | undefined;
    const after = await deps.statuses.update(
      input.offerId,
      (current) => {
        previousLive = current.liveSubmissionId;
        return current.submissionId !== input.submissionId
          ? undefined
          : {
              ...current,
              ...(version ? { lastLiveVersion: version } : {}),
              liveSubmissionId: input.submissionId,
            };
      },
      () => notStartedStatus(input.offerId, input.at),
    );
    if (after.liveSubmissionId === input.submissionId)
      await recordLive(deps, input, target.name, previousLive);
    return {
      outcome: 'succeeded',
      message: `Published ${fileName}${version ? ` version ${version}` : ''}.`,
    };
  };
}

/**
 * The catalogue learns the live version (dependencies, app ids); step 2 matched the app id with the
 * snapshot. The claim step 2 took becomes the offer's live hold; when the previous live version
 * had another app id, that id is released (the claim moves with the live version).
 */
async function recordLive(
  deps: Deps,
  input: PublishPackageInput,
  livePackage: string,
  previousLive: string | undefined,
): Promise<void> {
  const appId = await appIdOf(deps, input.snapshotBlobName);
  const { version } = input.package;
  if (!appId || !version) return;
  await deps.appCatalog.recordLive(appId, input.offerId, version, livePackage);
  await deps.appClaims.holdLive(appId, input.offerId, input.submissionId, input.at);
  if (!previousLive || previousLive === input.submissionId) return;
  const previousId = await appIdOf(deps, snapshotBlobNameFor(input.offerId, previousLive));
  if (previousId && claimKey(previousId) !== claimKey(appId)) {
    await deps.appClaims.releaseLive(previousId, input.offerId);
  }
}

async function appIdOf(deps: Deps, snapshotBlobName: string): Promise<string | undefined> {
  const snapshot = (await readSnapshot(deps.blobs, snapshotBlobName)) as
    | { app?: { id?: unknown } }
    | undefined;
  const appId = snapshot?.app?.id;
  return typeof appId === 'string' && appId !== '' ? appId : undefined;
}

df.app.activity(ACTIVITIES.publishPackage, {
  handler: (input: unknown, _context: InvocationContext) => publishPackage(getServices())(input),
});
