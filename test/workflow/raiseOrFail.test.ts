import { makeCancelSubmission } from '../../functions/cancelSubmission';
import { makeGoLive } from '../../functions/goLive';
import { makeSubmitReview } from '../../functions/submitReview';
import { EVENTS } from '../../shared/contracts/names';
import type { OrchestrationClient } from '../../shared/http/orchestrations';
import {
  Person,
  at,
  callWith,
  request,
  seedOffer,
  seedStatus,
  testServices,
  uniqueOfferId,
} from '../api/support';

/** A promised date within the 365-day bound. */
const SOON = new Date(Date.now() + 100 * 86_400_000).toISOString().slice(0, 10);

/**
 * design.md "No accepted action is lost": Go Live, Cancel and decisions are delivered to the
 * orchestration or the request fails with 5xx and can be repeated; a repeat is harmless.
 */
const services = testServices();
const goLive = makeGoLive(services);
const cancel = makeCancelSubmission(services);
const review = makeSubmitReview(services);

/** A durable client whose next `failures` raises fail, as when the task hub is unreachable. */
class FlakyClient implements OrchestrationClient {
  raised: { instanceId: string; eventName: string; eventData: unknown }[] = [];
  constructor(private failures: number) {}
  async startNew(_name: string, options: { instanceId: string }): Promise<string> {
    return options.instanceId;
  }
  async raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('raiseEvent: the task hub did not answer');
    }
    this.raised.push({ instanceId, eventName, eventData });
  }
  async getStatus(): Promise<{ runtimeStatus: string }> {
    return { runtimeStatus: 'Running' };
  }
}

const post = (
  path: string,
  offerId: string,
  as: Person,
  body?: unknown,
  params: Record<string, string> = {},
) => request('POST', `offers/${offerId}/${path}`, { as, params: { offerId, ...params }, body });

async function offerAt(state: 'WaitingForPublisher' | 'WaitingForReview'): Promise<string> {
  const offerId = uniqueOfferId();
  await seedOffer(services, offerId);
  const step = state === 'WaitingForPublisher' ? 'publisher-signoff' : 'marketing-technical-validation';
  await seedStatus(services, offerId, at(state, step));
  return offerId;
}

describe('raise or fail', () => {
  it('Go Live: a failed raise is a 500, and the repeat raises and is 202', async () => {
    const offerId = await offerAt('WaitingForPublisher');
    const client = new FlakyClient(1);
    const first = await callWith(goLive, client, post('go-live', offerId, 'ann'));
    expect(first.status).toBe(500);
    const again = await callWith(goLive, client, post('go-live', offerId, 'ann'));
    expect(again.status).toBe(202);
    expect(client.raised.map((r) => r.eventName)).toEqual([EVENTS.goLive]);
    // Delivered now: a later click is answered the same way and raises nothing more.
    expect((await callWith(goLive, client, post('go-live', offerId, 'ann'))).status).toBe(202);
    expect(client.raised).toHaveLength(1);
  });

  it('Cancel: a failed raise is a 500, and the repeat raises and is 202', async () => {
    const offerId = await offerAt('WaitingForReview');
    const client = new FlakyClient(1);
    expect((await callWith(cancel, client, post('cancel', offerId, 'ann'))).status).toBe(500);
    expect((await callWith(cancel, client, post('cancel', offerId, 'ann'))).status).toBe(202);
    expect(client.raised.map((r) => r.eventName)).toEqual([EVENTS.cancel]);
  });

  it('review: a failed raise is a 500, the same decision repeated is delivered, another one is 409', async () => {
    const offerId = await offerAt('WaitingForReview');
    const client = new FlakyClient(1);
    const body = { outcome: 'approved', comments: 'fine', publishDate: SOON };
    const req = () => post('reviews/marketing', offerId, 'mia', body, { area: 'marketing' });
    expect((await callWith(review, client, req())).status).toBe(500);
    // Not shown as decided until it is delivered, so nobody is told it counts before it does.
    expect((await services.statuses.get(offerId))?.reviews?.marketing).toBeUndefined();
    expect((await callWith(review, client, req())).status).toBe(202);
    expect(client.raised).toEqual([
      {
        instanceId: `${offerId}-submission-1`,
        eventName: EVENTS.reviewDecision,
        eventData: expect.objectContaining({ area: 'marketing', outcome: 'approved', comments: 'fine' }),
      },
    ]);
    expect((await services.statuses.get(offerId))?.reviews?.marketing?.publishDate).toBe(SOON);
    const other = await callWith(
      review,
      client,
      post(
        'reviews/marketing',
        offerId,
        'mia',
        { outcome: 'rejected', comments: 'no' },
        { area: 'marketing' },
      ),
    );
    expect([other.status, other.body.error.code]).toEqual([409, 'already_decided']);
    expect(client.raised).toHaveLength(1);
  });

  it('review: a decision whose delivery failed is taken back; a later, different one is delivered and counts', async () => {
    const offerId = await offerAt('WaitingForReview');
    const client = new FlakyClient(1);
    const mia = () =>
      post('reviews/marketing', offerId, 'mia', { outcome: 'approved' }, { area: 'marketing' });
    expect((await callWith(review, client, mia())).status).toBe(500);
    // design.md "A refused request leaves nothing behind": Mia's 500 blocks nobody.
    expect(await services.decisions.list(offerId, '1')).toEqual([]);
    const root = await callWith(
      review,
      client,
      post(
        'reviews/marketing',
        offerId,
        'root',
        { outcome: 'rejected', comments: 'no' },
        { area: 'marketing' },
      ),
    );
    expect(root.status).toBe(202);
    expect(client.raised).toEqual([
      expect.objectContaining({
        eventData: expect.objectContaining({ outcome: 'rejected', reviewer: 'root@marketplace.example' }),
      }),
    ]);
    // Delivered and shown: from now on the area is decided for everyone.
    const again = await callWith(review, client, mia());
    expect([again.status, again.body.error.code]).toEqual([409, 'already_decided']);
    expect(client.raised).toHaveLength(1);
  });
});
