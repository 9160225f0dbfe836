import { RunningHost, startHost } from '../support/host';
import { appJson } from '../support/packages';
import { asPerson } from '../support/principals';
import { completeOffer, transitionsOf, uniqueOfferId, workflow } from './flow';

let host: RunningHost;
beforeAll(async () => {
  host = await startHost();
}, 60_000);
afterAll(async () => {
  await host?.stop();
});

describe('the path to Live', () => {
  it('takes a complete offer with a valid package from Publish to Live', async () => {
    const offerId = uniqueOfferId('live');
    const wf = workflow(host, offerId);
    await wf.prepare();

    const published = await wf.publish();
    expect(published.status).toBe(202);
    const { submissionId } = published.json<{ submissionId: string }>();

    const atSignoff = await wf.waitFor('WaitingForPublisher', 'publisher-signoff');
    expect(atSignoff.actions).toEqual(expect.arrayContaining(['goLive', 'cancel']));
    expect((await wf.goLive()).status).toBe(202);

    await wf.waitFor('WaitingForReview', 'marketing-technical-validation');
    expect((await wf.review('marketing', 'approved')).status).toBe(202);
    expect((await wf.review('technical', 'approved')).status).toBe(202);

    const live = await wf.waitFor('Live');
    expect(live.currentStep).toBe('live');
    expect(live.error).toBeNull();
    expect(live.steps.map((s) => s.state)).toEqual([
      'Succeeded',
      'Succeeded',
      'Skipped',
      'Skipped',
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Succeeded',
    ]);

    const transitions = transitionsOf(await wf.history(), submissionId);
    expect(transitions.slice(0, 4)).toEqual([
      'validate-prerequisites:started',
      'validate-prerequisites:succeeded',
      'automated-validation:started',
      'automated-validation:succeeded',
    ]);
    expect(transitions).toEqual(
      expect.arrayContaining([
        'publisher-signoff:waiting',
        'publisher-signoff:succeeded',
        'marketing-technical-validation:succeeded',
        'publish:succeeded',
        'live:succeeded',
      ]),
    );

    const mails = await wf.notifications();
    const keys = mails.map((n) => `${n.step}:${n.transition}`);
    // One email per step change (design.md): a step's end and the next one's start are one
    // change, skipped steps ride with it, and a wait is said by the change that led there.
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual([
      'automated-validation:started',
      'appsource-packaging:started',
      'publisher-signoff:waiting',
      'marketing-technical-validation:waiting',
      'publish:started',
      'live:succeeded',
    ]);
    expect(mails.length).toBeLessThanOrEqual(8);
    // Every email says which steps it covers; together they name every transition.
    expect(mails[1]?.subject).toMatch(/\(steps 2-5\)$/);
    const told = mails.map((n) => n.body ?? '').join('\n');
    for (const t of [
      'Test Drive Validation, was skipped',
      'Lead Management Validation and Registration, was skipped',
    ])
      expect(told).toContain(t);
    expect(transitions).toHaveLength(17);
    expect(mails.every((n) => n.to === 'ann@contoso.com' && n.status === 'OutboxOnly')).toBe(true);
    expect(mails.find((n) => n.step === 'live')?.subject).toMatch(
      /Contoso Sales Insights.*is live \(step 9 of 9\)/,
    );
  });
});

describe('a second submission after Live', () => {
  it('refuses the same version again and takes a higher one to Live', async () => {
    const offerId = uniqueOfferId('again');
    const wf = workflow(host, offerId);
    await wf.prepare();
    await wf.publishToReview();
    await wf.review('marketing', 'approved');
    await wf.review('technical', 'approved');
    await wf.waitFor('Live');

    // The live version is now 1.2.0.0: publishing the same package again fails at step 2.
    expect((await wf.publish()).status).toBe(202);
    const refused = await wf.waitFor('Failed');
    expect(refused.submissionId).toBe('2');
    expect(refused.error).toMatchObject({ step: 'automated-validation' });
    expect(JSON.stringify(refused.error?.details)).toMatch(/1\.2\.0\.0/);

    // Fixed: a higher version in the offer and in the package.
    const next = { ...(completeOffer().app as Record<string, unknown>), version: '1.3.0.0' };
    await wf.putOffer(completeOffer({ app: next }));
    await wf.uploadPackage(appJson({ version: '1.3.0.0' }));
    expect(await wf.waitForReport()).toBe('Passed');
    expect((await wf.publish()).status).toBe(202);
    await wf.waitFor('WaitingForPublisher');
    await wf.goLive();
    await wf.waitFor('WaitingForReview');
    await wf.review('marketing', 'approved');
    await wf.review('technical', 'approved');
    const live = await wf.waitFor('Live');
    expect(live.submissionId).toBe('3');

    const res = await host.request('GET', `/api/offers/${offerId}/submissions`, undefined, asPerson('ann'));
    const states = res.json<{ submissions: { submissionId: string; state: string }[] }>().submissions;
    expect(states.map((s) => `${s.submissionId}:${s.state}`)).toEqual(['1:Live', '2:Failed', '3:Live']);
  });
});
