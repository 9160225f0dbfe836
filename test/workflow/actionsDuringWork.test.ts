import { CONTAINERS } from '../../shared/contracts/names';
import { useHostWithFakeAcs } from '../support/fakeAcs';
import { appJson, unzip, withOwnAppId, zipPackage } from '../support/packages';
import { testServices } from '../api/support';
import { eventually, uniqueOfferId, workflow } from './flow';

/**
 * design.md "Guarantees of the workflow", end to end through the local host: an action that got
 * 202 takes effect whatever the orchestration is doing, and what is previewed is what goes live.
 * The fake email service is switched to an outage where a test needs the orchestration busy:
 * each email then takes about 1.5 s of retries, so a reminder, an escalation or a transition is
 * still being sent when the next request lands.
 */
const env = useHostWithFakeAcs();
const services = testServices();

/** Waits until the outbox holds a notification of this transition (it is written before the send). */
async function sending(wf: ReturnType<typeof workflow>, transition: string): Promise<void> {
  await eventually(
    async () => ((await wf.notifications()).some((n) => n.transition === transition) ? true : undefined),
    `the ${transition} email being sent`,
  );
}

/**
 * Waits until the orchestration waits on its timer (the last event of its history). A step change
 * is written first and mailed after (design.md "A step change is one write"), so the status shows
 * the wait while the activity is still sending, and the orchestration starts its wait (and its
 * timers) only once the activity is done: a clock advance before that would pass no timer.
 */
async function onItsTimer(offerId: string, submissionId = '1'): Promise<void> {
  const instance = `/runtime/webhooks/durabletask/instances/${offerId}-submission-${submissionId}`;
  await eventually(async () => {
    const res = await env.host.request('GET', `${instance}?showHistory=true`);
    const events = res.json<{ historyEvents?: { EventType: string }[] }>().historyEvents ?? [];
    return events.at(-1)?.EventType === 'TimerCreated' ? true : undefined;
  }, 'the orchestration waiting on its timer');
}

afterEach(() => env.acs.setOutage(false));

describe('no accepted action is lost', () => {
  it('Go Live pressed while a sign-off reminder is being sent proceeds', async () => {
    const offerId = uniqueOfferId('golive-reminder');
    const wf = workflow(env.host, offerId);
    await wf.prepare();
    expect((await wf.publish()).status).toBe(202);
    await wf.waitFor('WaitingForPublisher');
    await onItsTimer(offerId);
    env.acs.setOutage(true);
    await wf.advanceClock('P3DT1H');
    await sending(wf, 'reminder');
    expect((await wf.goLive()).status).toBe(202);
    env.acs.setOutage(false);
    const review = await wf.waitFor('WaitingForReview');
    expect(review.steps[5]).toMatchObject({ id: 'publisher-signoff', state: 'Succeeded' });
  });

  it('a review decision sent while the escalation is being sent counts', async () => {
    const offerId = uniqueOfferId('review-escalation');
    const wf = workflow(env.host, offerId);
    await wf.prepare();
    await wf.publishToReview();
    await onItsTimer(offerId);
    env.acs.setOutage(true);
    await wf.advanceClock('P12D');
    await sending(wf, 'escalated');
    expect((await wf.review('marketing', 'approved')).status).toBe(202);
    expect((await wf.review('technical', 'approved')).status).toBe(202);
    env.acs.setOutage(false);
    const live = await wf.waitFor('Live');
    expect(live.steps[6]).toMatchObject({ state: 'Succeeded', overdue: true });
  });

  it('Cancel pressed right after Go Live cancels', async () => {
    const wf = workflow(env.host, uniqueOfferId('golive-cancel'));
    await wf.prepare();
    expect((await wf.publish()).status).toBe(202);
    await wf.waitFor('WaitingForPublisher');
    env.acs.setOutage(true);
    expect((await wf.goLive()).status).toBe(202);
    expect((await wf.cancel()).status).toBe(202);
    env.acs.setOutage(false);
    const canceled = await wf.waitFor('Canceled');
    expect(canceled.steps.every((s) => s.state === 'NotStarted')).toBe(true);
    const history = await wf.history();
    expect(history.filter((e) => e.state === 'canceled')).toHaveLength(1);
  });
});

describe('what is previewed is what goes live', () => {
  it('packs and publishes the validated package byte for byte while another upload lands during steps 3-4', async () => {
    const offerId = uniqueOfferId('preview');
    const wf = workflow(env.host, offerId);
    await wf.prepare();
    const validated = zipPackage(withOwnAppId(appJson(), offerId)); // as wf.prepare uploaded it
    env.acs.setOutage(true); // every transition email takes ~1.5 s: steps 3-4 last a few seconds
    const published = await wf.publish();
    expect(published.status).toBe(202);
    const { submissionId } = published.json<{ submissionId: string }>();
    await eventually(async () => {
      const s = await wf.status();
      return s.steps[1]?.state === 'Succeeded' ? s : undefined;
    }, 'step 2 passed');
    // The same file name, other bytes (and a manifest that passes too): the next submission's package.
    const later = zipPackage(
      withOwnAppId(appJson({ description: 'A later build, for the next submission.' }), offerId),
    );
    expect(later.equals(validated)).toBe(false);
    await wf.uploadPackage(appJson({ description: 'A later build, for the next submission.' }));
    expect((await wf.status()).steps[4]?.state).not.toBe('Succeeded');
    env.acs.setOutage(false);
    await wf.waitFor('WaitingForPublisher');

    const preview = await services.blobs.download({
      container: CONTAINERS.previews,
      name: `${offerId}/${submissionId}/preview.zip`,
    });
    const entries = await unzip(preview ?? Buffer.alloc(0));
    expect(entries.get('package/sales.zip')?.equals(validated)).toBe(true);

    expect((await wf.goLive()).status).toBe(202);
    await wf.waitFor('WaitingForReview');
    expect((await wf.review('marketing', 'approved')).status).toBe(202);
    expect((await wf.review('technical', 'approved')).status).toBe(202);
    await wf.waitFor('Live');
    const live = await services.blobs.download({
      container: CONTAINERS.published,
      name: `${offerId}/${submissionId}/sales.zip`,
    });
    expect(live?.equals(validated)).toBe(true);
  });
});
