/**
 * Issue 8, faults: the host is killed with SIGKILL while a submission is at each of steps 1-8 (one
 * submission per step), restarted, and the submission must end exactly as an uncrashed one does:
 * Live, one history row per transition and one email per step change (design.md), one test lead in
 * the publisher's table and one receipt in the product's Leads table.
 *
 * Where each kill lands (every offer has Test Drive enabled, a lead table and a promised date):
 *   1  inside validatePrerequisites: the proxy in front of Blob storage withholds the answer to its
 *      read of the offer snapshot (the submission's first snapshot read: step 1's start is recorded
 *      with its end, and the emails' offer name travels in the orchestration's input).
 *   2  while step 2 waits for the package (uploaded only after the restart).
 *   3  inside validateTestDrive: the https Test Drive instance never answers the probe.
 *   4  inside sendTestLead, after the lead row was written: the proxy in front of the lead table
 *      lets Azurite insert the row and withholds the answer; the restarted step must not add a row.
 *   5  inside buildPreviewPackage, after the first write of the preview blob reached Azurite.
 *   6  while sign-off waits for Go Live.
 *   7  while review waits, after the marketing approval was accepted (technical comes after the restart).
 *   8  while step 8 waits on its durable timer for the promised date (fired after the restart by
 *      moving the host clock).
 * All runs share one host (killed and restarted once per run) to keep the file short.
 */
import { RunningHost, startHost } from '../support/host';
import { StatusView, eventually, transitionsOf, uniqueOfferId, workflow } from '../workflow/flow';
import { completeOffer } from '../support/scenario';
import {
  HoldingProxy,
  TlsServer,
  duplicates,
  endpointPort,
  productServices,
  startHoldingProxy,
  startTlsServer,
  tableRows,
  testStorageConnection,
  uniqueTableName,
  withEndpointPort,
  within,
} from './support';

let host: RunningHost;
let testDrive: TlsServer;
let blobProxy: HoldingProxy;
let leadProxy: HoldingProxy;
/** The lead tables live in the tests' Azurite, reached through leadProxy. */
let leadConnection: string;

beforeAll(async () => {
  const storage = testStorageConnection();
  testDrive = await startTlsServer();
  blobProxy = await startHoldingProxy(endpointPort(storage, 'Blob'));
  leadProxy = await startHoldingProxy(endpointPort(storage, 'Table'));
  leadConnection = withEndpointPort(storage, 'Table', leadProxy.port);
  host = await startHost({
    env: {
      // The host's blobs go through the proxy; its tables and queues go straight to Azurite.
      AzureWebJobsStorage: withEndpointPort(storage, 'Blob', blobProxy.port),
      // The probe of step 3 insists on https: the host trusts the local server's certificate.
      NODE_EXTRA_CA_CERTS: testDrive.caFile,
      TEST_DRIVE_PROBE_TIMEOUT_MS: '20000',
    },
  });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await Promise.all([testDrive?.close(), blobProxy?.close(), leadProxy?.close()]);
});

type CrashStep = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

interface RunResult {
  offerId: string;
  submissionId: string;
  status: StatusView;
  /** `step:transition` from the history of this submission. */
  transitions: string[];
  /** `step:transition` of every email to the publisher. */
  mails: string[];
  leadRows: Record<string, unknown>[];
  receipts: { state: string; result?: { tableResult?: string } }[];
  /** The status read right after the kill was decided (where the submission was). */
  atKill?: StatusView;
}

/** The status as the kill found it (read before it: after the restart the resumed work races the read). */
async function crash(wf: ReturnType<typeof workflow>): Promise<StatusView> {
  const atKill = await wf.status();
  await host.kill('SIGKILL');
  await host.restart();
  return atKill;
}

/** One submission from Publish to Live, killed once at `crashAt` (or never). */
async function run(label: string, crashAt?: CrashStep): Promise<RunResult> {
  const offerId = uniqueOfferId(label);
  const leadTable = uniqueTableName('CrashLeads');
  const wf = workflow(host, offerId);
  await wf.putOffer(
    completeOffer({
      testDrive: {
        enabled: true,
        instanceUrl: `${testDrive.origin}/td/${offerId}`,
        maxConcurrent: 5,
        durationHours: 2,
        userManualUrl: 'https://contoso.example/manual.pdf',
      },
      leadDestination: { type: 'azureTable', connectionString: leadConnection, tableName: leadTable },
    }),
  );
  await wf.uploadArtifacts();
  if (crashAt !== 2) {
    await wf.uploadPackage();
    expect(await wf.waitForReport()).toBe('Passed');
  }

  let held: Promise<unknown> | undefined;
  if (crashAt === 1) {
    let snapshotReads = 0;
    held = blobProxy.holdResponse(
      (method, p) =>
        method === 'GET' &&
        p.startsWith(`/devstoreaccount1/submissions/${offerId}/`) &&
        ++snapshotReads === 1,
    );
  } else if (crashAt === 3) {
    held = testDrive.holdNext(`/td/${offerId}`);
  } else if (crashAt === 4) {
    held = leadProxy.holdResponse((method, p) => method === 'POST' && p === `/devstoreaccount1/${leadTable}`);
  } else if (crashAt === 5) {
    held = blobProxy.holdResponse(
      (method, p) => method === 'PUT' && p.startsWith(`/devstoreaccount1/previews/${offerId}/`),
    );
  }

  const published = await wf.publish();
  expect(published.status).toBe(202);
  const { submissionId } = published.json<{ submissionId: string }>();
  let atKill: StatusView | undefined;

  if (held) {
    await within(30_000, `the held request of step ${crashAt}`, held);
    atKill = await crash(wf);
  }
  if (crashAt === 2) {
    // Step 2 shows InProgress first, then Waiting once it found no package report.
    await eventually(async () => {
      const s = await wf.status();
      return s.currentStep === 'automated-validation' && s.steps[1]?.state === 'Waiting' ? s : undefined;
    }, 'step 2 waiting for the package');
    atKill = await crash(wf);
    await wf.uploadPackage();
  }

  await wf.waitFor('WaitingForPublisher', 'publisher-signoff');
  if (crashAt === 6) atKill = await crash(wf);
  expect((await wf.goLive()).status).toBe(202);

  await wf.waitFor('WaitingForReview', 'marketing-technical-validation');
  const clock = await host.request('GET', '/admin/clock');
  const now = new Date(clock.json<{ now: string }>().now);
  const promised = new Date(now.getTime() + 2 * 86_400_000).toISOString().slice(0, 10);
  expect((await wf.review('marketing', 'approved', { publishDate: promised })).status).toBe(202);
  if (crashAt === 7) atKill = await crash(wf);
  expect((await wf.review('technical', 'approved')).status).toBe(202);

  // Step 8 shows InProgress first, then Waiting on its timer for the promised date.
  await eventually(async () => {
    const s = await wf.status();
    return s.currentStep === 'publish' && s.steps[7]?.state === 'Waiting' ? s : undefined;
  }, 'step 8 waiting for the promised date');
  if (crashAt === 8) atKill = await crash(wf);
  await wf.advanceClock('P3D');
  const status = await wf.waitFor('Live');

  const receipts = (await productServices().leads.list(offerId)) as RunResult['receipts'];
  return {
    offerId,
    submissionId,
    status,
    transitions: transitionsOf(await wf.history(), submissionId),
    mails: (await wf.notifications()).map((n) => `${n.step}:${n.transition}`),
    leadRows: await tableRows(testStorageConnection(), leadTable),
    receipts,
    atKill,
  };
}

const STEPS = [
  'validate-prerequisites',
  'automated-validation',
  'test-drive-validation',
  'lead-management',
  'appsource-packaging',
  'publisher-signoff',
  'marketing-technical-validation',
  'publish',
];

/** What an uncrashed submission of this offer records: every transition once. */
const UNCRASHED = [
  ...STEPS.slice(0, 5).flatMap((step) => [`${step}:started`, `${step}:succeeded`]),
  ...STEPS.slice(5).flatMap((step) => [`${step}:started`, `${step}:waiting`, `${step}:succeeded`]),
  'live:succeeded',
];

/**
 * Its emails: one per step change, named after the change's last transition. Steps 3 and 4 apply
 * to this offer, so each starts in a change with the end of the step before; step 8's wait for the
 * promised date is a change of its own.
 */
const UNCRASHED_MAILS = [
  'automated-validation:started', // [1 started, 1 succeeded, 2 started]
  'test-drive-validation:started', // [2 succeeded, 3 started]
  'lead-management:started', // [3 succeeded, 4 started]
  'appsource-packaging:started', // [4 succeeded, 5 started]
  'publisher-signoff:waiting', // [5 succeeded, 6 started, 6 waiting]
  'marketing-technical-validation:waiting', // [6 succeeded, 7 started, 7 waiting]
  // [7 succeeded, 8 started, 8 waiting]: a wait is said by the change that led there. With Test
  // Drive, a lead destination and a promised date, the happy path sends 8 emails (design.md).
  'publish:waiting',
  'live:succeeded', // [8 succeeded, 9 succeeded]
];

let baseline: Promise<RunResult> | undefined;
const uncrashed = () => (baseline ??= run('nocrash'));

/** The submission ended exactly as the uncrashed one did. */
async function expectSameEnd(
  result: RunResult,
  extraTransitions: string[] = [],
  extraMails: string[] = extraTransitions,
): Promise<void> {
  const reference = await uncrashed();
  expect(result.status.state).toBe('Live');
  expect(result.status.error).toBeNull();
  expect(result.status.steps.map((s) => s.state)).toEqual(reference.status.steps.map((s) => s.state));

  expect(duplicates(result.transitions)).toEqual([]);
  expect([...result.transitions].sort()).toEqual([...reference.transitions, ...extraTransitions].sort());
  expect(duplicates(result.mails)).toEqual([]);
  expect([...result.mails].sort()).toEqual([...reference.mails, ...extraMails].sort());

  expect(result.leadRows).toHaveLength(1);
  expect(result.leadRows[0]).toMatchObject({
    partitionKey: result.offerId,
    rowKey: `TEST_${result.offerId}_${result.submissionId}`,
  });
  expect(result.receipts).toHaveLength(1);
  expect(result.receipts[0]?.state).toBe('Delivered');
}

describe('SIGKILL of the host at each step, then a restart', () => {
  it('without a crash: the reference run reaches Live with every transition once', async () => {
    const reference = await uncrashed();
    expect(reference.status.state).toBe('Live');
    expect([...reference.transitions].sort()).toEqual([...UNCRASHED].sort());
    expect([...reference.mails].sort()).toEqual([...UNCRASHED_MAILS].sort());
    expect(reference.leadRows).toHaveLength(1);
    expect(reference.receipts).toMatchObject([{ state: 'Delivered', result: { tableResult: 'Created' } }]);
    // The Test Drive instance was probed once.
    expect(testDrive.requests.filter((r) => r === `/td/${reference.offerId}`)).toHaveLength(1);
  });

  it('step 1: killed inside validatePrerequisites (its snapshot read never answered)', async () => {
    const result = await run('crash1', 1);
    expect(result.atKill?.currentStep).toBe('validate-prerequisites');
    await expectSameEnd(result);
  });

  it('step 2: killed while step 2 waits for the package, which is uploaded after the restart', async () => {
    const result = await run('crash2', 2);
    expect(result.atKill?.steps[1]?.state).toBe('Waiting');
    // The wait itself is a transition this run has and the reference (package uploaded first) has
    // not: a step change of its own, so one more email too.
    await expectSameEnd(result, ['automated-validation:waiting']);
  });

  it('step 3: killed inside validateTestDrive while the https instance has not answered the probe', async () => {
    const result = await run('crash3', 3);
    expect(result.atKill?.currentStep).toBe('test-drive-validation');
    // Probed once before the kill (never answered) and once more by the restarted step.
    expect(testDrive.requests.filter((r) => r === `/td/${result.offerId}`)).toHaveLength(2);
    await expectSameEnd(result);
  });

  it('step 4: killed inside sendTestLead after the lead row was written; no second row', async () => {
    const result = await run('crash4', 4);
    expect(result.atKill?.currentStep).toBe('lead-management');
    await expectSameEnd(result);
    // The restarted step sent the lead again and the table kept the first row.
    expect(result.receipts[0]?.result?.tableResult).toBe('AlreadyExists');
  });

  it('step 5: killed inside buildPreviewPackage after its preview write reached storage', async () => {
    const result = await run('crash5', 5);
    expect(result.atKill?.currentStep).toBe('appsource-packaging');
    await expectSameEnd(result);
    expect(result.status.steps[4]?.state).toBe('Succeeded');
  });

  it('step 6: killed while sign-off waits for Go Live', async () => {
    const result = await run('crash6', 6);
    expect(result.atKill).toMatchObject({ state: 'WaitingForPublisher', currentStep: 'publisher-signoff' });
    await expectSameEnd(result);
  });

  it('step 7: killed while review waits, between the marketing and the technical approval', async () => {
    const result = await run('crash7', 7);
    expect(result.atKill).toMatchObject({
      state: 'WaitingForReview',
      currentStep: 'marketing-technical-validation',
    });
    await expectSameEnd(result);
  });

  it('step 8: killed while step 8 waits on its timer for the promised date', async () => {
    const result = await run('crash8', 8);
    expect(result.atKill?.currentStep).toBe('publish');
    expect(result.atKill?.steps[7]?.state).toBe('Waiting');
    await expectSameEnd(result);
  });
});
