import { RunningHost, startHost } from '../support/host';
import { OFFER_APP, appJson } from '../support/packages';
import { asPerson } from '../support/principals';
import { completeOffer, eventually, uniqueOfferId, workflow } from './flow';

/** api.md `liveVersion`: recorded when step 8 publishes, kept through a later update that fails or is canceled. */
let host: RunningHost;
beforeAll(async () => {
  host = await startHost();
}, 60_000);
afterAll(async () => {
  await host?.stop();
});

interface Listed {
  offerId: string;
  state: string;
  liveVersion: string | null;
}

describe('liveVersion through the workflow', () => {
  it('shows 1.2.0.0 once Live, and still after an update is canceled and another fails', async () => {
    const offerId = uniqueOfferId('liveversion');
    const wf = workflow(host, offerId);
    const listed = async (): Promise<Listed | undefined> => {
      const queue = await host.request('GET', `/api/offers?top=200`, undefined, asPerson('ann'));
      let body = queue.json<{ offers: Listed[]; continuation: string | null }>();
      for (;;) {
        const mine = body.offers.find((o) => o.offerId === offerId);
        if (mine || !body.continuation) return mine;
        const next = await host.request(
          'GET',
          `/api/offers?top=200&continuation=${encodeURIComponent(body.continuation)}`,
          undefined,
          asPerson('ann'),
        );
        body = next.json();
      }
    };
    const listedAs = (state: string) =>
      eventually(async () => {
        const item = await listed();
        return item?.state === state ? item : undefined;
      }, `the list showing ${state}`);

    await wf.prepare();
    expect((await listed())?.liveVersion).toBeNull();
    await wf.publishToReview();
    expect((await wf.review('marketing', 'approved')).status).toBe(202);
    expect((await wf.review('technical', 'approved')).status).toBe(202);
    const live = (await wf.waitFor('Live')) as unknown as { liveVersion: string | null };
    expect(live.liveVersion).toBe('1.2.0.0');
    expect((await listedAs('Live')).liveVersion).toBe('1.2.0.0');

    // An update to 1.3.0.0, canceled at sign-off.
    const next = { ...OFFER_APP, version: '1.3.0.0' };
    await wf.putOffer(completeOffer({ app: next }));
    await wf.uploadPackage(appJson({ version: '1.3.0.0' }), 'sales-1.3.zip');
    expect(await wf.waitForReport()).toBe('Passed');
    expect((await wf.publish()).status).toBe(202);
    const waiting = (await wf.waitFor('WaitingForPublisher')) as unknown as { liveVersion: string | null };
    expect(waiting.liveVersion).toBe('1.2.0.0');
    expect((await wf.cancel()).status).toBe(202);
    const canceled = (await wf.waitFor('Canceled')) as unknown as { liveVersion: string | null };
    expect(canceled.liveVersion).toBe('1.2.0.0');
    expect((await listedAs('Canceled')).liveVersion).toBe('1.2.0.0');

    // Another that fails at step 1 (a required field is gone).
    await wf.putOffer(completeOffer({ app: next, summary: undefined }));
    expect((await wf.publish()).status).toBe(202);
    const failed = (await wf.waitFor('Failed')) as unknown as { liveVersion: string | null };
    expect(failed.liveVersion).toBe('1.2.0.0');
    expect((await listedAs('Failed')).liveVersion).toBe('1.2.0.0');
  });
});
