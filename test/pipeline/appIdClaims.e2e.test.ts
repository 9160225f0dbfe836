/**
 * Issue 22, app-id claims (design.md `manifest.app-id-taken`), through the local host and the
 * public API: a claim is taken when step 2 passes, atomically (two offers racing for one id:
 * exactly one passes), released when that submission ends Failed or Canceled, and never taken by
 * a package report alone.
 */
import { randomUUID } from 'node:crypto';
import { RunningHost, startHost } from '../support/host';
import { appJson } from '../support/packages';
import { publisherSteps, completeOffer, StatusBody } from '../support/scenario';
import { uniqueOfferId } from '../api/support';

let host: RunningHost;
beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  await host?.stop();
});

/** An offer whose app is `appId`, its images and package uploaded and validated. */
async function offerWithApp(prefix: string, appId: string, overrides: Record<string, unknown> = {}) {
  const offerId = uniqueOfferId(prefix);
  const p = publisherSteps(host.baseUrl, offerId);
  const offer = completeOffer(overrides);
  const described = await p.call('ann', 'PUT', `/api/offers/${offerId}`, {
    ...offer,
    app: { ...(offer.app as object), id: appId },
  });
  expect([200, 201]).toContain(described.status);
  await p.uploadArtifacts();
  expect((await p.uploadPackage(appJson({ id: appId }))).status).toBe(202);
  const report = await p.packageValidated();
  return { offerId, p, report };
}

/** Publishes and waits until step 2 is decided: sign-off (passed) or Failed. */
async function throughStep2(p: ReturnType<typeof publisherSteps>): Promise<StatusBody> {
  expect((await p.publish()).status).toBe(202);
  return p.waitForState(['WaitingForPublisher', 'Failed'], 45_000);
}

function passedStep2(s: StatusBody): boolean {
  return s.steps.find((x) => x.id === 'automated-validation')?.state === 'Succeeded';
}

function takenAtStep2(s: StatusBody): boolean {
  return (
    s.state === 'Failed' &&
    s.error?.step === 'automated-validation' &&
    JSON.stringify(s.error.details).includes('manifest.app-id-taken')
  );
}

describe('app-id claims', () => {
  it('lets exactly one of two offers racing through step 2 with one app id pass', async () => {
    const appId = randomUUID();
    const a = await offerWithApp('race-a', appId);
    const b = await offerWithApp('race-b', appId);
    // Neither report holds the id: a report alone claims nothing.
    expect(a.report.state).toBe('Passed');
    expect(b.report.state).toBe('Passed');
    const [sa, sb] = await Promise.all([throughStep2(a.p), throughStep2(b.p)]);
    expect([passedStep2(sa), passedStep2(sb)].filter(Boolean)).toHaveLength(1);
    const loser = passedStep2(sa) ? sb : sa;
    expect(takenAtStep2(loser)).toBe(true);
  });

  it('takes no claim from a package report alone', async () => {
    const appId = randomUUID();
    const squatter = await offerWithApp('squat', appId);
    expect(squatter.report.state).toBe('Passed');
    const owner = await offerWithApp('owner', appId);
    const status = await throughStep2(owner.p);
    expect(status.error).toBeNull();
    expect(passedStep2(status)).toBe(true);
  });

  it('releases the claim when the submission is canceled', async () => {
    const appId = randomUUID();
    const a = await offerWithApp('cancel-a', appId);
    const b = await offerWithApp('cancel-b', appId);
    expect(passedStep2(await throughStep2(a.p))).toBe(true);
    expect(takenAtStep2(await throughStep2(b.p))).toBe(true);
    expect((await a.p.cancel()).status).toBe(202);
    await a.p.waitForState(['Canceled']);
    const again = await throughStep2(b.p);
    expect(again.error).toBeNull();
    expect(passedStep2(again)).toBe(true);
  });

  it('releases the claim when the submission fails after step 2', async () => {
    const appId = randomUUID();
    // Step 5 fails: the logo this offer names was never uploaded.
    const a = await offerWithApp('failed-a', appId, {
      storefront: { logo: 'missing-logo.png', screenshots: ['shot-1.png'] },
    });
    const b = await offerWithApp('failed-b', appId);
    const failed = await throughStep2(a.p);
    expect(passedStep2(failed)).toBe(true);
    expect(failed.state).toBe('Failed');
    expect(failed.error?.step).toBe('appsource-packaging');
    const status = await throughStep2(b.p);
    expect(status.error).toBeNull();
    expect(passedStep2(status)).toBe(true);
  });
});
