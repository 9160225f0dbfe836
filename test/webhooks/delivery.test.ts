import { Webhook } from 'standardwebhooks';
import { RunningHost, startHost } from '../support/host';
import { asPerson } from '../support/principals';
import { eventually, uniqueOfferId, workflow } from '../workflow/flow';
import { removeAdminEndpoints } from './cleanup';
import { testServices } from '../steps/helpers';
import { Receiver, startReceiver } from './receiver';

// The delivery timers run on the host's clock, moved forward here as the workflow timer tests do.
jest.setTimeout(180_000);

const MAIN = 'dist/{functions,orchestrators,activities,test/webhooks/fixtures}/*.js';
let host: RunningHost;
const receivers: Receiver[] = [];

beforeAll(async () => {
  host = await startHost({ main: MAIN });
}, 60_000);
afterAll(async () => {
  await removeAdminEndpoints();
  await host?.stop();
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(answer?: (n: number) => number): Promise<Receiver> {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

async function register(r: Receiver, body: Record<string, unknown>, as: 'ann' | 'root' = 'ann') {
  const res = await host.request(
    'POST',
    '/api/webhooks',
    { url: r.url, events: ['*'], ...body },
    asPerson(as),
  );
  expect(res.status).toBe(201);
  const created = res.json<{ webhookId: string; secret: string }>();
  r.secrets.push(created.secret);
  return created;
}

type Ev = { type: string; submissionId: string | null; data: Record<string, unknown> };
async function append(offerId: string, events: Ev[]) {
  const res = await host.request('POST', `/api/test/offers/${offerId}/events`, { events });
  expect(res.status).toBe(200);
}

const step = (submissionId: string, n: number, stepId: string, state = 'Succeeded'): Ev => ({
  type: 'offer.submission.step-changed',
  submissionId,
  data: { n, step: stepId, transition: 'succeeded', state },
});

const ordered = (r: Receiver) => r.unique().map((x) => (x.body.data as { n: number }).n);

async function offer(label: string) {
  const id = uniqueOfferId(label);
  await workflow(host, id).putOffer();
  return id;
}

describe('webhook delivery through the local host', () => {
  it('delivers every event of a live and of a failed submission, signed, in order, once after de-dup', async () => {
    const offerId = await offer('wh-all');
    const mine = await receiver();
    const admins = await receiver();
    await register(mine, { offerIds: [offerId] });
    await register(admins, {}, 'root');
    const live: Ev[] = [
      step('s1', 0, 'prerequisites'),
      step('s1', 1, 'automated-validation'),
      step('s1', 2, 'publisher-signoff', 'WaitingForPublisher'),
      { type: 'offer.question.asked', submissionId: 's1', data: { n: 3, questionId: 'q1' } },
      { type: 'offer.question.answered', submissionId: 's1', data: { n: 4, questionId: 'q1' } },
      {
        type: 'offer.review.decided',
        submissionId: 's1',
        data: { n: 5, area: 'marketing', outcome: 'approved', comments: '' },
      },
      { type: 'offer.submission.live', submissionId: 's1', data: { n: 6, liveVersion: '1.0.0.0' } },
    ];
    const failed: Ev[] = [
      step('s2', 7, 'prerequisites'),
      {
        type: 'offer.submission.failed',
        submissionId: 's2',
        data: {
          n: 8,
          step: 'automated-validation',
          error: { code: 'package_invalid', details: [{ path: 'app.version', message: 'too low' }] },
        },
      },
    ];
    await append(offerId, live);
    await append(offerId, failed);
    for (const r of [mine, admins]) {
      const got = await eventually(async () => {
        const u = r.unique().filter((x) => x.body.source === `/offers/${offerId}`);
        return u.length >= 9 ? u : undefined;
      }, 'nine deliveries');
      expect(got.map((x) => (x.body.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect(r.received.every((x) => x.verified)).toBe(true);
    }
    const [first] = mine.unique();
    expect(first?.headers['content-type']).toBe('application/cloudevents+json');
    expect(first?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(first?.body).toMatchObject({
      specversion: '1.0',
      source: `/offers/${offerId}`,
      subject: 's1',
      type: 'offer.submission.step-changed',
      datacontenttype: 'application/json',
      data: {
        offerId,
        submissionId: 's1',
        step: 'prerequisites',
        statusUrl: expect.stringContaining(`/api/offers/${offerId}/status`),
        portalUrl: expect.stringContaining(`/api/portal#/offers/${offerId}`),
      },
    });
    expect(mine.unique()[8]?.body.data).toMatchObject({
      error: { code: 'package_invalid', details: [{ path: 'app.version' }] },
    });
  });

  it('retries a failing endpoint on the backoff while another endpoint of the offer is not delayed', async () => {
    const offerId = await offer('wh-retry');
    const flaky = await receiver((n) => (n < 3 ? 500 : 200));
    const steady = await receiver();
    const { webhookId } = await register(flaky, { offerIds: [offerId] });
    await register(steady, { offerIds: [offerId] });
    await append(offerId, [step('s1', 0, 'prerequisites'), step('s1', 1, 'automated-validation')]);

    await eventually(async () => (ordered(steady).length === 2 ? true : undefined), 'the steady endpoint');
    // Both events reached the steady endpoint while the flaky one has not taken its first.
    expect(flaky.unique()).toHaveLength(0);
    await eventually(async () => (flaky.received.length >= 2 ? true : undefined), 'the retry after 5 s');
    await host.request('POST', '/admin/clock/advance', { by: 'PT5M' });
    await eventually(async () => (flaky.received.length >= 3 ? true : undefined), 'the retry after 5 min');
    expect(flaky.unique()).toHaveLength(0);
    await host.request('POST', '/admin/clock/advance', { by: 'PT30M' });
    await eventually(async () => (ordered(flaky).length === 2 ? true : undefined), 'the retry after 30 min');
    expect(ordered(flaky)).toEqual([0, 1]);
    expect(flaky.received.map((r) => r.status)).toEqual([500, 500, 500, 200, 200]);
    // The same event each time: one webhook-id for the four attempts of the first.
    expect(new Set(flaky.received.slice(0, 4).map((r) => r.id)).size).toBe(1);

    const log = await eventually(async () => {
      const res = await host.request(
        'GET',
        `/api/webhooks/${webhookId}/deliveries?top=1`,
        undefined,
        asPerson('ann'),
      );
      const page = res.json<{
        deliveries: { state: string; attempts: unknown[] }[];
        continuation: string | null;
      }>();
      return page.deliveries[0]?.state === 'Succeeded' ? page : undefined;
    }, 'the newest delivery succeeded');
    expect(log.deliveries).toHaveLength(1);
    const older = await host.request(
      'GET',
      `/api/webhooks/${webhookId}/deliveries?top=5&continuation=${encodeURIComponent(log.continuation ?? '')}`,
      undefined,
      asPerson('ann'),
    );
    const first = older.json<{
      deliveries: {
        state: string;
        nextAttemptAt: null;
        attempts: { statusCode: number; response?: string }[];
      }[];
    }>().deliveries[0];
    expect(first?.state).toBe('Succeeded');
    expect(first?.nextAttemptAt).toBeNull();
    expect(first?.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500, 200]);
    expect(first?.attempts[0]?.response).toHaveLength(1024);
  });

  it('pings, redelivers with the same id, signs with both secrets for a day after rotation, and never shows a secret', async () => {
    const offerId = await offer('wh-ping');
    const r = await receiver();
    const { webhookId, secret } = await register(r, { offerIds: [offerId] });
    const ping = await host.request('POST', `/api/webhooks/${webhookId}/ping`, undefined, asPerson('ann'));
    expect(ping.status).toBe(202);
    await eventually(
      async () => (r.unique().some((x) => x.type === 'webhook.ping') ? true : undefined),
      'the ping',
    );

    await append(offerId, [step('s1', 0, 'prerequisites')]);
    const delivered = await eventually(
      async () => r.unique().find((x) => x.type !== 'webhook.ping'),
      'the event',
    );
    const rotatedRes = await host.request(
      'POST',
      `/api/webhooks/${webhookId}/rotate-secret`,
      undefined,
      asPerson('ann'),
    );
    const newSecret = rotatedRes.json<{ secret: string }>().secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);

    const deliveries = (
      await host.request('GET', `/api/webhooks/${webhookId}/deliveries`, undefined, asPerson('ann'))
    ).json<{ deliveries: { deliveryId: string; eventId: string }[] }>().deliveries;
    const original = deliveries.find((d) => d.eventId === delivered.id)!;
    const again = await host.request(
      'POST',
      `/api/webhooks/${webhookId}/deliveries/${original.deliveryId}/redeliver`,
      undefined,
      asPerson('ann'),
    );
    expect(again.status).toBe(202);
    const copy = await eventually(
      async () =>
        r.received.filter((x) => x.id === delivered.id).length >= 2 ? r.received.at(-1) : undefined,
      'the redelivery',
    );
    expect(copy?.id).toBe(delivered.id);
    const signatures = String(copy?.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    const raw = JSON.stringify(copy?.body);
    for (const s of [secret, newSecret])
      expect(() => new Webhook(s).verify(raw, copy?.headers as Record<string, string>)).not.toThrow();

    for (const path of [`/api/webhooks/${webhookId}`, '/api/webhooks']) {
      const read = await host.request('GET', path, undefined, asPerson('ann'));
      expect(read.status).toBe(200);
      expect(read.text).toContain('"secret":"***"');
      expect(read.text).not.toContain(secret);
      expect(read.text).not.toContain(newSecret);
    }
    const output = host.output();
    for (const s of [secret, newSecret]) {
      expect(output).not.toContain(s);
      expect(output).not.toContain(s.slice('whsec_'.length));
    }
  });

  it('delivers what a step change wrote when an activity kicks (the durable client input of an activity)', async () => {
    const offerId = await offer('wh-activity');
    const r = await receiver();
    await register(r, { offerIds: [offerId] });
    const res = await host.request('POST', `/api/test/offers/${offerId}/events-kicked-by-activity`, {
      events: [step('s1', 0, 'prerequisites'), step('s1', 1, 'automated-validation')],
    });
    expect(res.status).toBe(200);
    await eventually(async () => (ordered(r).length === 2 ? true : undefined), 'both events');
    expect(ordered(r)).toEqual([0, 1]);
  });

  it('disables an endpoint that answers 410 Gone', async () => {
    const offerId = await offer('wh-gone');
    const r = await receiver(() => 410);
    const { webhookId } = await register(r, { offerIds: [offerId] });
    await append(offerId, [step('s1', 0, 'prerequisites'), step('s1', 1, 'automated-validation')]);
    const disabled = await eventually(async () => {
      const res = await host.request('GET', `/api/webhooks/${webhookId}`, undefined, asPerson('ann'));
      const view = res.json<{ enabled: boolean; disabledReason: string | null }>();
      return view.enabled ? undefined : view;
    }, 'the endpoint disabled');
    expect(disabled.disabledReason).toMatch(/410/);
    expect(r.received).toHaveLength(1);
    // A ping still goes to the disabled endpoint (api.md: 202): how its owner tests it, once.
    const ping = await host.request('POST', `/api/webhooks/${webhookId}/ping`, undefined, asPerson('ann'));
    expect(ping.status).toBe(202);
    await eventually(async () => (r.received.length === 2 ? true : undefined), 'the ping');
    expect(r.received[1]?.body.type).toBe('webhook.ping');
    const deliveries = await eventually(async () => {
      const res = await host.request(
        'GET',
        `/api/webhooks/${webhookId}/deliveries`,
        undefined,
        asPerson('ann'),
      );
      const list = res.json<{ deliveries: { type: string; state: string }[] }>().deliveries;
      return list.find((d) => d.type === 'webhook.ping' && d.state !== 'Pending') ? list : undefined;
    }, 'the ping recorded');
    expect(deliveries.find((d) => d.type === 'webhook.ping')?.state).toBe('Failed');
  });

  it('resumes where it stopped when a disabled endpoint is enabled again', async () => {
    const offerId = await offer('wh-back');
    const later = await offer('wh-back2');
    let gone = true;
    const r = await receiver(() => (gone ? 410 : 200));
    const { webhookId } = await register(r, { offerIds: [offerId, later] });
    await append(offerId, [step('s1', 0, 'prerequisites'), step('s1', 1, 'automated-validation')]);
    await eventually(async () => {
      const res = await host.request('GET', `/api/webhooks/${webhookId}`, undefined, asPerson('ann'));
      return res.json<{ enabled: boolean }>().enabled ? undefined : true;
    }, 'the endpoint disabled');
    // An event of another offer while it is disabled waits too.
    await append(later, [step('s1', 2, 'prerequisites')]);
    // Fixed, then enabled again: no new event comes to kick either offer's delivery.
    gone = false;
    const enabled = await host.request(
      'PATCH',
      `/api/webhooks/${webhookId}`,
      { enabled: true },
      asPerson('ann'),
    );
    expect(enabled.status).toBe(200);
    await eventually(
      async () => (ordered(r).length === 3 ? true : undefined),
      'the three events after enabling',
    );
    expect(ordered(r).filter((n) => n < 2)).toEqual([0, 1]);
    expect(ordered(r)).toContain(2);
  });

  it('takes webhook.ping as an event type of its own', async () => {
    const r = await receiver();
    // One offer named, so that the endpoint covers no other suite's offers of this publisher.
    const { webhookId } = await register(r, {
      events: ['webhook.ping'],
      offerIds: [await offer('wh-pingonly')],
    });
    const ping = await host.request('POST', `/api/webhooks/${webhookId}/ping`, undefined, asPerson('ann'));
    expect(ping.status).toBe(202);
    await eventually(async () => (r.unique().length === 1 ? true : undefined), 'the ping');
    expect(r.unique()[0]?.body.type).toBe('webhook.ping');
  });
  // Last in this file: it moves the host's clock by more than a day.
  it('disables an endpoint whose deliveries failed for a whole day, and emails its owner', async () => {
    const offerId = await offer('wh-day');
    const r = await receiver(() => 503);
    const { webhookId } = await register(r, { offerIds: [offerId] });
    await append(offerId, [step('s1', 0, 'prerequisites')]);
    // The backoff's last step would come at 27 h 35 min; the eighth attempt comes when the day is up.
    const waits = ['PT5S', 'PT5M', 'PT30M', 'PT2H', 'PT5H', 'PT10H', 'PT6H25M'];
    for (const [i, by] of waits.entries()) {
      await eventually(async () => (r.received.length >= i + 1 ? true : undefined), `attempt ${i + 1}`);
      await host.request('POST', '/admin/clock/advance', { by });
    }
    const disabled = await eventually(async () => {
      const view = (
        await host.request('GET', `/api/webhooks/${webhookId}`, undefined, asPerson('ann'))
      ).json<{
        enabled: boolean;
        disabledReason: string | null;
      }>();
      return view.enabled ? undefined : view;
    }, 'the endpoint disabled');
    expect(disabled.disabledReason).toMatch(/24 hours/);
    expect(r.received).toHaveLength(8);
    // The endpoint's own outbox partition, never the offer's (its notifications are the publisher's).
    const mail = await eventually(async () => {
      const list = await testServices().outbox.list(`~webhook~${webhookId}`);
      return list.find((n) => n.transition === 'webhook-disabled');
    }, 'the email to the owner');
    const offerMails = (
      await host.request('GET', `/api/offers/${offerId}/notifications`, undefined, asPerson('ann'))
    ).json<{ notifications: { transition: string }[] }>().notifications;
    expect(offerMails.some((n) => n.transition === 'webhook-disabled')).toBe(false);
    expect(mail).toMatchObject({ to: 'ann@contoso.com', subject: expect.stringMatching(/disabled/) });
    const log = (
      await host.request('GET', `/api/webhooks/${webhookId}/deliveries`, undefined, asPerson('ann'))
    ).json<{
      deliveries: { state: string; attempts: unknown[] }[];
    }>();
    expect(log.deliveries[0]).toMatchObject({ state: 'Failed' });
    expect(log.deliveries[0]?.attempts).toHaveLength(8);
  });

  // Moves the host's clock by a day too.
  it("signs with every old secret within its 24 hours on the workflow's clock", async () => {
    const r = await receiver();
    const only = { events: ['webhook.ping'], offerIds: [await offer('wh-rotate')] };
    const { webhookId, secret } = await register(r, only);
    const rotate = async () =>
      (
        await host.request('POST', `/api/webhooks/${webhookId}/rotate-secret`, undefined, asPerson('ann'))
      ).json<{ secret: string }>().secret;
    const first = await rotate();
    const second = await rotate();
    r.secrets.push(first, second); // the receiver verifies with any of them
    const pinged = async (count: number) => {
      await host.request('POST', `/api/webhooks/${webhookId}/ping`, undefined, asPerson('ann'));
      const got = await eventually(async () => r.unique()[count - 1], `ping ${count}`);
      const raw = JSON.stringify(got.body);
      const signs = (s: string) => {
        try {
          new Webhook(s).verify(raw, got.headers as Record<string, string>);
          return true;
        } catch {
          return false;
        }
      };
      return [secret, first, second].map(signs);
    };
    // Two rotations within the day: the original and the first new secret still sign.
    expect(await pinged(1)).toEqual([true, true, true]);
    await host.request('POST', '/admin/clock/advance', { by: 'PT25H' });
    // A day later on the workflow's clock: the current secret alone.
    expect(await pinged(2)).toEqual([false, false, true]);
  });
});
