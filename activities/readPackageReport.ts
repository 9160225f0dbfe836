import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { ACTIVITIES } from '../shared/contracts/names';
import { PackageStepResult, stepActivityInputSchema } from '../shared/contracts/activities';
import { judgePackage } from '../shared/domain/workflow';
import { getServices, Services } from '../shared/services';
import { readSnapshot } from './support/snapshot';

type Deps = Pick<Services, 'blobs' | 'packageReports' | 'statuses'>;

/**
 * Step 2: the stored report of the offer's latest package, judged against the snapshot the
 * submission started with (the offer may have changed since the package was validated).
 */
export function readPackageReport(deps: Deps) {
  return async (raw: unknown): Promise<PackageStepResult> => {
    const input = stepActivityInputSchema.parse(raw);
    const [report, snapshot, status] = await Promise.all([
      deps.packageReports.get(input.offerId),
      readSnapshot(deps.blobs, input.snapshotBlobName),
      deps.statuses.get(input.offerId),
    ]);
    const app = (snapshot as { app?: Record<string, string> } | undefined)?.app;
    const judged = judgePackage(report, { app, lastLiveVersion: status?.lastLiveVersion });
    if (judged.outcome !== 'failed') return judged;
    return { ...judged, details: judged.details.slice(0, MAX_DETAILS) };
  };
}

/** Keeps orchestration history small; the stored report has every finding. */
const MAX_DETAILS = 100;

df.app.activity(ACTIVITIES.readPackageReport, {
  handler: (input: unknown, _context: InvocationContext) => readPackageReport(getServices())(input),
});
