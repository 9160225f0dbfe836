import { makeValidateTestDrive } from '../../activities/validateTestDrive';
import { createTestDriveProbe } from '../../shared/adapters/testDriveProbe';
import { AZURE_POLICY, LOCAL_POLICY } from '../../shared/adapters/outbound';
import type { TestDrive } from '../../shared/domain/offer';
import type { Services } from '../../shared/services';
import { LocalServer, startServer, submit, testServices, uniqueOfferId } from './helpers';

/**
 * The production rule demands https; the local servers speak http. The offers name
 * https://127.0.0.1:PORT and the injected probe downgrades only loopback URLs to reach them.
 */
const loopbackProbe = (timeoutMs: number) => {
  const probe = createTestDriveProbe(timeoutMs, LOCAL_POLICY);
  return (url: string) => probe(url.replace(/^https:\/\/127\.0\.0\.1:/, 'http://127.0.0.1:'));
};

let services: Services;
let answering: LocalServer;
let failing: LocalServer;
let hanging: LocalServer;
const probedPaths: string[] = [];

beforeAll(async () => {
  services = testServices();
  answering = await startServer((req, res) => {
    probedPaths.push(req.url ?? '');
    res.writeHead(302, { location: '/signin' }).end();
  });
  failing = await startServer((_req, res) => res.writeHead(500).end('down'));
  hanging = await startServer(() => undefined);
});

afterAll(async () => {
  await Promise.all([answering.close(), failing.close(), hanging.close()]);
});

function settings(server: LocalServer, overrides: Partial<TestDrive> = {}): TestDrive {
  return {
    enabled: true,
    instanceUrl: `https://127.0.0.1:${server.port}/td`,
    maxConcurrent: 5,
    durationHours: 2,
    userManualUrl: 'https://contoso.example/manual.pdf',
    ...overrides,
  };
}

async function run(testDrive: TestDrive | undefined, timeoutMs = 2000, probe = loopbackProbe(timeoutMs)) {
  const input = await submit(services, uniqueOfferId('td'), { name: 'Contoso', testDrive });
  return makeValidateTestDrive({ blobs: services.blobs, probe })(input);
}

/** No raw network error codes (ECONNREFUSED, ERR_SSL_...) in what the publisher reads. */
const RAW_CODE = /\b(E[A-Z]{4,}|ERR_[A-Z_]+|UND_ERR\w*)\b/;

describe('step 3, Test Drive validation', () => {
  it('is skipped when Test Drive is not configured or not enabled', async () => {
    expect(await run(undefined)).toMatchObject({ outcome: 'skipped' });
    expect(await run({ enabled: false })).toMatchObject({ outcome: 'skipped' });
  });

  it('succeeds when the settings are complete and the instance answers (a redirect counts)', async () => {
    const outcome = await run(settings(answering));
    expect(outcome).toMatchObject({ outcome: 'succeeded' });
    expect(probedPaths).toContain('/td');
  });

  it('fails with one finding per missing or out-of-range setting', async () => {
    const outcome = await run({
      enabled: true,
      instanceUrl: `https://127.0.0.1:${answering.port}/`,
      maxConcurrent: 0,
      durationHours: 100,
    });
    expect(outcome).toMatchObject({ outcome: 'failed', code: 'test_drive_invalid' });
    const paths = outcome.outcome === 'failed' ? outcome.details.map((d) => d.path) : [];
    expect(paths.sort()).toEqual([
      'testDrive.durationHours',
      'testDrive.maxConcurrent',
      'testDrive.userManualUrl',
    ]);
  });

  it('refuses a plain http instance URL and never requests it', async () => {
    const before = probedPaths.length;
    const outcome = await run(settings(answering, { instanceUrl: `${answering.url}plain` }));
    expect(outcome).toMatchObject({
      outcome: 'failed',
      details: [{ path: 'testDrive.instanceUrl', message: 'must be an absolute https URL' }],
    });
    expect(probedPaths.length).toBe(before);
  });

  it('fails when the instance answers with a 5xx status', async () => {
    const outcome = await run(settings(failing));
    expect(outcome).toMatchObject({
      outcome: 'failed',
      code: 'test_drive_invalid',
      details: [{ path: 'testDrive.instanceUrl', message: expect.stringContaining('HTTP 500') }],
    });
  });

  it('fails when the instance does not answer within the timeout', async () => {
    const outcome = await run(settings(hanging), 300);
    expect(outcome).toMatchObject({
      outcome: 'failed',
      details: [
        {
          path: 'testDrive.instanceUrl',
          message: 'the Test Drive instance did not answer over https within 0.3 s',
        },
      ],
    });
  });

  it('fails when nothing listens at the instance URL', async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const outcome = await run(settings(closed));
    expect(outcome).toMatchObject({
      outcome: 'failed',
      details: [{ path: 'testDrive.instanceUrl', message: expect.stringContaining('could not be reached') }],
    });
    expect(JSON.stringify(outcome)).not.toMatch(RAW_CODE);
  });
});

describe('step 3 in Azure mode (outbound policy)', () => {
  const azureProbe = () => createTestDriveProbe(2000, AZURE_POLICY);

  it.each([
    ['loopback', () => `https://127.0.0.1:${answering.port}/td`],
    ['loopback', () => `https://localhost:${answering.port}/td`],
    ['link-local', () => 'https://169.254.169.254/metadata/instance'],
    ['private', () => 'https://10.0.0.5/'],
    ['private', () => 'https://[::ffff:192.168.1.10]/'],
    ['unique-local', () => 'https://[fd00:ec2::254]/'],
  ])('refuses a Test Drive instance at a %s address without connecting (%#)', async (kind, url) => {
    const before = probedPaths.length;
    const outcome = await run(settings(answering, { instanceUrl: url() }), 2000, azureProbe());
    expect(outcome).toMatchObject({
      outcome: 'failed',
      code: 'test_drive_invalid',
      details: [{ path: 'testDrive.instanceUrl', message: expect.stringContaining(kind) }],
    });
    expect(JSON.stringify(outcome)).not.toMatch(RAW_CODE);
    expect(probedPaths.length).toBe(before);
  });

  it('refuses Azure’s wire server address, which is public but the platform’s own', async () => {
    const outcome = await run(
      settings(answering, { instanceUrl: 'https://168.63.129.16/' }),
      2000,
      azureProbe(),
    );
    expect(outcome).toMatchObject({
      outcome: 'failed',
      details: [{ path: 'testDrive.instanceUrl', message: expect.stringContaining('platform') }],
    });
  });
});
