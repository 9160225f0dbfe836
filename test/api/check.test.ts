import { makeCheckOffer } from '../../functions/checkOffer';
import { makeBuildPreviewPackage } from '../../activities/buildPreviewPackage';
import { createPreviewPackages } from '../../shared/adapters/previewPackage';
import { CONTAINERS } from '../../shared/contracts/names';
import type { Offer } from '../../shared/domain/offer';
import { completedReport, pendingReport } from '../../shared/domain/package/report';
import { jpeg, png } from '../support/images';
import { call, request, seedOffer, testServices, uniqueOfferId } from './support';

const services = testServices();
const check = makeCheckOffer(services);

const post = (offerId: string, as: 'ann' | 'bob' | 'mia' | 'root' = 'ann') =>
  call(check, request('POST', `offers/${offerId}/check`, { as, params: { offerId } }));

async function storeImage(offerId: string, name: string, bytes: Buffer) {
  await services.blobs.upload(
    { container: CONTAINERS.storefront, name: `${offerId}/${name}` },
    bytes,
    'image/png',
  );
}

/** A complete offer with a valid logo, screenshot and a passed package: nothing to report. */
async function goodOffer(change: (offer: Offer) => Offer = (o) => o): Promise<Offer> {
  const offerId = uniqueOfferId('check');
  const offer = change(await seedOffer(services, offerId));
  await services.offers.put(offer);
  await storeImage(offerId, 'logo-216.png', png(216, 216));
  await storeImage(offerId, 'shot-1.png', png(1280, 720));
  await services.packageReports.put(
    offerId,
    completedReport({
      blobName: `${offerId}/sales.app`,
      now: new Date().toISOString(),
      findings: [],
      manifest: {
        format: 'app',
        id: '8b1c4e0a-3f5d-4c1e-9a77-2f0d5b6c7e11',
        name: 'Sales Insights',
        publisher: 'Contoso',
        version: '1.2.0.0',
        idRanges: [],
        dependencies: [],
      },
    }),
  );
  return offer;
}

/** Everything that outlives a request: the rows and blobs an offer has. */
async function footprint(offerId: string) {
  const [status, notifications, history, submissions] = await Promise.all([
    services.statuses.get(offerId),
    services.outbox.list(offerId),
    services.history.list(offerId),
    services.submissions.list(offerId),
  ]);
  return { status, notifications, history, submissions };
}

describe('POST /api/offers/{offerId}/check', () => {
  it('answers no findings for an offer Publish would accept, and stores nothing', async () => {
    const offer = await goodOffer();
    const before = await footprint(offer.offerId);
    const res = await post(offer.offerId);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ findings: [] });
    expect(await footprint(offer.offerId)).toEqual(before);
  });

  it("reports step 1's missing fields by path", async () => {
    const offer = await goodOffer(({ summary: _s, app, ...rest }) => ({
      ...rest,
      app: { ...app, version: undefined },
    }));
    const res = await post(offer.offerId);
    expect(res.status).toBe(200);
    expect(res.body.findings).toEqual(
      expect.arrayContaining([
        { path: 'summary', severity: 'error', code: 'missing_fields', message: 'is required to publish' },
        { path: 'app.version', severity: 'error', code: 'missing_fields', message: 'is required to publish' },
      ]),
    );
    // One finding per field: step 5 would say "summary is required" too, but once is enough.
    expect(res.body.findings.filter((f: { path: string }) => f.path === 'summary')).toHaveLength(1);
  });

  it("reports step 5's image rules: type and size of the logo and each screenshot, and a missing one", async () => {
    const offer = await goodOffer((o) => ({
      ...o,
      storefront: { logo: 'logo-216.png', screenshots: ['shot-1.png', 'shot-2.jpg', 'missing.png'] },
    }));
    await storeImage(offer.offerId, 'logo-216.png', jpeg(216, 216));
    await storeImage(offer.offerId, 'shot-1.png', png(1280, 720));
    await storeImage(offer.offerId, 'shot-2.jpg', png(640, 480));
    const res = await post(offer.offerId);
    expect(res.status).toBe(200);
    const byPath = Object.fromEntries(
      res.body.findings.map((f: { path: string; code: string; message: string }) => [f.path, f]),
    );
    expect(byPath['storefront.logo']).toMatchObject({ code: 'storefront_invalid', severity: 'error' });
    expect(byPath['storefront.logo'].message).toMatch(/PNG.*found jpg/);
    expect(byPath['storefront.screenshots[0]']).toBeUndefined();
    expect(byPath['storefront.screenshots[1]'].message).toMatch(/1280x720 pixels \(found 640x480\)/);
    expect(byPath['storefront.screenshots[2]'].message).toMatch(/no artifact 'missing.png' was uploaded/);
  });

  it('agrees with step 5 on the storefront: the same paths and messages', async () => {
    const offer = await goodOffer((o) => ({
      ...o,
      storefront: { logo: 'logo-216.png', screenshots: ['s.png'] },
    }));
    await storeImage(offer.offerId, 'logo-216.png', png(200, 200));
    await storeImage(offer.offerId, 's.png', Buffer.from('not an image at all'));
    const snapshotBlobName = `${offer.offerId}/1/offer.json`;
    await services.blobs.upload(
      { container: CONTAINERS.submissions, name: snapshotBlobName },
      Buffer.from(JSON.stringify(offer)),
      'application/json',
    );
    const step5 = await makeBuildPreviewPackage({
      blobs: services.blobs,
      previews: createPreviewPackages(services.storage.blobService, services.blobs),
    })({
      offerId: offer.offerId,
      submissionId: '1',
      snapshotBlobName,
      at: new Date().toISOString(),
      package: { blobName: `${offer.offerId}/sales.app`, copyBlobName: `${offer.offerId}/1/sales.app` },
    });
    expect(step5.outcome).toBe('failed');
    const stepDetails = step5.outcome === 'failed' ? step5.details : [];
    const res = await post(offer.offerId);
    const checked = res.body.findings
      .filter((f: { code: string }) => f.code === 'storefront_invalid')
      .map(({ path, message }: { path: string; message: string }) => ({ path, message }));
    expect(checked).toEqual(stepDetails);
    expect(checked).toHaveLength(2);
  });

  it("reports the Test Drive settings' shape when Test Drive is enabled (no probe)", async () => {
    const offer = await goodOffer((o) => ({
      ...o,
      testDrive: { enabled: true, instanceUrl: 'https://td.contoso.example/', maxConcurrent: 5 },
    }));
    const res = await post(offer.offerId);
    expect(res.body.findings).toEqual([
      {
        path: 'testDrive.durationHours',
        severity: 'error',
        code: 'test_drive_invalid',
        message: 'is required for Test Drive',
      },
      {
        path: 'testDrive.userManualUrl',
        severity: 'error',
        code: 'test_drive_invalid',
        message: 'is required for Test Drive',
      },
    ]);
  });

  it('reports a stored lead destination whose shape step 4 cannot use', async () => {
    // Stored before a rule tightened (the PUT route refuses this today): check still names it.
    const offer = await goodOffer((o) => ({
      ...o,
      leadDestination: { type: 'https', url: 'http://crm.contoso.example/leads' },
    }));
    const res = await post(offer.offerId);
    // As step 1 would fail it: the draft's schema covers the lead destination.
    expect(res.body.findings).toEqual([
      {
        path: 'leadDestination.url',
        severity: 'error',
        code: 'missing_fields',
        message: 'must be an absolute https URL',
      },
    ]);
  });

  it("reports the current package report's findings under package, judged against the offer as it is now", async () => {
    const offer = await goodOffer();
    await services.packageReports.put(
      offer.offerId,
      completedReport({
        blobName: `${offer.offerId}/sales2.app`,
        now: new Date(Date.now() + 1000).toISOString(),
        findings: [
          { rule: 'package.unsigned', severity: 'warning', message: 'the .app is not signed' },
          {
            rule: 'symbols.missing-affix',
            severity: 'error',
            message: 'table Customer Ledger has no affix',
            path: 'Table.Customer Ledger',
          },
        ],
        manifest: {
          format: 'app',
          id: '8b1c4e0a-3f5d-4c1e-9a77-2f0d5b6c7e11',
          name: 'Sales Insights',
          publisher: 'Contoso',
          version: '1.3.0.0',
          idRanges: [],
          dependencies: [],
        },
      }),
    );
    const res = await post(offer.offerId);
    expect(res.body.findings).toEqual(
      expect.arrayContaining([
        { path: 'package', severity: 'warning', code: 'package.unsigned', message: 'the .app is not signed' },
        {
          path: 'package.Table.Customer Ledger',
          severity: 'error',
          code: 'symbols.missing-affix',
          message: 'table Customer Ledger has no affix',
        },
        expect.objectContaining({ code: 'manifest.version-mismatch', severity: 'error' }),
      ]),
    );
    expect(res.body.findings.every((f: { path: string }) => /^package(\.|$)/.test(f.path))).toBe(true);
  });

  it('says when no package was uploaded, and when its validation is still running', async () => {
    const offerId = uniqueOfferId('check');
    await seedOffer(services, offerId);
    const none = await post(offerId);
    expect(none.body.findings).toContainEqual(
      expect.objectContaining({ path: 'package', severity: 'error', code: 'package_missing' }),
    );
    await services.packageReports.put(offerId, pendingReport(`${offerId}/p.app`, new Date().toISOString()));
    const pending = await post(offerId);
    expect(pending.body.findings).toContainEqual(
      expect.objectContaining({ path: 'package', severity: 'warning', code: 'package_pending' }),
    );
  });

  it('is for the owner (and Admin): 401, 403 for another publisher or a reviewer, 404 for no offer', async () => {
    const offer = await goodOffer();
    expect((await post(offer.offerId, 'root')).status).toBe(200);
    expect((await post(offer.offerId, 'bob')).status).toBe(403);
    expect((await post(offer.offerId, 'mia')).status).toBe(403);
    const anonymous = await call(
      check,
      request('POST', `offers/${offer.offerId}/check`, { params: { offerId: offer.offerId } }),
    );
    expect(anonymous.status).toBe(401);
    const missing = await post(uniqueOfferId('nope'));
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('offer_not_found');
  });
});
