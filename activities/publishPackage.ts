import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { ACTIVITIES, CONTAINERS } from '../shared/contracts/names';
import { StepOutcome, publishPackageInputSchema } from '../shared/contracts/activities';
import { notStartedStatus } from '../shared/domain/status';
import { getServices, Services } from '../shared/services';

type Deps = Pick<Services, 'blobs' | 'statuses'>;

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
    if (!(await deps.blobs.info(source))) {
      return {
        outcome: 'failed',
        code: 'package_changed',
        message: `The validated copy of ${blobName} is missing. Press Publish again.`,
        details: [{ path: `submissions/${copyBlobName}`, message: 'not found' }],
      };
    }
    const fileName = blobName.split('/').pop() ?? 'package';
    const target = {
      container: CONTAINERS.published,
      name: `${input.offerId}/${input.submissionId}/${fileName}`,
    };
    await deps.blobs.copy(source, target);
    await deps.statuses.update(
      input.offerId,
      (current) =>
        current.submissionId !== input.submissionId
          ? undefined
          : {
              ...current,
              ...(version ? { lastLiveVersion: version } : {}),
              liveSubmissionId: input.submissionId,
            },
      () => notStartedStatus(input.offerId, input.at),
    );
    return {
      outcome: 'succeeded',
      message: `Published ${fileName}${version ? ` version ${version}` : ''}.`,
    };
  };
}

df.app.activity(ACTIVITIES.publishPackage, {
  handler: (input: unknown, _context: InvocationContext) => publishPackage(getServices())(input),
});
