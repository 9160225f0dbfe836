/**
 * The whole app on the local host on both engines: the embedded one (the default) and, with
 * DURABLE_ENGINE=extension (issue 25, "Run on it"), the real Durable extension 3.19 (engine-oracle/'s
 * .NET host, its Azure Storage backend over the run's Azurite). There the app's durable client talks
 * to the extension's own listener, and the host's /runtime/webhooks/durabletask routes reach it too.
 * On both, the instance completes as soon as the submission is Live: no timer is left open.
 */
import { hasDotnet } from '../../devhost/durable/extension';
import { instanceIdFor } from '../../shared/domain/transitions';
import { RunningHost, startHost } from '../support/host';
import { driveToLive, prepareOffer, publisherSteps, waitFor } from '../support/scenario';
import { uniqueOfferId } from '../workflow/flow';

jest.setTimeout(300_000);

const instance = (offerId: string) =>
  `/runtime/webhooks/durabletask/instances/${instanceIdFor(offerId, '1')}`;

const ENGINES = hasDotnet() ? ['embedded', 'extension'] : ['embedded'];

if (!hasDotnet())
  it('without .NET, DURABLE_ENGINE=extension says what it needs', async () => {
    await expect(startHost({ env: { DURABLE_ENGINE: 'extension' } })).rejects.toThrow(/needs the \.NET SDK/);
  });

describe.each(ENGINES)('the app on the %s engine', (engine) => {
  let host: RunningHost;
  beforeAll(async () => {
    // The first start with the extension builds the .NET host (and restores its packages).
    host = await startHost({ env: { DURABLE_ENGINE: engine }, readyWithinMs: 280_000 });
    if (engine === 'extension') expect(host.output()).toMatch(/the real Durable extension runs task hub/);
  }, 300_000);
  afterAll(async () => {
    await host?.stop();
  });

  it('takes an offer from Publish to Live, and the instance is Completed', async () => {
    const offerId = uniqueOfferId('ext');
    await prepareOffer(host.baseUrl, offerId);
    const { status } = await driveToLive(host.baseUrl, offerId, 120_000);
    expect(status.state).toBe('Live');
    const done = await waitFor(
      'the instance to complete',
      async () =>
        (await host.request('GET', instance(offerId))).json<{ runtimeStatus: string; output: unknown }>(),
      (s) => s.runtimeStatus === 'Completed',
      60_000,
    );
    expect(done.output).toBe('Live');
  });

  it('cancels at sign-off', async () => {
    const offerId = uniqueOfferId('extcancel');
    const p = await prepareOffer(host.baseUrl, offerId);
    expect((await p.publish()).status).toBe(202);
    await p.waitForState(['WaitingForPublisher'], 120_000);
    expect((await publisherSteps(host.baseUrl, offerId).cancel()).status).toBe(202);
    const canceled = await p.waitForState(['Canceled'], 120_000);
    expect(canceled.currentStep).toBe('validate-prerequisites');
  });
});
