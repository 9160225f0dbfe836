import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { ACTIVITIES } from '../shared/contracts/names';
import { StepOutcome, prerequisitesInputSchema } from '../shared/contracts/activities';
import { PREREQUISITES_FAILED, prerequisiteFindings } from '../shared/domain/prerequisites';
import { getServices, Services } from '../shared/services';
import { readSnapshot } from '../shared/notify/snapshot';
import type { StepId } from '../shared/domain/steps';

type Deps = Pick<Services, 'blobs' | 'submissions' | 'statuses'>;

/** Step 1: the snapshot's required fields by JSON path, and the notification email given with Publish. */
export function validatePrerequisites(deps: Deps) {
  return async (raw: unknown): Promise<StepOutcome> => {
    const input = prerequisitesInputSchema.parse(raw);
    const snapshot = await readSnapshot(deps.blobs, input.snapshotBlobName);
    if (snapshot === undefined) {
      return {
        outcome: 'failed',
        code: 'snapshot_missing',
        message: 'The offer as it was at Publish could not be found. Press Publish again.',
        details: [],
      };
    }
    const email = input.notificationEmail ?? (await notificationEmailOf(deps, input));
    const findings = prerequisiteFindings(snapshot, email);
    if (findings.length === 0)
      return {
        outcome: 'succeeded',
        message: 'Every required offer field is present.',
        skip: skipped(snapshot),
      };
    return {
      outcome: 'failed',
      code: PREREQUISITES_FAILED,
      message: `${findings.length} offer field(s) are missing or invalid.`,
      details: findings,
    };
  };
}

/** Steps 3 and 4 apply only when configured (their activities say the same when run). */
function skipped(snapshot: unknown): { step: StepId; message: string }[] {
  const offer = snapshot as { testDrive?: { enabled?: unknown }; leadDestination?: unknown };
  return [
    ...(offer.testDrive?.enabled === true
      ? []
      : [{ step: 'test-drive-validation' as const, message: 'Test Drive is not enabled.' }]),
    ...(offer.leadDestination
      ? []
      : [{ step: 'lead-management' as const, message: 'No lead destination is configured.' }]),
  ];
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
