/**
 * Issue 30, "Delivery from CI", and the offer's `notificationEmail` (api.md): an offer created in
 * the Editor and never published from the portal is delivered through the ingestion API with an
 * application's (client-credentials) token, whose name is no email; Publish from the portal uses
 * the offer's address by default and keeps a newly named one as the default. Through a local host.
 */
import { RunningHost, startHost } from '../support/host';
import { appIdFor, OFFER_APP } from '../support/packages';
import { completeOffer, publisherSteps, StatusBody as Status, waitFor } from '../support/scenario';
import { deliver, deliveryApps, ingestion, librariesZip, uniqueOffer } from './support';

jest.setTimeout(180_000);

/** The status as api.md has it (the scenario's type names only what most tests read). */
type StatusBody = Status & { notificationEmail?: string };

let host: RunningHost;
beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  await host?.stop();
});

/** What BcContainerHelper's New-BcAuthContext gets for client_id=contoso: an application's token. */
async function applicationToken(): Promise<string> {
  const res = await fetch(`${host.baseUrl}/api/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=https%3A%2F%2Fapi.partner.microsoft.com%2F.default&client_id=contoso&client_secret=x',
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** The offer as the Editor saves it (images uploaded), never published; returns its productId. */
async function editorOffer(offerId: string, extra: Record<string, unknown>): Promise<string> {
  const steps = publisherSteps(host.baseUrl, offerId);
  const put = await steps.call<Record<string, unknown>>('ann', 'PUT', `/api/offers/${offerId}`, {
    ...completeOffer(),
    app: { ...OFFER_APP, id: appIdFor(offerId) },
    ...extra,
  });
  expect(put.status).toBe(201);
  await steps.uploadArtifacts();
  return (await steps.call<{ productId: string }>('ann', 'GET', `/api/offers/${offerId}`)).body.productId;
}

const libs = (apps: ReturnType<typeof deliveryApps>) =>
  librariesZip([
    ['lib1.app', apps.lib1],
    ['lib2.app', apps.lib2],
  ]);

describe('delivery from CI to an offer never published from the portal', () => {
  it("an application's token delivers; the notifications go to the offer's notificationEmail", async () => {
    const offerId = uniqueOffer('ci-first');
    const productId = await editorOffer(offerId, { notificationEmail: 'ann@contoso.com' });
    const client = ingestion(host.baseUrl, productId, await applicationToken());
    const apps = deliveryApps(offerId);
    const created = await deliver(client, { main: apps.main, libraries: libs(apps), appVersion: '1.2.0.0' });
    console.log(`POST /submissions: ${created.status} ${JSON.stringify(created.body).slice(0, 200)}`);
    expect(created.status).toBe(201);
    const steps = publisherSteps(host.baseUrl, offerId);
    const status = await waitFor(
      'the delivered submission at sign-off',
      () => steps.status() as Promise<StatusBody>,
      (s) => s.state === 'WaitingForPublisher' || s.state === 'Failed',
      60_000,
    );
    expect([status.state, status.notificationEmail]).toEqual(['WaitingForPublisher', 'ann@contoso.com']);
  });

  it("with no email anywhere the delivery is 400 saying to set the offer's notification email, and nothing is shipped", async () => {
    const offerId = uniqueOffer('ci-noemail');
    const productId = await editorOffer(offerId, {});
    const client = ingestion(host.baseUrl, productId, await applicationToken());
    const apps = deliveryApps(offerId);
    const refused = await deliver(client, { main: apps.main, libraries: libs(apps) });
    expect(refused.status).toBe(400);
    expect((refused.body as unknown as { message: string }).message).toMatch(
      /set the offer's notification email/,
    );
    const steps = publisherSteps(host.baseUrl, offerId);
    expect((await steps.call('ann', 'GET', `/api/offers/${offerId}/package-validation`)).status).toBe(404);
    expect((await steps.status()).state).toBe('NotStarted');
  });
});

describe("Publish and the offer's notificationEmail", () => {
  it("defaults to the offer's address, keeps a newly named one as the default, and a Save without it keeps it", async () => {
    const offerId = uniqueOffer('email-default');
    const steps = publisherSteps(host.baseUrl, offerId);
    // No summary: each submission fails at step 1 at once, and Publish is open again.
    const draft = { ...completeOffer(), app: { ...OFFER_APP, id: appIdFor(offerId) }, summary: undefined };
    expect((await steps.call('ann', 'PUT', `/api/offers/${offerId}`, draft)).status).toBe(201);
    const none = await steps.call<{ error: { details: { path: string }[] } }>(
      'ann',
      'POST',
      `/api/offers/${offerId}/publish`,
      {},
    );
    expect(none.status).toBe(400);
    expect(none.body.error.details.map((d) => d.path)).toEqual(['notificationEmail']);

    const failed = () =>
      waitFor(
        'step 1 to fail',
        () => steps.status() as Promise<StatusBody>,
        (s) => s.state === 'Failed',
      );
    const saved = await steps.call('ann', 'PUT', `/api/offers/${offerId}`, {
      ...draft,
      notificationEmail: 'ann@contoso.com',
    });
    expect(saved.status).toBe(200);
    expect((await steps.call('ann', 'POST', `/api/offers/${offerId}/publish`, {})).status).toBe(202);
    expect((await failed()).notificationEmail).toBe('ann@contoso.com');

    const named = await steps.call('ann', 'POST', `/api/offers/${offerId}/publish`, {
      notificationEmail: 'bob@contoso.com',
    });
    expect(named.status).toBe(202);
    await failed();
    const offer = async () =>
      (await steps.call<{ notificationEmail?: string }>('ann', 'GET', `/api/offers/${offerId}`)).body;
    expect((await offer()).notificationEmail).toBe('bob@contoso.com');
    expect((await steps.call('ann', 'PUT', `/api/offers/${offerId}`, draft)).status).toBe(200);
    expect((await offer()).notificationEmail).toBe('bob@contoso.com');
  });
});
