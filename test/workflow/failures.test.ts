import { RunningHost, startHost } from '../support/host';
import { appJson } from '../support/packages';
import { completeOffer, eventually, uniqueOfferId, workflow } from './flow';

let host: RunningHost;
beforeAll(async () => {
  host = await startHost();
}, 60_000);
afterAll(async () => {
  await host?.stop();
});

/** Fails a submission, checks the error and the failure email, then restarts from step 1 fixed. */
async function failsThenRestarts(
  label: string,
  broken: (wf: ReturnType<typeof workflow>) => Promise<void>,
  fix: (wf: ReturnType<typeof workflow>) => Promise<void>,
  expected: { step: string; code: string | RegExp },
) {
  const wf = workflow(host, uniqueOfferId(label));
  await broken(wf);
  expect((await wf.publish()).status).toBe(202);
  const failed = await wf.waitFor('Failed');
  expect(failed.error?.step).toBe(expected.step);
  expect(failed.error?.code).toMatch(expected.code);
  expect(failed.steps.find((s) => s.id === expected.step)?.state).toBe('Failed');
  const mail = (await wf.notifications()).find((n) => n.step === expected.step && n.transition === 'failed');
  // One email per step change: step 1's failure rides with its start, so its subject names the
  // steps it covers ("... failed (step 1)").
  expect(mail?.subject).toMatch(/ failed( \(steps? \d+(-\d+)?\))?$/);
  expect(failed.actions).toContain('publish');

  await fix(wf);
  const again = await wf.publish();
  expect(again.status).toBe(202);
  expect(again.json<{ submissionId: string }>().submissionId).toBe('2');
  const restarted = await wf.waitFor('WaitingForPublisher', 'publisher-signoff');
  expect(restarted.error).toBeNull();
  expect(restarted.steps[0]?.state).toBe('Succeeded');
  return failed;
}

describe('failures and the restart from step 1', () => {
  it('fails step 1 with one finding per missing field, then passes once the offer is complete', async () => {
    const failed = await failsThenRestarts(
      'step1',
      async (wf) => {
        const { summary: _summary, ...offer } = completeOffer();
        await wf.prepare({ ...offer, app: { ...(completeOffer().app as object), version: undefined } });
      },
      (wf) => wf.putOffer(),
      { step: 'validate-prerequisites', code: 'missing_fields' },
    );
    expect(failed.error?.details.map((d) => d.path).sort()).toEqual(['app.version', 'summary']);
  });

  it('fails step 2 when the package does not match the offer', async () => {
    const failed = await failsThenRestarts(
      'step2',
      async (wf) => {
        await wf.putOffer();
        await wf.uploadArtifacts();
        await wf.uploadPackage(appJson({ version: '9.9.9.9' }));
        expect(await wf.waitForReport()).toBe('Failed');
      },
      async (wf) => {
        await wf.uploadPackage(appJson(), 'sales-fixed.zip');
        await eventually(
          async () => ((await wf.reportState()) === 'Passed' ? true : undefined),
          'the new report',
        );
      },
      { step: 'automated-validation', code: 'package_invalid' },
    );
    expect(failed.error?.details.some((d) => /9\.9\.9\.9/.test(d.message))).toBe(true);
  });

  it('fails step 3 when Test Drive is enabled without an instance', async () => {
    await failsThenRestarts(
      'step3',
      (wf) => wf.prepare(completeOffer({ testDrive: { enabled: true } })),
      (wf) => wf.putOffer(completeOffer({ testDrive: { enabled: false } })),
      { step: 'test-drive-validation', code: /./ },
    );
  });

  it('fails step 4 when the lead destination does not answer', async () => {
    await failsThenRestarts(
      'step4',
      (wf) =>
        wf.prepare(completeOffer({ leadDestination: { type: 'https', url: 'https://127.0.0.1:9/leads' } })),
      (wf) => wf.putOffer(),
      { step: 'lead-management', code: /./ },
    );
  });

  it('fails step 5 when the storefront artifacts are missing', async () => {
    await failsThenRestarts(
      'step5',
      async (wf) => {
        await wf.putOffer(
          completeOffer({ storefront: { logo: 'missing.png', screenshots: ['shot-1.png'] } }),
        );
        await wf.uploadArtifacts();
        await wf.uploadPackage();
        expect(await wf.waitForReport()).toBe('Passed');
      },
      (wf) => wf.putOffer(),
      { step: 'appsource-packaging', code: /./ },
    );
  });

  it('fails step 7 with the reviewer comments when a review rejects', async () => {
    const wf = workflow(host, uniqueOfferId('reject'));
    await wf.prepare();
    await wf.publishToReview();
    expect((await wf.review('technical', 'rejected')).status).toBe(202);
    const failed = await wf.waitFor('Failed');
    expect(failed.error).toMatchObject({ step: 'marketing-technical-validation', code: 'review_rejected' });
    expect(failed.error?.message).toContain('Screenshots are blurry.');
    expect((await wf.review('marketing', 'approved')).status).toBe(409);
  });
});

describe('Go Live and Cancel', () => {
  it('answers a second Go Live the same way and goes to review once', async () => {
    const wf = workflow(host, uniqueOfferId('golive2'));
    await wf.prepare();
    await wf.publish();
    await wf.waitFor('WaitingForPublisher');
    const [first, second] = await Promise.all([wf.goLive(), wf.goLive()]);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    await wf.waitFor('WaitingForReview');
    const signoff = (await wf.history()).filter(
      (e) => e.step === 'publisher-signoff' && e.state === 'succeeded',
    );
    expect(signoff).toHaveLength(1);
  });

  it('cancels at step 6 and resets the status to step 1', async () => {
    const wf = workflow(host, uniqueOfferId('cancel6'));
    await wf.prepare();
    await wf.publish();
    await wf.waitFor('WaitingForPublisher');
    expect((await wf.cancel()).status).toBe(202);
    const canceled = await wf.waitFor('Canceled');
    expect(canceled.currentStep).toBe('validate-prerequisites');
    expect(canceled.steps.every((s) => s.state === 'NotStarted')).toBe(true);
    expect((await wf.notifications()).some((n) => n.transition === 'canceled')).toBe(true);
    expect((await wf.publish()).status).toBe(202);
  });

  it('cancels at step 7', async () => {
    const wf = workflow(host, uniqueOfferId('cancel7'));
    await wf.prepare();
    await wf.publishToReview();
    await wf.review('marketing', 'approved');
    expect((await wf.cancel()).status).toBe(202);
    await wf.waitFor('Canceled');
    const mails = await wf.notifications();
    expect(mails.find((n) => n.transition === 'canceled')?.step).toBe('marketing-technical-validation');
  });

  it('refuses Cancel before publisher sign-off', async () => {
    const wf = workflow(host, uniqueOfferId('cancel-early'));
    await wf.putOffer();
    await wf.uploadArtifacts();
    await wf.publish(); // no package: step 2 waits for one
    await wf.waitFor('Running', 'automated-validation');
    const refused = await wf.cancel();
    expect(refused.status).toBe(409);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('not_cancellable');
  });

  it('refuses Cancel once step 8 has started and waits for the promised date', async () => {
    const wf = workflow(host, uniqueOfferId('cancel8'));
    await wf.prepare();
    await wf.publishToReview();
    // The farthest date a reviewer may promise (design.md: at most 365 days ahead).
    const far = new Date(Date.now() + 360 * 86_400_000).toISOString().slice(0, 10);
    await wf.review('marketing', 'approved', { publishDate: far });
    await wf.review('technical', 'approved');
    const publishing = await wf.waitFor('Running', 'publish');
    expect(publishing.steps.find((s) => s.id === 'publish')?.state).toMatch(/InProgress|Waiting/);
    const refused = await wf.cancel();
    expect(refused.status).toBe(409);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('not_cancellable');
  });
});
