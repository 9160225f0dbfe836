import { makeCancelSubmission } from '../../functions/cancelSubmission';
import { makeGoLive } from '../../functions/goLive';
import { makePublishOffer } from '../../functions/publishOffer';
import { makeSubmitReview } from '../../functions/submitReview';
import { notStartedStatus } from '../../shared/domain/status';
import { startSubmission } from '../../shared/domain/transitions';
import type { OfferStatus } from '../../shared/domain/status';
import { operationName, startStorageProxy, type StorageProxy } from '../support/storageProxy';
import { RecordingClient, callWith, request, seedOffer, testServices, uniqueOfferId } from './support';

/**
 * What the routes that decide on the status cost in storage requests (issue 29, docs/operations.md
 * "What one submission costs"), counted by a proxy in front of Azurite: access is decided on the
 * status row, which names the offer's owner, so the offer is not read.
 */
let proxy: StorageProxy;

beforeAll(async () => {
  proxy = await startStorageProxy(process.env.TEST_STORAGE_CONNECTION ?? '');
});

afterAll(async () => {
  await proxy.close();
});

/** The table requests `run` makes on the offer's rows, as `METHOD table`. */
async function offerRequestsOf(run: () => Promise<unknown>): Promise<string[]> {
  const mark = proxy.operations.length;
  await run();
  return (
    proxy.operations
      .slice(mark)
      // Not the webhook kick's cursor reads: they depend on the endpoints other suites left.
      .filter((op) => !decodeURIComponent(op.path).includes("RowKey='cursor|"))
      .map(operationName)
      .filter((r) => / (Offers|OfferTimeline)/.test(r))
  );
}

/** An offer of contoso with submission 1 at `step`, its status naming its owner (as Publish writes it). */
async function offerAt(state: OfferStatus['state'], step: NonNullable<OfferStatus['currentStep']>) {
  const services = testServices({ AzureWebJobsStorage: proxy.connectionString });
  const offerId = uniqueOfferId('cost');
  await seedOffer(services, offerId);
  const now = new Date().toISOString();
  await services.statuses.update(
    offerId,
    (current) => ({
      ...startSubmission(current, '1', 'ann@contoso.com', now, 'contoso'),
      state,
      currentStep: step,
    }),
    () => notStartedStatus(offerId, now),
  );
  // Another process answers the request: nothing of the offer is remembered there.
  return { services: testServices({ AzureWebJobsStorage: proxy.connectionString }), offerId };
}

const post = (path: string, offerId: string, params: Record<string, string> = {}, body?: unknown) =>
  request('POST', `offers/${offerId}/${path}`, {
    as: path === 'go-live' ? 'ann' : 'mia',
    params: { offerId, ...params },
    body,
  });

describe('storage requests of the routes that decide on the status', () => {
  it('Go Live reads the status once and writes it once: no read of the offer', async () => {
    const { services, offerId } = await offerAt('WaitingForPublisher', 'publisher-signoff');
    const requests = await offerRequestsOf(async () => {
      const res = await callWith(makeGoLive(services), new RecordingClient(), post('go-live', offerId));
      expect(res.status).toBe(202);
    });
    expect(requests).toEqual(['GET OfferTimeline', 'PATCH OfferTimeline']);
  });

  it('Cancel reads the status once and writes it once: no read of the offer', async () => {
    const { services, offerId } = await offerAt('WaitingForPublisher', 'publisher-signoff');
    const requests = await offerRequestsOf(async () => {
      const res = await callWith(
        makeCancelSubmission(services),
        new RecordingClient(),
        request('POST', `offers/${offerId}/cancel`, { as: 'ann', params: { offerId } }),
      );
      expect(res.status).toBe(202);
    });
    expect(requests).toEqual(['GET OfferTimeline', 'PATCH OfferTimeline']);
  });

  it('a review decision reads the status once: no read of the offer', async () => {
    const { services, offerId } = await offerAt('WaitingForReview', 'marketing-technical-validation');
    const requests = await offerRequestsOf(async () => {
      const res = await callWith(
        makeSubmitReview(services),
        new RecordingClient(),
        post('reviews/marketing', offerId, { area: 'marketing' }, { outcome: 'approved' }),
      );
      expect(res.status).toBe(202);
    });
    expect(requests).toEqual(['GET OfferTimeline', 'POST OfferTimeline $batch']);
  });

  it('Publish reads the offer once: the email it makes the default is written under that read', async () => {
    const services = testServices({ AzureWebJobsStorage: proxy.connectionString });
    const offerId = uniqueOfferId('cost');
    await seedOffer(services, offerId);
    const mark = proxy.operations.length;
    const res = await callWith(
      makePublishOffer(services),
      new RecordingClient(),
      request('POST', `offers/${offerId}/publish`, {
        as: 'ann',
        params: { offerId },
        body: { notificationEmail: 'sales@contoso.example' },
      }),
    );
    expect(res.status).toBe(202);
    const offers = proxy.operations
      .slice(mark)
      .map(operationName)
      .filter((r) => / Offers$/.test(r));
    expect(offers).toEqual(['GET Offers', 'PUT Offers']);
    expect((await services.offers.get(offerId))?.notificationEmail).toBe('sales@contoso.example');
  });
});
