import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { ACTIVITIES, CONTAINERS } from '../shared/contracts/names';
import { StepOutcome, publishPackageInputSchema } from '../shared/contracts/activities';
import { publishedBlobName } from '../shared/domain/workflow';
import { getServices, Services } from '../shared/services';
import { isStatus } from '../shared/adapters/tables/documents';

type Deps = Pick<Services, 'blobs'>;

/**
 * Step 8: copies the package that passed step 2 (the submission's own copy of that version, the
 * one step 5 packed into the preview) to container `published`. The offer's live version (the
 * version-increase rule compares with it) and the live submission are recorded by the step change
 * of step 8's success, in its one write (the orchestrator names them there), and the app
 * catalogue follows that change (activities/recordStepChange.ts): a copy repeated by a retry
 * writes the same blob again, and nothing else is written here.
 */
export function publishPackage(deps: Deps) {
  return async (raw: unknown): Promise<StepOutcome> => {
    const input = publishPackageInputSchema.parse(raw);
    const { blobName, copyBlobName, version } = input.package;
    const source = { container: CONTAINERS.submissions, name: copyBlobName };
    const fileName = blobName.split('/').pop() ?? 'package';
    const target = {
      container: CONTAINERS.published,
      name: publishedBlobName(input.offerId, input.submissionId, blobName),
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
    return {
      outcome: 'succeeded',
      message: `Published ${fileName}${version ? ` version ${version}` : ''}.`,
    };
  };
}

df.app.activity(ACTIVITIES.publishPackage, {
  handler: (input: unknown, _context: InvocationContext) => publishPackage(getServices())(input),
});
