import { InvocationContext } from '@azure/functions';
import { publishPackage } from '../../activities/publishPackage';
import { recordStepChange } from '../../activities/recordStepChange';
import { readPackageReport } from '../../activities/readPackageReport';
import { validatePackageBlob } from '../../functions/validatePackageBlob';
import { CONTAINERS } from '../../shared/contracts/names';
import type { Offer } from '../../shared/domain/offer';
import { notStartedStatus } from '../../shared/domain/status';
import { startSubmission } from '../../shared/domain/transitions';
import { publishedBlobName, validatedPackageCopyName } from '../../shared/domain/workflow';
import type { Services } from '../../shared/services';
import {
  OFFER_APP,
  SymbolDoc,
  SymbolObjectSpec,
  appWithSymbols,
  baseSymbols,
  obsolete,
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

describe('an update judged as AppSourceCop judges it (issue 22, "Done when")', () => {
  /** Live 1.1.0.0: the test app and a codeunit it retires (ObsoleteState = Pending). */
  function liveSymbols(): SymbolDoc {
    const doc = baseSymbols();
    doc.Codeunits?.push({
      Id: 50102,
      Name: 'CSI Legacy Forecast',
      Properties: obsolete('Pending', 'Use CSI Forecast Mgt. instead.', '1.1'),
      Methods: [{ Name: 'Run' }],
    });
    return doc;
  }

  /**
   * 1.2.0.0: the retired codeunit deleted, "Customer No." lengthened from Code[20] to Code[50]
   * (or shortened), every object moved into namespace Contoso.Sales, and a new codeunit there
   * without an affix.
   */
  function nextSymbols(length: number): SymbolDoc {
    const doc = baseSymbols();
    const field = (doc.Tables?.[0] as SymbolObjectSpec).Fields?.[2];
    if (field) field.TypeDefinition = { Name: `Code[${length}]` };
    doc.Codeunits?.push({ Id: 50103, Name: 'Forecast Engine', Methods: [{ Name: 'Run' }] });
    return { Namespaces: [{ Namespaces: [{ ...doc, Name: 'Sales' }], Name: 'Contoso' }] };
  }

  it('passes step 2 as an update of the live version, and a shortened field fails it (AS0080)', async () => {
    const offerId = uniqueOfferId('techval');
    const appId = newAppId();
    const draft = { app: { ...OFFER_APP, id: appId }, mandatoryAffixes: ['CSI'] };
    await putOffer(offerId, appId, { mandatoryAffixes: ['CSI'] });
    const manifest = (version: string) => navxManifest(navxAttributes({ Id: appId, Version: version }));
    await upload(
      CONTAINERS.published,
      `${offerId}/1/Contoso.app`,
      appWithSymbols(symbolReference(liveSymbols(), { version: '1.1.0.0' }), manifest('1.1.0.0')),
    );
    await services.statuses.update(
      offerId,
      (s) => ({ ...s, liveSubmissionId: '1', lastLiveVersion: '1.1.0.0' }),
      () => notStartedStatus(offerId, AT),
    );
    const step2 = readPackageReport(services);

    await upload(
      CONTAINERS.packages,
      `${offerId}/Contoso.app`,
      appWithSymbols(symbolReference(nextSymbols(10)), manifest('1.2.0.0')),
    );
    const shortened = await trigger(offerId, 'Contoso.app');
    expect(shortened?.findings.map((f) => [f.severity, f.message.slice(0, 6), f.path])).toEqual([
      ['error', 'AS0080', 'SymbolReference.json#Table 50100 "CSI Sales Forecast"/Field 3 "Customer No."'],
    ]);
    const refused = await step2(await submit(services, offerId, draft, '2'));
    expect(refused).toMatchObject({ outcome: 'failed', code: 'package_invalid' });

    await upload(
      CONTAINERS.packages,
      `${offerId}/Contoso.app`,
      appWithSymbols(symbolReference(nextSymbols(50)), manifest('1.2.0.0')),
    );
    const report = await trigger(offerId, 'Contoso.app');
    expect(report?.state).toBe('Passed');
    expect(report?.findings).toEqual([
      {
        rule: 'symbols.field-lengthened',
        severity: 'warning',
        message: expect.stringMatching(/^AS0086: .*from Code\[20\] to Code\[50\]/),
        path: 'SymbolReference.json#Table 50100 "CSI Sales Forecast"/Field 3 "Customer No."',
      },
    ]);
    const passed = await step2(await submit(services, offerId, draft, '3'));
    expect(passed).toMatchObject({
      outcome: 'succeeded',
      message: expect.stringContaining('with 1 warning(s)'),
      version: '1.2.0.0',
    });
  });
});

describe('publishPackage', () => {
  it('records the live version in the catalogue, with the step change of step 8', async () => {
    const offerId = uniqueOfferId('techval');
    const appId = newAppId();
    const input = await submit(services, offerId, { app: { ...OFFER_APP, id: appId } }, '7');
    const blobName = `${offerId}/Contoso.app`;
    const copyBlobName = validatedPackageCopyName(offerId, '7', blobName);
    // Step 8 publishes the copy step 2 took of the validated version.
    await upload(CONTAINERS.submissions, copyBlobName, appWithSymbols(symbolReference()));
    await services.statuses.update(
      offerId,
      (s) => ({ ...startSubmission(s, '7', 'ann@contoso.com', AT, 'contoso'), currentStep: 'publish' }),
      () => notStartedStatus(offerId, AT),
    );
    const outcome = await publishPackage(services)({
      ...input,
      package: { blobName, copyBlobName, version: '1.2.0.0' },
    });
    expect(outcome.outcome).toBe('succeeded');
    // Nothing is live until the change that records step 8's success (as the orchestrator names it).
    expect(await services.appCatalog.entriesFor(appId)).toEqual([]);
    const live = { livePackage: publishedBlobName(offerId, '7', blobName), version: '1.2.0.0' };
    await recordStepChange(services)({
      offerId,
      submissionId: '7',
      transitions: [
        { step: 'publish', transition: 'succeeded', at: AT, live },
        { step: 'live', transition: 'succeeded', at: AT },
      ],
    });
    expect(await services.statuses.get(offerId)).toMatchObject({
      state: 'Live',
      lastLiveVersion: '1.2.0.0',
      liveSubmissionId: '7',
    });
    expect(await services.appCatalog.entriesFor(appId)).toEqual([
      { appId, offerId, liveVersion: '1.2.0.0', livePackage: `${offerId}/7/Contoso.app` },
    ]);
  });
});
