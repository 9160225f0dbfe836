import { RunningHost, startHost } from '../support/host';
import { eventually, uniqueOfferId, workflow } from './flow';

// Under a full run's load step 2 has taken over a minute to reach its wait (CI): room for that.
jest.setTimeout(180_000);

/** Timers driven by the host's clock control; a host of its own so no other test's timers move. */
let host: RunningHost;
beforeAll(async () => {
  host = await startHost();
}, 60_000);
afterAll(async () => {
  await host?.stop();
});

describe('waits bounded by durable timers', () => {
  it('fails step 2 with no_package when no package arrives within the timeout', async () => {
    const wf = workflow(host, uniqueOfferId('nopkg'));
    await wf.putOffer();
    await wf.uploadArtifacts();
    await wf.publish();
    // Step 2 shows InProgress before Waiting: the timeout's timer exists only once it waits.
    await eventually(
      async () => ((await wf.status()).steps[1]?.state === 'Waiting' ? true : undefined),
      'step 2 waiting',
    );
    await wf.waitingOnTimer();
    await wf.advanceClock('PT2H');
    const failed = await wf.waitFor('Failed');
    expect(failed.error).toMatchObject({ step: 'automated-validation', code: 'no_package' });
  });

  it('goes on with step 2 when the package is uploaded while it waits', async () => {
    const wf = workflow(host, uniqueOfferId('latepkg'));
    await wf.putOffer();
    await wf.uploadArtifacts();
    await wf.publish();
    await wf.waitFor('Running', 'automated-validation');
    await wf.uploadPackage();
    await wf.waitFor('WaitingForPublisher', 'publisher-signoff');
  });

  it('reminds the publisher while sign-off waits, once per interval', async () => {
    const wf = workflow(host, uniqueOfferId('remind'));
    await wf.prepare();
    await wf.publish();
    await wf.waitFor('WaitingForPublisher');
    await wf.waitingOnTimer();
    await wf.advanceClock('P4D');
    const reminders = await eventually(async () => {
      const found = (await wf.notifications()).filter((n) => n.transition === 'reminder');
      return found.length > 0 ? found : undefined;
    }, 'a reminder');
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.subject).toMatch(/waiting for your Go Live \(reminder 1\)/);
    expect((await wf.status()).state).toBe('WaitingForPublisher');
  });

  it('escalates a review past the SLA and shows the step overdue, then publishes on the promised date', async () => {
    const wf = workflow(host, uniqueOfferId('sla'));
    await wf.prepare();
    await wf.publishToReview();
    await wf.waitingOnTimer();
    await wf.advanceClock('P12D');
    const overdue = await eventually(async () => {
      const s = await wf.status();
      return s.steps[6]?.overdue ? s : undefined;
    }, 'the overdue flag');
    expect(overdue.state).toBe('WaitingForReview');
    // escalateReview writes the overdue flag, then the email: wait for the email too (the host may
    // be busy with the reconciler pass the same advance fired).
    const escalations = await eventually(async () => {
      const found = (await wf.notifications()).filter((n) => n.transition === 'escalated');
      return found.length > 0 ? found : undefined;
    }, 'the escalation email');
    expect(escalations).toHaveLength(1);
    expect(escalations[0]?.to).toBe('marketplace-reviews@example.com');

    const clock = await host.request('GET', '/admin/clock');
    const now = new Date(clock.json<{ now: string }>().now);
    const promised = new Date(now.getTime() + 3 * 86_400_000).toISOString().slice(0, 10);
    await wf.review('marketing', 'approved', { publishDate: promised });
    await wf.review('technical', 'approved');
    await wf.waitFor('Running', 'publish');
    await wf.waitingOnTimer();
    await wf.advanceClock('P4D');
    const live = await wf.waitFor('Live');
    expect(live.steps[6]).toMatchObject({ state: 'Succeeded', overdue: true });
  });
});
