import { makeGetHistory } from '../../functions/getHistory';
import { makeListNotifications } from '../../functions/listNotifications';
import { makeListSubmissions } from '../../functions/listSubmissions';
import { call, request, seedOffer, testServices, uniqueOfferId } from './support';

const services = testServices();

const get = (
  handler: ReturnType<typeof makeGetHistory>,
  offerId: string,
  path: string,
  as: 'ann' | 'bob' | 'mia' = 'ann',
) => call(handler, request('GET', `offers/${offerId}/${path}`, { as, params: { offerId } }));

describe('submissions, history and notifications', () => {
  it('answer the shapes of api.md, to the owner and reviewers, not to another publisher', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    await services.submissions.put({
      offerId,
      submissionId: '1',
      instanceId: `${offerId}-submission-1`,
      state: 'Failed',
      notificationEmail: 'ann@contoso.com',
      startedAt: '2030-01-01T00:00:00.000Z',
      endedAt: '2030-01-01T00:01:00.000Z',
      error: {
        step: 'validate-prerequisites',
        code: 'missing_fields',
        message: 'Fields missing',
        details: [],
      },
      snapshotBlobName: `${offerId}/1/offer.json`,
    });
    await services.history.append({
      offerId,
      submissionId: '1',
      step: 'validate-prerequisites',
      state: 'started',
      at: '2030-01-01T00:00:00.000Z',
      actor: 'system',
    });
    await services.outbox.add({
      offerId,
      submissionId: '1',
      key: '1|validate-prerequisites|started',
      to: 'ann@contoso.com',
      subject: 'Step 1 started',
      text: 'body text',
      step: 'validate-prerequisites',
      transition: 'started',
      sentAt: '2030-01-01T00:00:01.000Z',
      status: 'OutboxOnly',
    });

    const submissions = await get(makeListSubmissions(services), offerId, 'submissions');
    expect(submissions.status).toBe(200);
    expect(submissions.body).toEqual({
      submissions: [
        {
          submissionId: '1',
          state: 'Failed',
          startedAt: '2030-01-01T00:00:00.000Z',
          endedAt: '2030-01-01T00:01:00.000Z',
          error: {
            step: 'validate-prerequisites',
            code: 'missing_fields',
            message: 'Fields missing',
            details: [],
          },
        },
      ],
    });
    const history = await get(makeGetHistory(services), offerId, 'history', 'mia');
    expect(history.body).toEqual({
      events: [
        {
          submissionId: '1',
          step: 'validate-prerequisites',
          state: 'started',
          at: '2030-01-01T00:00:00.000Z',
          // api.md: every event has a message (only actor is optional), even a bare transition.
          message: 'Step 1 of 9, Validate Prerequisites, started.',
          actor: 'system',
        },
      ],
    });
    const notifications = await get(makeListNotifications(services), offerId, 'notifications');
    expect(notifications.body).toEqual({
      notifications: [
        {
          to: 'ann@contoso.com',
          subject: 'Step 1 started',
          step: 'validate-prerequisites',
          transition: 'started',
          sentAt: '2030-01-01T00:00:01.000Z',
          status: 'OutboxOnly',
          body: 'body text',
        },
      ],
    });
    for (const handler of [makeListSubmissions, makeGetHistory, makeListNotifications]) {
      const res = await get(handler(services), offerId, 'x', 'bob');
      expect([res.status, res.body.error.code]).toEqual([403, 'forbidden']);
      const unknown = await get(handler(services), uniqueOfferId(), 'x');
      expect([unknown.status, unknown.body.error.code]).toEqual([404, 'offer_not_found']);
    }
  });
});
