import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { ACTIVITIES, CONTAINERS } from '../shared/contracts/names';
import { PublishPackageInput, StepOutcome, publishPackageInputSchema } from '../shared/contracts/activities';
import { notStartedStatus } from '../shared/domain/status';
import { getServices, Services } from '../shared/services';
import { readSnapshot } from './support/snapshot';

type Deps = Pick<Services, 'blobs' | 'statuses' | 'appCatalog'>;

/**
 * Step 8: copies the package that passed step 2 to container `published` and records the
 * offer's live version (the version-increase rule compares with it) and the live submission.
 */
export function publishPackage(deps: Deps) {
  return async (raw: unknown): Promise<StepOutcome> => {
    const input = publishPackageInputSchema.parse(raw);
    const source = { container: CONTAINERS.packages, name: input.blobName };
    const info = await deps.blobs.info(source);
    if (!info || (input.etag && info.etag !== input.etag)) {
      return {
        outcome: 'failed',
        code: 'package_changed',
        message: `The package ${input.blobName} changed or was removed after it was validated. Upload it again and press Publish.`,
        details: [{ path: `packages/${input.blobName}`, message: 'not the version that passed validation' }],
      };
    }
    const fileName = input.blobName.split('/').pop() ?? 'package';
    const target = {
      container: CONTAINERS.published,
      name: `${input.offerId}/${input.submissionId}/${fileName}`,
    };
    await deps.blobs.copy(source, target);
    const after = await deps.statuses.update(
      input.offerId,
      (current) =>
        current.submissionId !== input.submissionId
          ? undefined
          : {
              ...current,
              ...(input.version ? { lastLiveVersion: input.version } : {}),
              liveSubmissionId: input.submissionId,
            },
      () => notStartedStatus(input.offerId, input.at),
    );
    if (after.liveSubmissionId === input.submissionId) await recordLive(deps, input, target.name);
    return {
      outcome: 'succeeded',
      message: `Published ${fileName}${input.version ? ` version ${input.version}` : ''}.`,
    };
  };
}

/** The catalogue learns the live version (dependencies, app ids); step 2 matched the app id with the snapshot. */
async function recordLive(deps: Deps, input: PublishPackageInput, livePackage: string): Promise<void> {
  const snapshot = (await readSnapshot(deps.blobs, input.snapshotBlobName)) as
    | { app?: { id?: unknown } }
    | undefined;
  const appId = snapshot?.app?.id;
  if (typeof appId !== 'string' || !input.version) return;
  await deps.appCatalog.recordLive(appId, input.offerId, input.version, livePackage);
}

df.app.activity(ACTIVITIES.publishPackage, {
  handler: (input: unknown, _context: InvocationContext) => publishPackage(getServices())(input),
});
