import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { ACTIVITIES } from '../shared/contracts/names';
import { StepOutcome, stepActivityInputSchema } from '../shared/contracts/activities';
import { PREREQUISITES_FAILED, prerequisiteFindings } from '../shared/domain/prerequisites';
import { getServices, Services } from '../shared/services';
import { readSnapshot } from './support/snapshot';

type Deps = Pick<Services, 'blobs' | 'submissions' | 'statuses'>;

/** Step 1: the snapshot's required fields by JSON path, and the notification email given with Publish. */
export function validatePrerequisites(deps: Deps) {
  return async (raw: unknown): Promise<StepOutcome> => {
    const input = stepActivityInputSchema.parse(raw);
    const snapshot = await readSnapshot(deps.blobs, input.snapshotBlobName);
    if (snapshot === undefined) {
      return {
        outcome: 'failed',
        code: 'snapshot_missing',
        message: 'The offer as it was at Publish could not be found. Press Publish again.',
        details: [],
      };
    }
    const findings = prerequisiteFindings(snapshot, await notificationEmailOf(deps, input));
    if (findings.length === 0)
      return { outcome: 'succeeded', message: 'Every required offer field is present.' };
    return {
      outcome: 'failed',
      code: PREREQUISITES_FAILED,
      message: `${findings.length} offer field(s) are missing or invalid.`,
      details: findings,
    };
  };
}

async function notificationEmailOf(
  deps: Deps,
  input: { offerId: string; submissionId: string },
): Promise<string> {
  const record = await deps.submissions.get(input.offerId, input.submissionId);
  if (record) return record.notificationEmail;
  return (await deps.statuses.get(input.offerId))?.notificationEmail ?? '';
}

df.app.activity(ACTIVITIES.validatePrerequisites, {
  handler: (input: unknown, _context: InvocationContext) => validatePrerequisites(getServices())(input),
});
