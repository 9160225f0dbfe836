import { randomBytes, randomUUID } from 'node:crypto';
import { makeBuildPreviewPackage } from '../../activities/buildPreviewPackage';
import { publishPackage } from '../../activities/publishPackage';
import { readPackageReport } from '../../activities/readPackageReport';
import type { BuildPreviewInput, StepActivityInput } from '../../shared/contracts/activities';
import { createPreviewPackages } from '../../shared/adapters/previewPackage';
import { CONTAINERS } from '../../shared/contracts/names';
import type { OfferDraft } from '../../shared/domain/offer';
import { notStartedStatus } from '../../shared/domain/status';
import type { Services } from '../../shared/services';
import { jpeg, png } from '../support/images';
import { unzip } from '../support/packages';
import { productServices, testStorageConnection } from '../faults/support';
import { startStorageProxy } from '../support/storageProxy';
import { submit, testServices, uniqueOfferId } from './helpers';

let services: Services;
beforeAll(() => {
  services = testServices();
});

const AT = '2026-11-25T10:00:00.000Z';
const CONNECTION_SECRET = 'AccountKey=never-in-a-preview';

const activity = () => {
  const previews = createPreviewPackages(services.storage.blobService, services.blobs);
  return makeBuildPreviewPackage({ blobs: services.blobs, previews });
};

/**
 * Runs the real step 2 on a Passed report of the package as it is now, and returns step 5's input
 * as the orchestrator builds it from step 2's result.
 */
async function afterStep2(input: StepActivityInput, fileName = 'sales.app'): Promise<BuildPreviewInput> {
  const blobName = `${input.offerId}/${fileName}`;
  const info = await services.blobs.info({ container: CONTAINERS.packages, name: blobName });
  await services.packageReports.put(input.offerId, {
    blobName,
    ...(info ? { etag: info.etag } : {}),
    state: 'Passed',
    findings: [],
    validatedAt: AT,
  });
  const step2 = await readPackageReport(services)(input);
  if (step2.outcome !== 'succeeded') throw new Error(`step 2 did not pass: ${JSON.stringify(step2)}`);
  const { outcome: _outcome, message: _message, ...validated } = step2;
  return { ...input, package: validated };
}

function draft(overrides: Partial<OfferDraft> = {}): OfferDraft {
  return {
    name: 'Contoso Sales Insights',
    summary: 'Sales dashboards for Business Central',
    description: 'Long description of the sales dashboards.',
    categories: ['Sales'],
    app: {
      // Each draft its own app id: step 2 claims the id for the offer (manifest.app-id-taken).
      id: randomUUID(),
      name: 'Sales Insights',
      publisher: 'Contoso',
      version: '1.2.0.0',
    },
    storefront: { logo: 'logo.png', screenshots: ['shot-1.png', 'shot-2.jpg'] },
    leadDestination: { type: 'azureTable', connectionString: CONNECTION_SECRET },
    ...overrides,
  };
}

async function uploadArtifact(offerId: string, name: string, bytes: Buffer) {
  await services.blobs.upload({ container: CONTAINERS.storefront, name: `${offerId}/${name}` }, bytes);
}

/** An offer whose storefront is valid, with a package and a status at this submission. */
async function validOffer(submissionId = '1') {
  const offerId = uniqueOfferId('pv');
  await uploadArtifact(offerId, 'logo.png', png(216, 216));
  await uploadArtifact(offerId, 'shot-1.png', png(1280, 720));
  await uploadArtifact(offerId, 'shot-2.jpg', jpeg(1280, 720));
  const packageBytes = randomBytes(300 * 1024);
  await services.blobs.upload({ container: CONTAINERS.packages, name: `${offerId}/sales.app` }, packageBytes);
  await atSubmission(offerId, submissionId);
  return { offerId, packageBytes };
}

async function atSubmission(offerId: string, submissionId: string) {
  await services.statuses.update(
    offerId,
    (s) => ({ ...s, submissionId, state: 'Running', currentStep: 'appsource-packaging' }),
    () => notStartedStatus(offerId, AT),
  );
}

async function previewOf(offerId: string, submissionId: string) {
  const bytes = await services.blobs.download({
    container: CONTAINERS.previews,
    name: `${offerId}/${submissionId}/preview.zip`,
  });
  if (!bytes) throw new Error('no preview written');
  return unzip(bytes);
}

describe('step 5, AppSource packaging', () => {
  it('reads the package copy once, writes the preview with one Put Blob and no status (issue 29)', async () => {
    const proxy = await startStorageProxy(testStorageConnection());
    try {
      const proxied = productServices(proxy.connectionString);
      const { offerId } = await validOffer();
      const input = await afterStep2(await submit(services, offerId, draft()));
      const mark = proxy.operations.length;
      const previews = createPreviewPackages(proxied.storage.blobService, proxied.blobs);
      const step5 = makeBuildPreviewPackage({ blobs: proxied.blobs, previews });
      expect(await step5(input)).toMatchObject({ outcome: 'succeeded' });
      const onCopy = proxy.operations
        .slice(mark)
        .filter((op) => op.path.endsWith(input.package.copyBlobName))
        .map((op) => op.method);
      expect(onCopy).toEqual(['GET']);
      // The preview is one Put Blob, and step 5 writes no status: its step change links the preview.
      const ops = proxy.operations.slice(mark);
      expect(ops.filter((op) => op.path.endsWith('/preview.zip')).map((op) => op.method)).toEqual(['PUT']);
      expect(ops.filter((op) => op.service === 'table').map((op) => `${op.method} ${op.table}`)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('writes the preview zip with manifest, package and artifacts; the step change links it', async () => {
    const { offerId, packageBytes } = await validOffer();
    const input = await afterStep2(await submit(services, offerId, draft()));
    const outcome = await activity()(input);
    expect(outcome).toMatchObject({ outcome: 'succeeded' });

    const entries = await previewOf(offerId, '1');
    expect([...entries.keys()].sort()).toEqual([
      'manifest.json',
      'package/sales.app',
      'storefront/logo.png',
      'storefront/shot-1.png',
      'storefront/shot-2.jpg',
    ]);
    expect(entries.get('package/sales.app')?.equals(packageBytes)).toBe(true);
    expect(entries.get('storefront/logo.png')?.equals(png(216, 216))).toBe(true);
    const manifestText = entries.get('manifest.json')?.toString('utf8') ?? '';
    expect(JSON.parse(manifestText)).toMatchObject({
      offerId,
      submissionId: '1',
      name: 'Contoso Sales Insights',
      summary: 'Sales dashboards for Business Central',
      app: { name: 'Sales Insights', version: '1.2.0.0' },
      package: { blobName: `${offerId}/sales.app`, entry: 'package/sales.app' },
    });
    expect(manifestText).not.toContain(CONNECTION_SECRET);

    // The hidekey is minted by the change that records this success (recordStepChange.test).
    expect((await services.statuses.get(offerId))?.hidekey).toBeUndefined();
  });

  it('fails with one finding per wrong format, pixel size or missing artifact', async () => {
    const { offerId } = await validOffer();
    await uploadArtifact(offerId, 'logo.jpg', jpeg(216, 216));
    await uploadArtifact(offerId, 'small.png', png(1024, 768));
    await uploadArtifact(offerId, 'notes.png', Buffer.from('not an image at all'));
    const input = await afterStep2(
      await submit(
        services,
        offerId,
        draft({
          storefront: { logo: 'logo.jpg', screenshots: ['small.png', 'shot-2.jpg', 'notes.png', 'gone.png'] },
        }),
      ),
    );
    const outcome = await activity()(input);
    expect(outcome).toMatchObject({ outcome: 'failed', code: 'storefront_invalid' });
    expect(outcome.outcome === 'failed' && outcome.details).toEqual([
      { path: 'storefront.logo', message: 'must be a PNG image (found jpg)' },
      { path: 'storefront.screenshots[0]', message: 'must be 1280x720 pixels (found 1024x768)' },
      { path: 'storefront.screenshots[2]', message: 'must be a PNG or JPEG image (found no readable image)' },
      {
        path: 'storefront.screenshots[3]',
        message: `no artifact 'gone.png' was uploaded; upload it with PUT /api/offers/${offerId}/artifacts/gone.png`,
      },
    ]);
    expect(
      await services.blobs.info({ container: CONTAINERS.previews, name: `${offerId}/1/preview.zip` }),
    ).toBe(undefined);
  });

  it('fails on a missing logo, a logo of the wrong size, no screenshots and texts over their limits', async () => {
    const { offerId } = await validOffer();
    await uploadArtifact(offerId, 'big-logo.png', png(300, 300));
    const missingLogo = await activity()(
      await afterStep2(
        await submit(
          services,
          offerId,
          draft({ storefront: { logo: 'absent.png', screenshots: ['shot-1.png'] } }),
        ),
      ),
    );
    expect(missingLogo).toMatchObject({
      outcome: 'failed',
      details: [{ path: 'storefront.logo', message: expect.stringContaining("no artifact 'absent.png'") }],
    });

    const wrong = await activity()(
      await afterStep2(
        await submit(
          services,
          offerId,
          draft({
            name: 'N'.repeat(51),
            description: '',
            storefront: { logo: 'big-logo.png', screenshots: [] },
          }),
          '2', // a submission's snapshot never changes: another draft is another submission
        ),
      ),
    );
    expect(wrong.outcome === 'failed' && wrong.details).toEqual([
      { path: 'name', message: 'must be at most 50 characters (has 51)' },
      { path: 'description', message: 'is required for the storefront' },
      { path: 'storefront.logo', message: 'must be 216x216 pixels (found 300x300)' },
      { path: 'storefront.screenshots', message: 'must list 1 to 5 screenshots (has 0)' },
    ]);
  });

  it('fails when the validated copy of the package is missing', async () => {
    const offerId = uniqueOfferId('pv');
    await uploadArtifact(offerId, 'logo.png', png(216, 216));
    await uploadArtifact(offerId, 'shot-1.png', png(1280, 720));
    await atSubmission(offerId, '1');
    const input = await submit(
      services,
      offerId,
      draft({ storefront: { logo: 'logo.png', screenshots: ['shot-1.png'] } }),
    );
    const outcome = await activity()({
      ...input,
      package: { blobName: `${offerId}/sales.app`, copyBlobName: `${offerId}/1/package/sales.app` },
    });
    expect(outcome).toMatchObject({ outcome: 'failed', code: 'package_missing' });
    expect((await services.statuses.get(offerId))?.hidekey).toBeUndefined();
  });

  it('packs and publishes the version that passed step 2, whatever is uploaded after it', async () => {
    const { offerId, packageBytes } = await validOffer();
    const input = await afterStep2(await submit(services, offerId, draft()));
    // A new upload to the same blob name while steps 3-4 run, and one under another name.
    const later = randomBytes(200 * 1024);
    await services.blobs.upload({ container: CONTAINERS.packages, name: `${offerId}/sales.app` }, later);
    await services.blobs.upload({ container: CONTAINERS.packages, name: `${offerId}/newer.app` }, later);

    expect(await activity()(input)).toMatchObject({ outcome: 'succeeded' });
    const entries = await previewOf(offerId, '1');
    expect(entries.get('package/sales.app')?.equals(packageBytes)).toBe(true);

    const published = await publishPackage(services)({ ...input, package: input.package });
    expect(published).toMatchObject({ outcome: 'succeeded' });
    const live = await services.blobs.download({
      container: CONTAINERS.published,
      name: `${offerId}/1/sales.app`,
    });
    expect(live?.equals(packageBytes)).toBe(true);
  });

  it('step 2 waits instead of passing a package overwritten since its validation', async () => {
    const { offerId } = await validOffer();
    const input = await submit(services, offerId, draft());
    const info = await services.blobs.info({ container: CONTAINERS.packages, name: `${offerId}/sales.app` });
    await services.packageReports.put(offerId, {
      blobName: `${offerId}/sales.app`,
      etag: info?.etag ?? '',
      state: 'Passed',
      findings: [],
      validatedAt: AT,
    });
    await services.blobs.upload(
      { container: CONTAINERS.packages, name: `${offerId}/sales.app` },
      randomBytes(1024),
    );
    expect(await readPackageReport(services)(input)).toMatchObject({ outcome: 'waiting' });
  });
});
