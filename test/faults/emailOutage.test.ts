/**
 * The email service failing for a while, then recovering (issue 8, "Faults"): the real host sends
 * through the real @azure/communication-email client to a local server speaking the ACS Email
 * protocol (test/support/fakeAcs.ts). Every notification ends Sent and reaches the service once.
 */
import { randomBytes } from 'node:crypto';
import { deliver } from '../../shared/notify/delivery';
import { createEmailSender } from '../../shared/adapters/email';
import { createStorageClients } from '../../shared/adapters/storage';
import { createNotificationOutbox } from '../../shared/adapters/tables/notificationOutbox';
import { useHostWithFakeAcs } from '../support/fakeAcs';
import { api, prepareOffer, publisherSteps, waitFor } from '../support/scenario';

interface NotificationRow {
  to: string;
  subject: string;
  step: string | null;
  transition: string;
  sentAt: string;
  status: string;
}

const env = useHostWithFakeAcs();

const offerIdFor = (label: string) => `mail-${label}-${randomBytes(4).toString('hex')}`;

async function notificationsOf(offerId: string): Promise<NotificationRow[]> {
  const res = await api(env.host.baseUrl).call<{ notifications: NotificationRow[] }>(
    'ann',
    'GET',
    `/api/offers/${offerId}/notifications`,
  );
  expect(res.status).toBe(200);
  return res.body.notifications;
}

/** The email's idempotency key, as the product builds it (offer|submission|step|transition). */
const keyOf = (offerId: string, submissionId: string, n: NotificationRow) =>
  `${offerId}|${submissionId}|${n.step}|${n.transition}`;

/**
 * The emails of a happy path, one per step change: [1 started, 1 succeeded, 2 started],
 * [2 succeeded, 3 skipped, 4 skipped, 5 started], [5 succeeded, 6 started, 6 waiting],
 * [6 succeeded, 7 started, 7 waiting], [7 succeeded, 8 started], [8 succeeded, 9 succeeded].
 */
const HAPPY_PATH_EMAILS = [
  'automated-validation:started',
  'appsource-packaging:started',
  'publisher-signoff:waiting',
  'marketing-technical-validation:waiting',
  'publish:started',
  'live:succeeded',
];

/** Each offer's emails go to its own address, so the service's messages can be told apart. */
const mailboxOf = (offerId: string) => `${offerId}@contoso.com`;

/** Messages the service accepted for this offer, per idempotency key. */
function acceptedFor(offerId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of env.acs.accepted)
    if (e.to.includes(mailboxOf(offerId))) counts.set(String(e.key), (counts.get(String(e.key)) ?? 0) + 1);
  return counts;
}

async function goLiveAndApprove(offerId: string) {
  const p = publisherSteps(env.host.baseUrl, offerId);
  expect((await p.goLive()).status).toBe(202);
  await p.waitForState(['WaitingForReview'], 30_000);
  expect((await p.review('marketing', { outcome: 'approved' })).status).toBe(202);
  expect((await p.review('technical', { outcome: 'approved' })).status).toBe(202);
  return p.waitForState(['Live', 'Failed'], 30_000);
}

/** Every notification Sent, and the service took each exactly once (none missing, none twice). */
async function expectEachSentOnce(offerId: string, submissionId: string) {
  const rows = await waitFor(
    'every notification sent',
    () => notificationsOf(offerId),
    (list) => list.length > 0 && list.every((n) => n.status === 'Sent'),
    20_000,
  );
  const keys = rows.map((n) => keyOf(offerId, submissionId, n));
  expect(new Set(keys).size).toBe(rows.length);
  const accepted = acceptedFor(offerId);
  expect([...accepted.keys()].sort()).toEqual([...keys].sort());
  expect([...accepted.values()].every((count) => count === 1)).toBe(true);
  for (const n of rows) {
    const mail = env.acs.accepted.find(
      (e) => e.to.includes(mailboxOf(offerId)) && e.key === keyOf(offerId, submissionId, n),
    );
    expect(mail?.subject).toBe(n.subject);
    expect(mail?.to).toEqual([mailboxOf(offerId)]);
  }
  expect(env.acs.protocolErrors).toEqual([]);
  return rows;
}

describe('email service outage', () => {
  it('a short outage (503s the SDK and the activity retry through) loses and repeats nothing', async () => {
    const offerId = offerIdFor('short');
    const p = await prepareOffer(env.host.baseUrl, offerId);
    const rejectedBefore = env.acs.rejected();
    // The SDK retries a 503 with retry-after three times at once, so one send call eats four
    // answers: six failures make the first send call fail and the activity's second one succeed.
    env.acs.failNextSends(6);
    const published = await p.publish(mailboxOf(offerId));
    expect(published.status).toBe(202);
    const { submissionId } = published.body;
    await p.waitForState(['WaitingForPublisher'], 30_000);
    const live = await goLiveAndApprove(offerId);
    expect(live.state).toBe('Live');

    expect(env.acs.rejected() - rejectedBefore).toBe(6);
    const rows = await expectEachSentOnce(offerId, submissionId);
    // One email per step change (design.md), each named after the change's last transition.
    expect(rows.map((n) => `${n.step}:${n.transition}`).sort()).toEqual(HAPPY_PATH_EMAILS.slice().sort());
  });

  it('a longer outage (every email up to sign-off fails) is made good by the next email that gets through', async () => {
    const offerId = offerIdFor('long');
    const p = await prepareOffer(env.host.baseUrl, offerId);
    env.acs.setOutage(true);
    let submissionId = '';
    try {
      const published = await p.publish(mailboxOf(offerId));
      expect(published.status).toBe(202);
      submissionId = published.body.submissionId;
      await p.waitForState(['WaitingForPublisher'], 60_000);
      // The submission was not held up by the outage, and each email so far gave up as Failed.
      const during = await waitFor(
        'the sign-off email to give up',
        () => notificationsOf(offerId),
        (list) => list.some((n) => n.step === 'publisher-signoff' && n.status === 'Failed'),
        20_000,
      );
      // Every email up to sign-off: the first three changes of the happy path.
      expect(during.map((n) => `${n.step}:${n.transition}`).sort()).toEqual(
        HAPPY_PATH_EMAILS.slice(0, 3).sort(),
      );
      expect(during.every((n) => n.status === 'Failed')).toBe(true);
      expect(acceptedFor(offerId).size).toBe(0);
    } finally {
      env.acs.setOutage(false);
    }

    const live = await goLiveAndApprove(offerId);
    expect(live.state).toBe('Live');
    await expectEachSentOnce(offerId, submissionId);
  });

  it('two deliveries that find the same Failed rows send each of them once (the claim is under ETag)', async () => {
    const offerId = offerIdFor('race');
    const outbox = createNotificationOutbox(
      createStorageClients({ AzureWebJobsStorage: process.env.TEST_STORAGE_CONNECTION }),
    );
    const email = createEmailSender({
      ACS_EMAIL_CONNECTION_STRING: env.acs.connectionString,
      ACS_EMAIL_SENDER: 'DoNotReply@marketplace.example.com',
    });
    if (!email) throw new Error('no email sender for the fake ACS');
    const note = (name: string) => ({
      offerId,
      submissionId: '1',
      key: `1|${name}|started`,
      to: mailboxOf(offerId),
      subject: `race ${name}`,
      text: name,
      step: null,
      transition: 'started',
      sentAt: new Date().toISOString(),
    });
    env.acs.setOutage(true);
    try {
      for (const name of ['a', 'b', 'c', 'd'])
        expect(await deliver({ outbox, email, backoffMs: [] }, note(name))).toBe('Failed');
    } finally {
      env.acs.setOutage(false);
    }
    const results = await Promise.all(
      ['e', 'f', 'g'].map((name) => deliver({ outbox, email, backoffMs: [] }, note(name))),
    );
    expect(results).toEqual(['Sent', 'Sent', 'Sent']);
    expect((await outbox.list(offerId)).map((n) => n.status)).toEqual(Array(7).fill('Sent'));
    const accepted = acceptedFor(offerId);
    expect(accepted.size).toBe(7);
    expect([...accepted.values()].every((count) => count === 1)).toBe(true);
  });
});
