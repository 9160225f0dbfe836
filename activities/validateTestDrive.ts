import * as df from 'durable-functions';
import { ACTIVITIES, CONTAINERS } from '../shared/contracts/names';
import { StepOutcome, stepActivityInputSchema } from '../shared/contracts/activities';
import type { Offer } from '../shared/domain/offer';
import { probeFindings, testDriveOutcome, testDriveSettingFindings } from '../shared/domain/testDrive';
import type { BlobStore } from '../shared/ports/blobs';
import { TestDriveProbe, createTestDriveProbe } from '../shared/adapters/testDriveProbe';
import { getServices } from '../shared/services';

export interface ValidateTestDriveDeps {
  blobs: BlobStore;
  /** Requests the instance URL; tests inject one that reaches a local server. */
  probe: TestDriveProbe;
}

async function readOfferSnapshot(blobs: BlobStore, name: string): Promise<Offer> {
  const bytes = await blobs.download({ container: CONTAINERS.submissions, name });
  // The orchestrator writes the snapshot before step 1: its absence is an infrastructure fault.
  if (!bytes) throw new Error(`offer snapshot '${name}' not found`);
  return JSON.parse(bytes.toString('utf8')) as Offer;
}

/** Step 3: skipped unless Test Drive is enabled; otherwise the settings and the instance are checked. */
export function makeValidateTestDrive(deps: ValidateTestDriveDeps) {
  return async (rawInput: unknown): Promise<StepOutcome> => {
    const input = stepActivityInputSchema.parse(rawInput);
    const testDrive = (await readOfferSnapshot(deps.blobs, input.snapshotBlobName)).testDrive;
    if (!testDrive?.enabled) return { outcome: 'skipped', message: 'Test Drive is not enabled.' };
    const findings = testDriveSettingFindings(testDrive);
    // Probe only a URL that passed the rules (a plain-http or malformed URL is never requested),
    // but also when other settings are wrong, so the publisher sees every problem at once.
    const urlIsValid = !findings.some((f) => f.path === 'testDrive.instanceUrl');
    if (urlIsValid && testDrive.instanceUrl)
      findings.push(...probeFindings(await deps.probe(testDrive.instanceUrl)));
    return testDriveOutcome(findings);
  };
}

df.app.activity(ACTIVITIES.validateTestDrive, {
  handler: (input: unknown) => {
    const services = getServices();
    const probe = createTestDriveProbe(services.settings.TEST_DRIVE_PROBE_TIMEOUT_MS);
    return makeValidateTestDrive({ blobs: services.blobs, probe })(input);
  },
});
