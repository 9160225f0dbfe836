import { RunningHost, startHost } from '../support/host';
import { asPerson } from '../support/principals';
import { fullDraft, seedStatus, testServices, at, uniqueOfferId } from './support';

/** The API over real HTTP: the local host, the real @azure/functions conversions, the durable engine. */
const services = testServices();
let host: RunningHost;

beforeAll(async () => {
  host = await startHost({ env: { PUBLIC_BASE_URL: 'https://publish.example' } });
});
afterAll(async () => {
  await host?.stop();
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached');
}

describe('the API on the local host', () => {
  it('answers 401, 400, 415 and 404 with the error body over HTTP', async () => {
    const offerId = uniqueOfferId('e2e');
    const anonymous = await host.request('GET', `/api/offers/${offerId}`);
    expect([anonymous.status, anonymous.json<{ error: { code: string } }>().error.code]).toEqual([
      401,
      'unauthenticated',
    ]);
    expect(anonymous.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const malformed = await host.request('PUT', `/api/offers/${offerId}`, '{"name":', {
      ...asPerson('ann'),
      'content-type': 'application/json',
    });
    expect(malformed.status).toBe(400);
    const wrongType = await host.request('PUT', `/api/offers/${offerId}`, 'name=x', {
      ...asPerson('ann'),
      'content-type': 'text/plain',
    });
    expect(wrongType.status).toBe(415);
    const unknown = await host.request('GET', `/api/offers/${offerId}/status`, undefined, asPerson('ann'));
    expect(unknown.json()).toEqual({
      error: { code: 'offer_not_found', message: `No offer '${offerId}' exists.` },
    });
    const openapi = await host.request('GET', '/api/openapi.json');
    expect(openapi.json<{ openapi: string }>().openapi).toBe('3.1.0');
  });

  it('starts one submission for two concurrent Publish clicks and makes one Go Live of ten', async () => {
    const offerId = uniqueOfferId('e2e');
    const created = await host.request('PUT', `/api/offers/${offerId}`, fullDraft(), asPerson('ann'));
    expect(created.status).toBe(201);

    const publish = () =>
      host.request(
        'POST',
        `/api/offers/${offerId}/publish`,
        { notificationEmail: 'ann@contoso.com' },
        asPerson('ann'),
      );
    const clicks = await Promise.all([publish(), publish()]);
    expect(clicks.map((c) => c.status).sort()).toEqual([202, 409]);
    const accepted = clicks.find((c) => c.status === 202)!;
    expect(accepted.headers.get('location')).toBe(`https://publish.example/api/offers/${offerId}/status`);
    expect(clicks.find((c) => c.status === 409)!.json<{ error: { code: string } }>().error.code).toBe(
      'submission_active',
    );
    const submissions = await host.request(
      'GET',
      `/api/offers/${offerId}/submissions`,
      undefined,
      asPerson('ann'),
    );
    expect(submissions.json<{ submissions: unknown[] }>().submissions).toHaveLength(1);

    // No package was uploaded: the orchestration waits at step 2. Then stand in for steps 2-5.
    await until(
      () => services.statuses.get(offerId),
      // Once step 2 is Waiting the orchestration writes nothing more until a report or the timeout.
      (s) => s?.currentStep === 'automated-validation' && s.steps[1]?.state === 'Waiting',
    );
    await seedStatus(services, offerId, (current) => ({
      ...at('WaitingForPublisher', 'publisher-signoff')(current),
      hidekey: 'e2e-key',
      previewBlobName: `${offerId}/1/preview.zip`,
    }));

    const goLive = () => host.request('POST', `/api/offers/${offerId}/go-live`, undefined, asPerson('ann'));
    const answers = await Promise.all(Array.from({ length: 10 }, goLive));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    const status = await host.request('GET', `/api/offers/${offerId}/status`, undefined, asPerson('ann'));
    expect(status.json()).toMatchObject({ submissionId: '1', actions: ['cancel'] });
    expect((await services.statuses.get(offerId))?.goLiveAt).toEqual(expect.any(String));
  });
});
