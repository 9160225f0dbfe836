import { InvocationContext } from '@azure/functions';
import { publishPackage } from '../../activities/publishPackage';
import { validatePackageBlob } from '../../functions/validatePackageBlob';
import { CONTAINERS } from '../../shared/contracts/names';
import type { Offer } from '../../shared/domain/offer';
import { notStartedStatus } from '../../shared/domain/status';
import { validatedPackageCopyName } from '../../shared/domain/workflow';
import type { Services } from '../../shared/services';
import {
  OFFER_APP,
  SymbolObjectSpec,
  appWithSymbols,
  baseSymbols,
  SYSTEM_APPLICATION,
  navxAttributes,
  navxManifest,
  symbolReference,
} from '../support/packages';
import { blobCreatedEvent } from '../support/blobEvents';
import { submit, testServices, uniqueOfferId } from '../steps/helpers';

const AT = '2026-11-25T10:00:00.000Z';
let services: Services;

beforeAll(() => {
  services = testServices();
});

/** A fresh app id per test: the catalogue is shared by every test of the run. */
function newAppId(): string {
  return crypto.randomUUID();
}

async function putOffer(offerId: string, appId: string, extra: Partial<Offer> = {}): Promise<void> {
  await services.offers.put({
    offerId,
    publisherId: 'contoso',
    createdAt: AT,
    updatedAt: AT,
    app: { ...OFFER_APP, id: appId },
    ...extra,
  });
}

async function upload(container: string, name: string, bytes: Buffer): Promise<void> {
  await services.blobs.upload({ container, name }, bytes, 'application/octet-stream');
}

/** What the host does when a package lands in `packages/{offerId}/{fileName}`: its BlobCreated event. */
async function trigger(offerId: string, fileName: string) {
  const context = new InvocationContext({ invocationId: 'test' });
  const event = await blobCreatedEvent(CONTAINERS.packages, `${offerId}/${fileName}`);
  await validatePackageBlob(services, () => undefined)(event, context);
  return services.packageReports.get(offerId);
}

describe('AppCatalog', () => {
  it('keeps one row per offer under an app id, merging a submission’s claim and live', async () => {
    const appId = newAppId();
    const inProgress = () => Promise.resolve(true);
    await services.appClaims.claim(`{${appId.toUpperCase()}}`, 'offer-a', '1', AT, inProgress);
    await services.appCatalog.recordLive(appId, 'offer-a', '1.0.0.0', 'offer-a/1/p.app');
    // offer-b's claim is refused (offer-a's submission holds the id): offer-b's row shows no claim.
    expect((await services.appClaims.claim(appId, 'offer-b', '1', AT, inProgress)).taken).toBe(false);
    await services.appCatalog.recordLive(appId, 'offer-b', '', '');
    const entries = await services.appCatalog.entriesFor(appId.toUpperCase());
    expect(entries.sort((a, b) => a.offerId.localeCompare(b.offerId))).toEqual([
      { appId, offerId: 'offer-a', liveVersion: '1.0.0.0', livePackage: 'offer-a/1/p.app', passedAt: AT },
      { appId, offerId: 'offer-b' },
    ]);
    expect(await services.appCatalog.entriesFor(newAppId())).toEqual([]);
  });
});

describe('technical validation through the blob trigger', () => {
  it('compares with the live package in container published; a passed report claims nothing', async () => {
    const offerId = uniqueOfferId('techval');
    const appId = newAppId();
    await putOffer(offerId, appId, { mandatoryAffixes: ['CSI'] });
    const attributes = navxManifest(navxAttributes({ Id: appId }));
    await upload(
      CONTAINERS.published,
      `${offerId}/1/Contoso.app`,
      appWithSymbols(symbolReference(), attributes),
    );
    await services.statuses.update(
      offerId,
      (s) => ({ ...s, liveSubmissionId: '1', lastLiveVersion: '1.1.0.0' }),
      () => notStartedStatus(offerId, AT),
    );

    const doc = baseSymbols();
    (doc.Tables?.[0] as SymbolObjectSpec).Fields?.pop();
    await upload(
      CONTAINERS.packages,
      `${offerId}/Contoso.app`,
      appWithSymbols(symbolReference(doc), attributes),
    );
    const failed = await trigger(offerId, 'Contoso.app');
    expect(failed?.state).toBe('Failed');
    expect(failed?.findings.map((f) => [f.rule, f.path])).toEqual([
      [
        'symbols.breaking-change',
        'SymbolReference.json#Table 50100 "CSI Sales Forecast"/Field 3 "Customer No."',
      ],
    ]);
    expect(await services.appCatalog.entriesFor(appId)).toEqual([]);

    await upload(
      CONTAINERS.packages,
      `${offerId}/Contoso.app`,
      appWithSymbols(symbolReference(), attributes),
    );
    const passed = await trigger(offerId, 'Contoso.app');
    expect(passed?.findings).toEqual([]);
    expect(await services.appCatalog.entriesFor(appId)).toEqual([]);
  });

  it('reports an app id another offer holds and a dependency not live here', async () => {
    const appId = newAppId();
    await services.appCatalog.recordLive(appId, 'someone-else', '2.0.0.0', 'someone-else/1/x.app');
    const offerId = uniqueOfferId('techval');
    await putOffer(offerId, appId);
    const library = newAppId();
    await services.appCatalog.recordLive(library, 'contoso-library', '1.0.0.0', 'contoso-library/1/l.app');
    const dependencies = (version: string) =>
      `${SYSTEM_APPLICATION}<Dependency Id="${library}" Name="Contoso Library" Publisher="Contoso" MinVersion="${version}" />`;
    const manifest = (version: string) =>
      navxManifest(navxAttributes({ Id: appId }), undefined, dependencies(version));

    await upload(
      CONTAINERS.packages,
      `${offerId}/Contoso.app`,
      appWithSymbols(symbolReference(), manifest('1.5.0.0')),
    );
    const report = await trigger(offerId, 'Contoso.app');
    expect(report?.findings.map((f) => [f.rule, f.path])).toEqual([
      ['dependencies.unresolved', 'NavxManifest.xml#Dependencies[1]'],
      ['manifest.app-id-taken', 'NavxManifest.xml#Id'],
    ]);
    expect(report?.findings[1]?.message).toContain('"someone-else"');

    await upload(
      CONTAINERS.packages,
      `${offerId}/Contoso.app`,
      appWithSymbols(symbolReference(), manifest('1.0.0.0')),
    );
    const resolved = await trigger(offerId, 'Contoso.app');
    expect(resolved?.findings.map((f) => f.rule)).toEqual(['manifest.app-id-taken']);
  });
});

describe('publishPackage', () => {
  it('records the live version in the catalogue', async () => {
    const offerId = uniqueOfferId('techval');
    const appId = newAppId();
    const input = await submit(services, offerId, { app: { ...OFFER_APP, id: appId } }, '7');
    const blobName = `${offerId}/Contoso.app`;
    const copyBlobName = validatedPackageCopyName(offerId, '7', blobName);
    // Step 8 publishes the copy step 2 took of the validated version.
    await upload(CONTAINERS.submissions, copyBlobName, appWithSymbols(symbolReference()));
    await services.statuses.update(
      offerId,
      (s) => ({ ...s, submissionId: '7' }),
      () => notStartedStatus(offerId, AT),
    );
    const outcome = await publishPackage(services)({
      ...input,
      package: { blobName, copyBlobName, version: '1.2.0.0' },
    });
    expect(outcome.outcome).toBe('succeeded');
    expect(await services.appCatalog.entriesFor(appId)).toEqual([
      { appId, offerId, liveVersion: '1.2.0.0', livePackage: `${offerId}/7/Contoso.app` },
    ]);
  });
});
