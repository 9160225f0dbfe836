/**
 * Issue 31's first "done when", end to end on the local host: a receiver (a real HTTP server that
 * verifies every signature with `standardwebhooks`) gets every event of a submission from upload
 * to Live, and of a failed one, in the order they happened, each once after de-duplication by
 * `webhook-id`. The events come from the step changes themselves (the same transaction that
 * records each change) and from the reviewers' decisions.
 */
import { RunningAzurite, startAzurite } from '../../devhost/azurite';
import { RunningHost, startHost } from '../support/host';
import { asPerson } from '../support/principals';
import { driveToLive, prepareOffer, publisherSteps, sleep } from '../support/scenario';
import { uniqueOfferId } from '../steps/helpers';
import { Received, Receiver, startReceiver } from './receiver';

let azurite: RunningAzurite;
let host: RunningHost;
const receivers: Receiver[] = [];

// Storage of its own: the moved clock below makes this host's reconciler end, as orphans, every
// submission other suites left active in the shared Azurite (their instances live in other task
// hubs), and kick their webhooks. In full CI runs that backlog held this suite's submission up for
// over a minute, at step 2 or step 8 depending on which suites had run before.
beforeAll(async () => {
  azurite = await startAzurite().catch(() => startAzurite());
  host = await startHost({ env: { AzureWebJobsStorage: azurite.connectionString } });
}, 90_000);
afterAll(async () => {
  await host?.stop();
  await Promise.all(receivers.map((r) => r.close()));
  await azurite?.stop();
});

/** A wait of the moved-clock test that fails with the host's output (what held it up). */
function withHostOutput<T>(wait: Promise<T>): Promise<T> {
  return wait.catch((error: Error) => {
    throw new Error(`${error.message}\n--- host output (tail) ---\n${host.output().slice(-8000)}`);
  });
}

async function subscribe(offerId: string): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  const res = await host.request(
    'POST',
    '/api/webhooks',
    { url: r.url, events: ['*'], offerIds: [offerId] },
    asPerson('ann'),
  );
  expect(res.status).toBe(201);
  r.secrets.push(res.json<{ secret: string }>().secret);
  return r;
}

async function until(r: Receiver, done: (events: Received[]) => boolean, what: string): Promise<Received[]> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (done(r.unique())) return r.unique();
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(r.unique().map(told))}`);
}

/** `type step transition`, what a CI job would print of an event. */
function told(e: Received): string {
  const data = e.body.data as { step?: string; transition?: string; area?: string };
  return [e.type, data.step ?? data.area, data.transition].filter(Boolean).join(' ');
}

describe('webhook events of step changes', () => {
  it('delivers every event of a submission from upload to Live, in order, once each', async () => {
    const offerId = uniqueOfferId('wh-live');
    await publisherSteps(host.baseUrl, offerId).describe();
    const r = await subscribe(offerId);
    await prepareOffer(host.baseUrl, offerId);
    const run = await driveToLive(host.baseUrl, offerId);
    expect(run.status.state).toBe('Live');
    const events = await until(r, (es) => es.some((e) => e.type === 'offer.submission.live'), 'Live');
    expect(r.received.every((e) => e.verified)).toBe(true);
    expect(events.map(told)).toEqual([
      'offer.submission.step-changed automated-validation started',
      'offer.submission.step-changed appsource-packaging started',
      'offer.submission.step-changed publisher-signoff waiting',
      'offer.submission.step-changed marketing-technical-validation waiting',
      'offer.review.decided marketing',
      'offer.review.decided technical',
      'offer.submission.step-changed publish started',
      'offer.submission.step-changed live succeeded',
      'offer.submission.live',
    ]);
    const live = events[events.length - 1]!;
    expect(live.body).toMatchObject({
      specversion: '1.0',
      source: `/offers/${offerId}`,
      subject: '1',
      data: { offerId, submissionId: '1', liveVersion: '1.2.0.0' },
    });
    // Each event once: redeliveries would carry the same webhook-id.
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  }, 180_000);

  it('delivers a failed submission with its error and details', async () => {
    const offerId = uniqueOfferId('wh-fail');
    const p = publisherSteps(host.baseUrl, offerId);
    await p.describe({ summary: undefined });
    const r = await subscribe(offerId);
    expect((await p.publish()).status).toBe(202);
    const events = await until(
      r,
      (es) => es.some((e) => e.type === 'offer.submission.failed'),
      'the failure',
    );
    expect(events.map(told)).toEqual([
      'offer.submission.step-changed validate-prerequisites failed',
      'offer.submission.failed validate-prerequisites',
    ]);
    const failed = events[1]!.body.data as { error: { code: string; details: { path: string }[] } };
    expect(failed.error.code).toBe('missing_fields');
    expect(failed.error.details.map((d) => d.path)).toContain('summary');
  }, 120_000);

  // The local host's clock, moved forward as the timer tests move it, is the workflow's: the events
  // the routes stamp (questions, answers, decisions) were stamped with real time, older than an
  // endpoint registered on the workflow's clock, and never delivered (the storage-outage suite
  // found it after its generated schedules had moved the clock).
  it('delivers the questions and the decisions after the clock was moved forward', async () => {
    for (;;) {
      const moved = await host.request('POST', '/admin/clock/advance', { by: 'PT6H' });
      if (moved.status === 200) break;
      await sleep(200);
    }
    const offerId = uniqueOfferId('wh-clock');
    const p = publisherSteps(host.baseUrl, offerId);
    await p.describe();
    const r = await subscribe(offerId);
    await prepareOffer(host.baseUrl, offerId);
    expect((await p.publish()).status).toBe(202);
    expect((await withHostOutput(p.waitForState(['WaitingForPublisher', 'Failed'], 60_000))).state).toBe(
      'WaitingForPublisher',
    );
    await p.goLive();
    await withHostOutput(p.waitForState(['WaitingForReview'], 60_000));
    const asked = await host.request(
      'POST',
      `/api/offers/${offerId}/questions`,
      { area: 'marketing', text: 'Is the logo final?' },
      asPerson('mia'),
    );
    expect(asked.status).toBe(201);
    const { questionId } = asked.json<{ questionId: string }>();
    const answered = await host.request(
      'POST',
      `/api/offers/${offerId}/questions/${questionId}/answers`,
      { text: 'Yes.' },
      asPerson('ann'),
    );
    expect(answered.status).toBe(201);
    await p.review('marketing', { outcome: 'approved' });
    await p.review('technical', { outcome: 'approved' });
    // A bound for liveness, not a timing: on a loaded CI machine step 8 has taken more than 60 s.
    const end = await withHostOutput(p.waitForState(['Live', 'Failed'], 180_000));
    expect(end.state).toBe('Live');
    const events = await withHostOutput(
      until(r, (es) => es.some((e) => e.type === 'offer.submission.live'), 'Live'),
    );
    expect(events.map(told)).toEqual([
      'offer.submission.step-changed automated-validation started',
      'offer.submission.step-changed appsource-packaging started',
      'offer.submission.step-changed publisher-signoff waiting',
      'offer.submission.step-changed marketing-technical-validation waiting',
      'offer.question.asked marketing',
      'offer.question.answered',
      'offer.review.decided marketing',
      'offer.review.decided technical',
      'offer.submission.step-changed publish started',
      'offer.submission.step-changed live succeeded',
      'offer.submission.live',
    ]);
  }, 360_000);
});
