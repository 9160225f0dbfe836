/**
 * The Partner Center ingestion API (api.md), driven over plain HTTP through the local host in the
 * order BcContainerHelper's New-AppSourceSubmission sends its requests, checking every field the
 * script reads under Set-StrictMode (a missing property is an error there).
 */
import { RunningHost, startHost } from '../support/host';
import { api } from '../support/scenario';
import { localToken } from '../../shared/http/principal';
import {
  annToken,
  deliver,
  deliveryApps,
  describedOffer,
  ingestion,
  librariesZip,
  LIBRARY,
  poll,
  SubmissionResource,
  uniqueOffer,
  uploadPackage,
  validated,
} from './support';

jest.setTimeout(180_000);

let host: RunningHost;

beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  await host?.stop();
});

async function approveBoth(offerId: string) {
  const { call } = api(host.baseUrl);
  for (const [who, area] of [
    ['mia', 'marketing'],
    ['tom', 'technical'],
  ] as const) {
    const res = await call(who, 'POST', `/api/offers/${offerId}/reviews/${area}`, { outcome: 'approved' });
    expect(res.status).toBe(202);
  }
}

async function waitInReview(offerId: string) {
  const { call } = api(host.baseUrl);
  for (let i = 0; i < 300; i++) {
    const status = await call<{ state: string }>('ann', 'GET', `/api/offers/${offerId}/status`);
    if (status.body.state === 'WaitingForReview') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('never reached review');
}

const libs = (apps: ReturnType<typeof deliveryApps>) =>
  librariesZip([
    ['lib1.app', apps.lib1],
    ['lib2.app', apps.lib2],
  ]);

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe('New-AppSourceSubmission against the ingestion API', () => {
  it('delivers main.app with lib1.app and lib2.app to Live: -autoPromote while reviewers approve', async () => {
    const offerId = uniqueOffer('ingest-live');
    const productId = await describedOffer(host.baseUrl, offerId);
    const client = ingestion(host.baseUrl, productId, annToken());

    const product = await client.get<Record<string, unknown>>('');
    expect(product.body).toMatchObject({ id: productId, name: expect.any(String) });
    expect(await client.collection('/submissions')).toEqual([]);

    const apps = deliveryApps(offerId, '1.2.0.0');
    const created = await deliver(client, { main: apps.main, libraries: libs(apps), appVersion: '1.2.0.0' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.any(String),
      state: 'InProgress',
      substate: 'Submitted',
    });
    const id = created.body.id;

    const ready = await poll(client, id, (s) => s.substate === 'ReadyToPublish' || s.substate === 'Failed');
    expect([ready.state, ready.substate, ready.pendingUpdateInfo.failureReason]).toEqual([
      'Published',
      'ReadyToPublish',
      null,
    ]);
    const [preview] = await client.collection<{ workflowSteps: { name: string; state: string }[] }>(
      `/submissions/${id}/workflowdetails`,
    );
    expect(preview?.workflowSteps).toEqual([
      { name: 'Automated validation', state: 'Success' },
      { name: 'Preview Creation', state: 'Success' },
      { name: 'Publisher Signoff', state: 'InProgress' },
    ]);

    const promoted = await client.post<SubmissionResource>(`/submissions/${id}/promote`);
    expect(promoted.status).toBe(200);
    await waitInReview(offerId);
    expect((await client.get<SubmissionResource>(`/submissions/${id}`)).body).toMatchObject({
      state: 'InProgress',
      substate: 'Promoting',
    });
    await approveBoth(offerId);
    const live = await poll(client, id, (s) => s.substate === 'InStore');
    expect(live.state).toBe('Published');
    const details = await client.collection<{ workflowSteps: { state: string }[] }>(
      `/submissions/${id}/workflowdetails`,
    );
    expect(details.flatMap((d) => d.workflowSteps.map((s) => s.state))).toEqual(Array(5).fill('Success'));
    const listed = await client.collection<SubmissionResource>('/submissions');
    expect(listed.map((s) => [s.id, s.state, s.substate])).toEqual([[id, 'Published', 'InStore']]);
  });

  it('reports a version mismatch with the finding, in failureReason and in validations', async () => {
    const offerId = uniqueOffer('ingest-fail');
    const productId = await describedOffer(host.baseUrl, offerId);
    const client = ingestion(host.baseUrl, productId, annToken());
    const apps = deliveryApps(offerId, '1.3.0.0');
    // -doNotUpdateVersionNumber: the offer still says 1.2.0.0.
    const created = await deliver(client, { main: apps.main, libraries: libs(apps) });
    expect(created.status).toBe(201);
    const failed = await poll(
      client,
      created.body.id,
      (s) => s.substate === 'Failed' || s.substate === 'ReadyToPublish',
    );
    expect([failed.state, failed.substate]).toEqual(['InProgress', 'Failed']);
    expect(failed.pendingUpdateInfo.failureReason).toContain('manifest.version-mismatch');
    expect(failed.pendingUpdateInfo.failureReason).toContain('1.3.0.0');
    const validations = await client.collection<{
      code: string;
      message: string;
      path: string;
      severity: string;
    }>(`/submissions/${created.body.id}/validations`);
    expect(validations).toContainEqual(
      expect.objectContaining({
        code: 'manifest.version-mismatch',
        severity: 'error',
        path: expect.any(String),
      }),
    );
    expect(validations.find((v) => v.code === 'manifest.version-mismatch')?.message).toContain('1.2.0.0');
    const [preview] = await client.collection<{ workflowSteps: { name: string; state: string }[] }>(
      `/submissions/${created.body.id}/workflowdetails`,
    );
    expect(preview?.workflowSteps[0]).toEqual({ name: 'Automated validation', state: 'Failed' });
    // What the script expects before it starts the next one: InProgress/Failed, then a new submission.
    const again = await deliver(client, { main: apps.main, libraries: libs(apps), appVersion: '1.3.0.0' });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(created.body.id);
  });

  it('without the libraries the main app fails dependencies.unresolved: the libraries resolve it', async () => {
    const offerId = uniqueOffer('ingest-deps');
    const productId = await describedOffer(host.baseUrl, offerId);
    const client = ingestion(host.baseUrl, productId, annToken());
    const apps = deliveryApps(offerId);
    const created = await deliver(client, { main: apps.main, appVersion: '1.2.0.0' });
    const failed = await poll(client, created.body.id, (s) => s.substate !== 'Submitted');
    expect(failed.substate).toBe('Failed');
    const validations = await client.collection<{ code: string }>(
      `/submissions/${created.body.id}/validations`,
    );
    expect(validations.map((v) => v.code)).toContain('dependencies.unresolved');
  });

  it('validates each library app and names its file; an invalid library refuses the submission', async () => {
    const offerId = uniqueOffer('ingest-libs');
    const productId = await describedOffer(host.baseUrl, offerId);
    const client = ingestion(host.baseUrl, productId, annToken());
    const apps = deliveryApps(offerId);
    const broken = apps.lib2.subarray(0, 200); // a truncated .app
    const library = await uploadPackage(
      client,
      LIBRARY,
      'libs.zip',
      librariesZip([
        ['lib1.app', apps.lib1],
        ['lib2.app', broken],
      ]),
    );
    expect(library.state).toBe('Processed');
    const findings = (await validated(client, library.id)).validations ?? [];
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.path.startsWith('lib2.app'))).toBe(true);
    const notAPackage = await uploadPackage(client, LIBRARY, 'notes.zip', Buffer.from('not a zip at all'));
    expect(notAPackage.state).toBe('ProcessFailed');
    const submitted = await deliver(client, {
      main: apps.main,
      libraries: librariesZip([
        ['lib1.app', apps.lib1],
        ['lib2.app', broken],
      ]),
    });
    expect(submitted.status).toBe(422);
    expect(submitted.body).toMatchObject({ statusCode: 422, message: expect.stringContaining('lib2.app') });
    expect((submitted.body as unknown as { errors: unknown[] }).errors.length).toBeGreaterThan(0);
  });

  it('-force: DELETE cancels the running submission, it leaves the list, and the next one starts', async () => {
    const offerId = uniqueOffer('ingest-force');
    const productId = await describedOffer(host.baseUrl, offerId);
    const client = ingestion(host.baseUrl, productId, annToken());
    const apps = deliveryApps(offerId);
    const first = await deliver(client, { main: apps.main, libraries: libs(apps), appVersion: '1.2.0.0' });
    await poll(client, first.body.id, (s) => s.substate === 'ReadyToPublish');
    expect((await client.post(`/submissions/${first.body.id}/promote`)).status).toBe(200);
    await waitInReview(offerId);
    // Still running (certification): the script needs -force, which DELETEs it.
    const deleted = await client.delete(`/submissions/${first.body.id}`);
    expect(deleted.status).toBe(200);
    const second = await deliver(client, { main: apps.main, libraries: libs(apps), appVersion: '1.2.0.0' });
    expect(second.status).toBe(201);
    const listed = await client.collection<SubmissionResource>('/submissions');
    expect(listed.map((s) => s.id)).toEqual([second.body.id]);
    expect((await client.get(`/submissions/${first.body.id}`)).status).toBe(404);
  });

  it('a new submission while one waits at sign-off replaces it; in any other active step it is 409', async () => {
    const offerId = uniqueOffer('ingest-again');
    const productId = await describedOffer(host.baseUrl, offerId);
    const client = ingestion(host.baseUrl, productId, annToken());
    const apps = deliveryApps(offerId);
    const first = await deliver(client, { main: apps.main, libraries: libs(apps), appVersion: '1.2.0.0' });
    await poll(client, first.body.id, (s) => s.substate === 'ReadyToPublish');
    const second = await deliver(client, { main: apps.main, libraries: libs(apps), appVersion: '1.2.0.0' });
    expect(second.status).toBe(201);
    expect((await client.collection<SubmissionResource>('/submissions')).map((s) => s.id)).toEqual([
      second.body.id,
    ]);
    // In certification (after Go Live) a new submission is refused; a second promote changes nothing.
    await poll(client, second.body.id, (s) => s.substate === 'ReadyToPublish');
    expect((await client.post(`/submissions/${second.body.id}/promote`)).status).toBe(200);
    await waitInReview(offerId);
    const third = await client.post('/submissions', { resourceType: 'SubmissionCreationRequest' });
    expect(third.status).toBe(409);
    expect(third.body).toMatchObject({ statusCode: 409, message: expect.any(String), errors: [] });
    const again = await client.post(`/submissions/${second.body.id}/promote`);
    expect([again.status, again.body.substate]).toEqual([200, 'Promoting']);
    await approveBoth(offerId);
    await poll(client, second.body.id, (s) => s.substate === 'InStore');
    // Live: nothing to cancel, as Cancel answers.
    const late = await client.delete(`/submissions/${second.body.id}`);
    expect(late.body).toMatchObject({ statusCode: 409, error: 'not_cancellable' });
  });

  it('honours If-Match on every PUT (412 when stale) and answers errors in the ingestion shape', async () => {
    const offerId = uniqueOffer('ingest-etag');
    const productId = await describedOffer(host.baseUrl, offerId);
    const client = ingestion(host.baseUrl, productId, annToken());
    const [config] = await client.collection<Record<string, unknown> & { id: string }>(
      `/packageConfigurations/getByInstanceID(instanceID=${productId}-package)`,
    );
    const ok = await client.put(`/packageConfigurations/${config?.id}`, { ...config, packageReferences: [] });
    expect(ok.status).toBe(200);
    const stale = await client.put(`/packageConfigurations/${config?.id}`, {
      ...config,
      packageReferences: [],
    });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ statusCode: 412, message: expect.any(String), errors: [] });
    const [property] = await client.collection<Record<string, unknown> & { id: string }>(
      `/properties/getByInstanceID(instanceID=${productId}-property)`,
    );
    expect(property).toMatchObject({ appVersion: '1.2.0.0' });
    expect(
      (await client.put(`/properties/${property?.id}`, { ...property, appVersion: '1.4.0.0' })).status,
    ).toBe(200);
    expect(
      (await client.put(`/properties/${property?.id}`, { ...property, appVersion: '1.5.0.0' })).status,
    ).toBe(412);
    const bad = await client.put(`/properties/${property?.id}`, {
      ...property,
      '@odata.etag': '*',
      appVersion: 'x',
    });
    expect(bad.status).toBe(400);
    const noSubmission = await client.get('/submissions/99');
    expect(noSubmission.body).toMatchObject({ statusCode: 404, errors: [] });
  });

  it('refuses a product of another publisher, no token, an expired token, and an unknown product', async () => {
    const offerId = uniqueOffer('ingest-auth');
    const productId = await describedOffer(host.baseUrl, offerId);
    const bob = ingestion(
      host.baseUrl,
      productId,
      localToken({ name: 'bob', roles: ['Publisher'], publisher_id: 'fabrikam', exp: inAnHour() }),
    );
    expect((await bob.get('')).status).toBe(404);
    const expired = ingestion(host.baseUrl, productId, annToken({ exp: Math.floor(Date.now() / 1000) - 10 }));
    expect((await expired.get('')).body).toMatchObject({ statusCode: 401 });
    const anonymous = await fetch(`${host.baseUrl}/api/v1.0/ingestion/products/${productId}`);
    expect(anonymous.status).toBe(401);
    const unknown = ingestion(host.baseUrl, '00000000-0000-4000-8000-000000000000', annToken());
    expect((await unknown.get('')).status).toBe(404);
  });

  it('issues a local client-credentials token that New-BcAuthContext can read and the routes accept', async () => {
    const offerId = uniqueOffer('ingest-token');
    const productId = await describedOffer(host.baseUrl, offerId);
    const res = await fetch(`${host.baseUrl}/api/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=https%3A%2F%2Fapi.partner.microsoft.com%2F.default&client_id=contoso&client_secret=s3cr3t',
    });
    expect(res.status).toBe(200);
    const token = (await res.json()) as { access_token: string; expires_in: number };
    expect(token.access_token.startsWith('eyJ')).toBe(true);
    const claims = JSON.parse(
      Buffer.from(token.access_token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    );
    expect(claims).toMatchObject({ appid: 'contoso', publisher_id: 'contoso', tid: expect.any(String) });
    expect(claims.exp).toBeGreaterThan(Date.now() / 1000 + 300);
    expect(JSON.stringify(claims)).not.toContain('s3cr3t');
    const client = ingestion(host.baseUrl, productId, token.access_token);
    expect((await client.get('')).body).toMatchObject({ id: productId });
    const wrongGrant = await fetch(`${host.baseUrl}/api/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&client_id=contoso',
    });
    expect(wrongGrant.status).toBe(400);
    expect(host.output()).not.toContain('s3cr3t');
  });

  it('maps an application client id to a publisher (Admin only)', async () => {
    const { call } = api(host.baseUrl);
    const clientId = '11111111-2222-4333-8444-555555555555';
    expect(
      (await call('ann', 'PUT', `/api/admin/publisher-clients/${clientId}`, { publisherId: 'contoso' }))
        .status,
    ).toBe(403);
    const put = await call('root', 'PUT', `/api/admin/publisher-clients/${clientId}`, {
      publisherId: 'contoso',
    });
    expect([put.status, put.body]).toEqual([200, { clientId, publisherId: 'contoso' }]);
    // An Easy Auth principal of that application's own token (app-only: idtyp app, no roles, no
    // publisher_id) acts for contoso.
    const offerId = uniqueOffer('ingest-client');
    const productId = await describedOffer(host.baseUrl, offerId);
    const principal = Buffer.from(
      JSON.stringify({
        claims: [
          { typ: 'appid', val: clientId },
          { typ: 'idtyp', val: 'app' },
        ],
      }),
    ).toString('base64');
    const res = await fetch(`${host.baseUrl}/api/v1.0/ingestion/products/${productId}`, {
      headers: { 'x-ms-client-principal': principal },
    });
    expect(res.status).toBe(200);
    // Locally, a bearer token of that application (appid or azp, no publisher_id) is mapped alike.
    for (const claim of ['appid', 'azp'])
      expect(
        (
          await ingestion(
            host.baseUrl,
            productId,
            localToken({ [claim]: clientId, idtyp: 'app', exp: inAnHour() }),
          ).get('')
        ).status,
      ).toBe(200);
  });
});
