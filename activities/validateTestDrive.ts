import * as df from 'durable-functions';
import { ACTIVITIES } from '../shared/contracts/names';
import { StepOutcome, stepActivityInputSchema } from '../shared/contracts/activities';
import type { Offer } from '../shared/domain/offer';
import { probeFindings, testDriveOutcome, testDriveSettingFindings } from '../shared/domain/testDrive';
import type { BlobStore } from '../shared/ports/blobs';
import { TestDriveProbe, createTestDriveProbe } from '../shared/adapters/testDriveProbe';
import { outboundPolicyOf } from '../shared/adapters/outbound';
import { getServices } from '../shared/services';
import { readSnapshot } from '../shared/notify/snapshot';

export interface ValidateTestDriveDeps {
  blobs: BlobStore;
  /** Requests the instance URL; tests inject one that reaches a local server. */
  probe: TestDriveProbe;
}

/** The offer as the submission started; the orchestrator wrote it before step 1, so absence is a fault (retried). */
async function offerSnapshot(blobs: BlobStore, name: string): Promise<Offer> {
  const snapshot = await readSnapshot(blobs, name);
  if (snapshot === undefined) throw new Error(`offer snapshot '${name}' not found`);
  return snapshot as Offer;
}

/** Step 3: skipped unless Test Drive is enabled; otherwise the settings and the instance are checked. */
export function makeValidateTestDrive(deps: ValidateTestDriveDeps) {
  return async (rawInput: unknown): Promise<StepOutcome> => {
    const input = stepActivityInputSchema.parse(rawInput);
    const testDrive = (await offerSnapshot(deps.blobs, input.snapshotBlobName)).testDrive;
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
    const probe = createTestDriveProbe(
      services.settings.TEST_DRIVE_PROBE_TIMEOUT_MS,
      outboundPolicyOf(services.settings),
    );
    return makeValidateTestDrive({ blobs: services.blobs, probe })(input);
  },
});
