/**
 * Issue 15, "Outbound calls stay outside", end to end through the local host with the outbound
 * switch off, as in Azure (OUTBOUND_ALLOW_LOOPBACK=false): a Test Drive at 127.0.0.1 or at the
 * metadata address and a lead table in the app's own storage account each fail their step with a
 * finding that says what is wrong, without network codes; nothing is left Pending or answers 500.
 */
import { randomBytes } from 'node:crypto';
import { RunningHost, startHost } from '../support/host';
import { prepareOffer, publisherSteps } from '../support/scenario';

let host: RunningHost;
beforeAll(async () => {
  host = await startHost({ env: { OUTBOUND_ALLOW_LOOPBACK: 'false' } });
}, 60_000);
afterAll(async () => {
  await host?.stop();
});

const RAW_CODE = /\b(E[A-Z]{4,}|ERR_[A-Z_]+|UND_ERR\w*)\b/;
const offerId = (label: string) => `outbound-${label}-${randomBytes(3).toString('hex')}`;

interface Failure {
  state: string;
  error: { step: string; code: string; details: { path: string; message: string }[] } | null;
}

async function publishAndFail(id: string, overrides: Record<string, unknown>): Promise<Failure> {
  const p = await prepareOffer(host.baseUrl, id);
  expect((await p.describe(overrides)).status).toBe(200);
  expect((await p.publish()).status).toBe(202);
  const status = (await p.waitForState(['Failed', 'WaitingForPublisher'], 60_000)) as unknown as Failure;
  const report = await publisherSteps(host.baseUrl, id).call<{ state: string }>(
    'ann',
    'GET',
    `/api/offers/${id}/package-validation`,
  );
  expect(report.body.state).toBe('Passed');
  return status;
}

const testDrive = (instanceUrl: string) => ({
  testDrive: {
    enabled: true,
    instanceUrl,
    maxConcurrent: 5,
    durationHours: 2,
    userManualUrl: 'https://contoso.example/manual.pdf',
  },
});

describe('outbound policy through the host (switch off, as in Azure)', () => {
  it.each([
    ['loopback', 'https://127.0.0.1:9/td'],
    ['link-local', 'https://169.254.169.254/metadata/instance'],
  ])('fails step 3 for a Test Drive at a %s address', async (kind, url) => {
    const status = await publishAndFail(offerId('td'), testDrive(url));
    expect(status.state).toBe('Failed');
    expect(status.error).toMatchObject({
      step: 'test-drive-validation',
      code: 'test_drive_invalid',
      details: [{ path: 'testDrive.instanceUrl', message: expect.stringContaining(kind) }],
    });
    expect(JSON.stringify(status)).not.toMatch(RAW_CODE);
  });

  it('fails step 4 for a lead table in the app’s own storage account, and reads of history still work', async () => {
    const id = offerId('lead');
    const own = String(process.env.TEST_STORAGE_CONNECTION);
    const status = await publishAndFail(id, {
      leadDestination: { type: 'azureTable', connectionString: own, tableName: 'StepHistory' },
    });
    expect(status.state).toBe('Failed');
    expect(status.error).toMatchObject({ step: 'lead-management', code: 'lead_delivery_failed' });
    expect(JSON.stringify(status.error)).toContain('own storage account');
    const history = await publisherSteps(host.baseUrl, id).call('ann', 'GET', `/api/offers/${id}/history`);
    expect(history.status).toBe(200);
  });
});
