import { makeCancelSubmission } from '../../functions/cancelSubmission';
import { makeGetStatus } from '../../functions/getStatus';
import { makeGoLive } from '../../functions/goLive';
import { makePublishOffer } from '../../functions/publishOffer';
import { makeSubmitReview } from '../../functions/submitReview';
import { CONTAINERS, EVENTS, ORCHESTRATORS } from '../../shared/contracts/names';
import { publishInputSchema } from '../../shared/contracts/orchestration';
import { STEP_IDS } from '../../shared/domain/steps';

/** A promised date within the 365-day bound (design.md "Promised dates are plausible"). */
const SOON = new Date(Date.now() + 100 * 86_400_000).toISOString().slice(0, 10);
import {
  Person,
  RecordingClient,
  at,
  call,
  callWith,
  request,
  seedOffer,
  seedStatus,
  testServices,
  uniqueOfferId,
} from './support';

const services = testServices();
const publish = makePublishOffer(services);
const getStatus = makeGetStatus(services);
const goLive = makeGoLive(services);
const cancel = makeCancelSubmission(services);
const review = makeSubmitReview(services);

const post = (
  path: string,
  offerId: string,
  as: Person | undefined,
  body?: unknown,
  params: Record<string, string> = {},
) => request('POST', `offers/${offerId}/${path}`, { as, params: { offerId, ...params }, body });
const publishReq = (
  offerId: string,
  as: Person = 'ann',
  body: unknown = { notificationEmail: 'ann@contoso.com' },
) => post('publish', offerId, as, body);
const statusOf = (offerId: string, as: Person = 'ann') =>
  call(getStatus, request('GET', `offers/${offerId}/status`, { as, params: { offerId } }));

describe('POST /api/offers/{offerId}/publish', () => {
  it('starts submission 1 with a snapshot, a record and an orchestration, and answers 202 with Location', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const client = new RecordingClient();
    const res = await callWith(publish, client, publishReq(offerId));
    const statusUrl = `https://publish.example/api/offers/${offerId}/status`;
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ submissionId: '1', statusUrl });
    expect(res.headers.get('location')).toBe(statusUrl);

    expect(client.started).toHaveLength(1);
    const started = client.started[0]!;
    expect(started.name).toBe(ORCHESTRATORS.publishSubmission);
    expect(started.instanceId).toBe(`${offerId}-submission-1`);
    const input = publishInputSchema.parse(started.input);
    expect(input).toMatchObject({ offerId, submissionId: '1', notificationEmail: 'ann@contoso.com' });
    const snapshot = await services.blobs.download({
      container: CONTAINERS.submissions,
      name: input.snapshotBlobName,
    });
    expect(input.snapshotBlobName).toBe(`${offerId}/1/offer.json`);
    expect(JSON.parse(snapshot!.toString()).offerId).toBe(offerId);
    expect(await services.submissions.get(offerId, '1')).toMatchObject({ state: 'Running', endedAt: null });

    const status = await statusOf(offerId);
    expect(status.body).toMatchObject({
      submissionId: '1',
      state: 'Running',
      currentStep: 'validate-prerequisites',
    });
  });

  it("stamps the submission with the workflow's clock, the one its steps use (the host clock locally)", async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const later = new Date('2041-06-07T08:09:10.000Z');
    const clocked = makePublishOffer(services, { now: async () => later });
    expect((await callWith(clocked, new RecordingClient(), publishReq(offerId))).status).toBe(202);
    expect((await services.submissions.get(offerId, '1'))?.startedAt).toBe(later.toISOString());
    expect((await statusOf(offerId)).body.updatedAt).toBe(later.toISOString());
  });

  it('numbers the next submission after a finished one', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    await seedStatus(services, offerId, at('Failed', 'automated-validation', {}, '4'));
    const res = await callWith(publish, new RecordingClient(), publishReq(offerId));
    expect(res.body.submissionId).toBe('5');
  });

  it('is 409 submission_active while a submission runs', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    await seedStatus(services, offerId, at('WaitingForReview', 'marketing-technical-validation'));
    const res = await callWith(publish, new RecordingClient(), publishReq(offerId));
    expect([res.status, res.body.error.code]).toEqual([409, 'submission_active']);
  });

  it('starts one submission for two concurrent clicks, even in the same millisecond', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const client = new RecordingClient();
    // One instant for both: their claims are then the same status but for who made them.
    const instant = new Date();
    const sameMillisecond = makePublishOffer(services, { now: async () => instant });
    const answers = await Promise.all(
      [1, 2].map(() => callWith(sameMillisecond, client, publishReq(offerId))),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    expect(client.started).toHaveLength(1);
    expect(await services.submissions.list(offerId)).toHaveLength(1);
  });

  it('is 400 for a missing or invalid email, naming the field', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    for (const body of [{}, { notificationEmail: 'not-an-email' }]) {
      const res = await callWith(publish, new RecordingClient(), publishReq(offerId, 'ann', body));
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'notificationEmail' })]);
    }
  });

  it('leaves the status as it was when the orchestration cannot be started', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const failing = new RecordingClient();
    failing.startNew = async () => {
      throw new Error('task hub unavailable');
    };
    // No instance came of it: the durable client does not know the instance.
    failing.getStatus = async () => {
      throw new Error('DurableClient error: HTTP 404');
    };
    const res = await callWith(publish, failing, publishReq(offerId));
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('internal');
    expect(res.body.error.correlationId).toEqual(expect.any(String));
    expect(JSON.stringify(res.body)).not.toContain('task hub unavailable');
    // A refused Publish leaves nothing behind: the status is as before, and no submission is listed.
    expect((await services.statuses.get(offerId))?.state).toBe('NotStarted');
    expect(await services.submissions.list(offerId)).toEqual([]);
  });

  it('is 403 for another publisher and a reviewer, 404 for an unknown offer', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    for (const who of ['bob', 'mia'] as const) {
      const res = await callWith(publish, new RecordingClient(), publishReq(offerId, who));
      expect([res.status, res.body.error.code]).toEqual([403, 'forbidden']);
    }
    const unknown = await callWith(publish, new RecordingClient(), publishReq(uniqueOfferId()));
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'offer_not_found']);
  });
});

describe('GET /api/offers/{offerId}/status', () => {
  it('is NotStarted with all nine steps before any Publish, and offers publish to the owner', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const res = await statusOf(offerId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      offerId,
      submissionId: null,
      state: 'NotStarted',
      error: null,
      actions: ['publish'],
    });
    expect(res.body.steps.map((s: { id: string }) => s.id)).toEqual(STEP_IDS);
    expect(
      res.body.steps.every(
        (s: { state: string; estimate: string }) => s.state === 'NotStarted' && s.estimate,
      ),
    ).toBe(true);
    expect((await statusOf(offerId, 'mia')).body.actions).toEqual([]);
  });

  it('shows the preview with the hidekey to the owner only at sign-off (reviewers and Admin from step 7 on)', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    await seedStatus(
      services,
      offerId,
      at('WaitingForPublisher', 'publisher-signoff', {
        hidekey: 'k-secret-1',
        previewBlobName: `${offerId}/1/preview.zip`,
      }),
    );
    const owner = await statusOf(offerId);
    expect(owner.body.preview).toEqual({
      url: `https://publish.example/api/offers/${offerId}/preview?hidekey=k-secret-1`,
    });
    expect(owner.body.actions).toEqual(['goLive', 'cancel']);
    for (const who of ['mia', 'tom', 'root'] as const) {
      const other = await statusOf(offerId, who);
      expect(other.body.preview).toBeUndefined();
      expect(JSON.stringify(other.body)).not.toContain('k-secret-1');
    }
    expect(JSON.stringify(owner.body).split('k-secret-1')).toHaveLength(2);
  });

  it('shows the promised publish date and review actions during review', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const decision = {
      area: 'marketing' as const,
      outcome: 'approved' as const,
      publishDate: '2030-01-02',
      reviewer: 'mia',
      decidedAt: '2029-12-01T00:00:00Z',
    };
    await seedStatus(
      services,
      offerId,
      at('WaitingForReview', 'marketing-technical-validation', { reviews: { marketing: decision } }),
    );
    const tom = await statusOf(offerId, 'tom');
    expect(tom.body).toMatchObject({ publishDate: '2030-01-02', actions: ['review'] });
    expect((await statusOf(offerId, 'mia')).body.actions).toEqual([]);
    expect((await statusOf(offerId)).body.actions).toEqual(['cancel']);
  });

  it("is 403 for another publisher's offer", async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const res = await statusOf(offerId, 'bob');
    expect([res.status, res.body.error.code]).toEqual([403, 'forbidden']);
  });
});

describe('POST /api/offers/{offerId}/go-live', () => {
  it('makes one transition for ten concurrent clicks and answers each with 202', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    await seedStatus(services, offerId, at('WaitingForPublisher', 'publisher-signoff'));
    const client = new RecordingClient();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => callWith(goLive, client, post('go-live', offerId, 'ann'))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    // Raise or fail: clicks racing before the first delivery may each raise (the orchestrator
    // takes the first Go Live); the transition itself is one (test/workflow/interleaving).
    expect(client.raised.length).toBeGreaterThanOrEqual(1);
    for (const raised of client.raised) {
      expect(raised).toMatchObject({ instanceId: `${offerId}-submission-1`, eventName: EVENTS.goLive });
    }
    expect((await services.statuses.get(offerId))?.goLiveAt).toEqual(expect.any(String));
  });

  it('is 409 not_at_signoff before sign-off', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    await seedStatus(services, offerId, at('Running', 'automated-validation'));
    const res = await callWith(goLive, new RecordingClient(), post('go-live', offerId, 'ann'));
    expect([res.status, res.body.error.code]).toEqual([409, 'not_at_signoff']);
  });

  it('is 409 not_at_signoff before any Publish, 403 for a reviewer', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const res = await callWith(goLive, new RecordingClient(), post('go-live', offerId, 'ann'));
    expect([res.status, res.body.error.code]).toEqual([409, 'not_at_signoff']);
    const mia = await callWith(goLive, new RecordingClient(), post('go-live', offerId, 'mia'));
    expect([mia.status, mia.body.error.code]).toEqual([403, 'forbidden']);
  });
});

describe('POST /api/offers/{offerId}/cancel', () => {
  it('raises Cancel from sign-off and during review', async () => {
    for (const [state, step] of [
      ['WaitingForPublisher', 'publisher-signoff'],
      ['WaitingForReview', 'marketing-technical-validation'],
    ] as const) {
      const offerId = uniqueOfferId();
      await seedOffer(services, offerId);
      await seedStatus(services, offerId, at(state, step));
      const client = new RecordingClient();
      const res = await callWith(cancel, client, post('cancel', offerId, 'ann'));
      expect(res.status).toBe(202);
      expect(client.raised).toEqual([
        {
          instanceId: `${offerId}-submission-1`,
          eventName: EVENTS.cancel,
          eventData: expect.objectContaining({ actor: 'ann@contoso.com' }),
        },
      ]);
    }
  });

  it('is 409 not_cancellable before sign-off and once publishing started', async () => {
    for (const [state, step] of [
      ['Running', 'appsource-packaging'],
      ['Running', 'publish'],
      ['Live', 'live'],
    ] as const) {
      const offerId = uniqueOfferId();
      await seedOffer(services, offerId);
      await seedStatus(services, offerId, at(state, step));
      const client = new RecordingClient();
      const res = await callWith(cancel, client, post('cancel', offerId, 'ann'));
      expect([res.status, res.body.error.code]).toEqual([409, 'not_cancellable']);
      expect(client.raised).toEqual([]);
    }
  });
});

describe('an accepted Cancel on the status row', () => {
  it('is written before the raise, repeated as the same Cancel, and never shown by the status read', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    await seedStatus(services, offerId, at('WaitingForReview', 'marketing-technical-validation'));
    const client = new RecordingClient();
    expect((await callWith(cancel, client, post('cancel', offerId, 'ann'))).status).toBe(202);
    const stored = await services.statuses.get(offerId);
    expect(stored?.cancelRequest).toMatchObject({ submissionId: '1', actor: 'ann@contoso.com' });
    // A repeat (say after a 5xx) is accepted while the Cancel stands and raises that same Cancel.
    expect((await callWith(cancel, client, post('cancel', offerId, 'ann'))).status).toBe(202);
    expect(client.raised.map((r) => r.eventData)).toEqual([
      { actor: 'ann@contoso.com', at: stored?.cancelRequest?.at },
      { actor: 'ann@contoso.com', at: stored?.cancelRequest?.at },
    ]);
    const read = await statusOf(offerId);
    expect(JSON.stringify(read.body)).not.toMatch(/cancelRequest/);
  });

  it('of an earlier submission changes nothing for the current one', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    const earlier = { submissionId: '1', actor: 'ann@contoso.com', at: '2026-11-01T09:00:00.000Z' };
    await seedStatus(services, offerId, at('Running', 'publish', { cancelRequest: earlier }, '2'));
    const client = new RecordingClient();
    const res = await callWith(cancel, client, post('cancel', offerId, 'ann'));
    expect([res.status, res.body.error.code]).toEqual([409, 'not_cancellable']);
    expect(client.raised).toEqual([]);
  });
});

describe('POST /api/offers/{offerId}/reviews/{area}', () => {
  const reviewReq = (offerId: string, area: string, as: Person, body: unknown) =>
    post(`reviews/${area}`, offerId, as, body, { area });

  async function inReview(): Promise<string> {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    await seedStatus(services, offerId, at('WaitingForReview', 'marketing-technical-validation', {}, '2'));
    return offerId;
  }

  it('stores the decision, shows it in the status and tells the orchestration', async () => {
    const offerId = await inReview();
    const client = new RecordingClient();
    const res = await callWith(
      review,
      client,
      reviewReq(offerId, 'marketing', 'mia', { outcome: 'approved', publishDate: SOON }),
    );
    expect(res.status).toBe(202);
    expect(await services.decisions.list(offerId, '2')).toEqual([
      expect.objectContaining({
        area: 'marketing',
        outcome: 'approved',
        reviewer: 'mia@marketplace.example',
      }),
    ]);
    expect((await services.statuses.get(offerId))?.reviews?.marketing?.publishDate).toBe(SOON);
    expect(client.raised).toEqual([
      {
        instanceId: `${offerId}-submission-2`,
        eventName: EVENTS.reviewDecision,
        eventData: expect.objectContaining({
          area: 'marketing',
          outcome: 'approved',
          publishDate: SOON,
        }),
      },
    ]);
  });

  it('is 409 already_decided for a second decision, also when two race', async () => {
    const offerId = await inReview();
    const client = new RecordingClient();
    const answers = await Promise.all(
      ['tom', 'root'].map((who) =>
        callWith(review, client, reviewReq(offerId, 'technical', who as Person, { outcome: 'approved' })),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    expect(answers.find((a) => a.status === 409)?.body.error.code).toBe('already_decided');
    // Raise or fail: the loser may deliver the winner's stored decision again (harmless); never its own.
    const [stored] = await services.decisions.list(offerId, '2');
    expect(client.raised.length).toBeGreaterThanOrEqual(1);
    for (const raised of client.raised) expect(raised.eventData).toEqual(stored);
  });

  it('is 409 not_in_review outside step 7', async () => {
    const offerId = uniqueOfferId();
    await seedOffer(services, offerId);
    await seedStatus(services, offerId, at('WaitingForPublisher', 'publisher-signoff'));
    const res = await callWith(
      review,
      new RecordingClient(),
      reviewReq(offerId, 'marketing', 'mia', { outcome: 'approved' }),
    );
    expect([res.status, res.body.error.code]).toEqual([409, 'not_in_review']);
  });

  it('is 403 for the other area, a publisher, or the owner', async () => {
    const offerId = await inReview();
    for (const [who, area] of [
      ['mia', 'technical'],
      ['tom', 'marketing'],
      ['ann', 'marketing'],
      ['bob', 'technical'],
    ] as const) {
      const res = await callWith(
        review,
        new RecordingClient(),
        reviewReq(offerId, area, who, { outcome: 'approved' }),
      );
      expect([res.status, res.body.error.code]).toEqual([403, 'forbidden']);
    }
  });

  it('is 400 for a rejection without comments, a bad date or an unknown area', async () => {
    const offerId = await inReview();
    const noComments = await callWith(
      review,
      new RecordingClient(),
      reviewReq(offerId, 'marketing', 'mia', { outcome: 'rejected' }),
    );
    expect(noComments.status).toBe(400);
    expect(noComments.body.error.details).toEqual([expect.objectContaining({ path: 'comments' })]);
    const badDate = await callWith(
      review,
      new RecordingClient(),
      reviewReq(offerId, 'marketing', 'mia', { outcome: 'approved', publishDate: '2031-02-30' }),
    );
    expect(badDate.body.error.details).toEqual([expect.objectContaining({ path: 'publishDate' })]);
    // A timestamp is not a date: one details entry for the one bad field, not two.
    const timestamp = await callWith(
      review,
      new RecordingClient(),
      reviewReq(offerId, 'marketing', 'mia', { outcome: 'approved', publishDate: '2031-02-03T00:00:00Z' }),
    );
    expect(timestamp.body.error.details).toEqual([expect.objectContaining({ path: 'publishDate' })]);
    const area = await callWith(
      review,
      new RecordingClient(),
      reviewReq(offerId, 'legal', 'root', { outcome: 'approved' }),
    );
    expect([area.status, area.body.error.details[0].path]).toEqual([400, 'area']);
  });
});
