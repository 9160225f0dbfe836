import { publishPackage } from '../../activities/publishPackage';
import { recordStepChange } from '../../activities/recordStepChange';
import { CONTAINERS } from '../../shared/contracts/names';
import { publishedBlobName, validatedPackageCopyName } from '../../shared/domain/workflow';
import type { TransitionEntry } from '../../shared/contracts/activities';
import type { Transition } from '../../shared/domain/states';
import { notStartedStatus } from '../../shared/domain/status';
import type { StepId } from '../../shared/domain/steps';
import { startSubmission } from '../../shared/domain/transitions';
import { productServices, testStorageConnection } from '../faults/support';
import { operationsOf, startStorageProxy, type StorageProxy } from '../support/storageProxy';
import { uniqueOfferId } from './helpers';

/**
 * What a step change costs in storage requests (issue 29, docs/operations.md "Storage layout"),
 * counted by a proxy in front of Azurite. In one process the status row and the offer's list rows
 * are remembered with their ETags (shared/adapters/tables/rememberedRows.ts), so a step change that
 * follows another write of the same offer is one transaction of its timeline and one per list,
 * with no read; a status write of a route after it is one request.
 */
const AT = '2026-12-01T10:00:00.000Z';
let proxy: StorageProxy;

beforeAll(async () => {
  proxy = await startStorageProxy(testStorageConnection());
});

afterAll(async () => {
  await proxy.close();
});

const t = (step: StepId, transition: Transition): TransitionEntry => ({ step, transition, at: AT });

/** The requests `run` makes, as `METHOD table-or-container` (a `$batch` names its table). */
const requestsOf = (run: () => Promise<unknown>) => operationsOf(proxy, run);

/** An offer with its list rows, its submission 1 started by a Publish (as the route writes it). */
async function publishedOffer() {
  const services = productServices(proxy.connectionString);
  const offerId = uniqueOfferId('cost');
  await services.offers.put({ offerId, publisherId: 'contoso', name: 'Cost', createdAt: AT, updatedAt: AT });
  await services.statuses.update(
    offerId,
    (current) => startSubmission(current, '1', 'ann@contoso.com', AT, 'contoso'),
    () => notStartedStatus(offerId, AT),
  );
  return { services, offerId, record: recordStepChange(services) };
}

describe('storage requests of a step change', () => {
  it('is three transactions after a write of the same offer: its timeline and its two lists, no read', async () => {
    const { offerId, record } = await publishedOffer();
    await record({
      offerId,
      submissionId: '1',
      transitions: [t('validate-prerequisites', 'started'), t('validate-prerequisites', 'succeeded')],
    });
    const requests = await requestsOf(() =>
      record({
        offerId,
        submissionId: '1',
        transitions: [t('automated-validation', 'started'), t('automated-validation', 'waiting')],
      }),
    );
    expect(requests).toEqual([
      'POST OfferTimeline $batch',
      expect.stringMatching(/^POST Offer(Catalog|sByPublisher) \$batch$/),
      expect.stringMatching(/^POST Offer(Catalog|sByPublisher) \$batch$/),
    ]);
  });

  it('is one request for a status write after a step change (a Go Live mark), and the next change needs no read', async () => {
    const { services, offerId, record } = await publishedOffer();
    await record({
      offerId,
      submissionId: '1',
      transitions: [t('validate-prerequisites', 'started'), t('validate-prerequisites', 'succeeded')],
    });
    const mark = await requestsOf(() =>
      services.statuses.update(
        offerId,
        (current) => ({ ...current, goLiveAt: AT }),
        () => notStartedStatus(offerId, AT),
      ),
    );
    expect(mark).toEqual(['PATCH OfferTimeline']);
    const next = await requestsOf(() =>
      record({ offerId, submissionId: '1', transitions: [t('automated-validation', 'started')] }),
    );
    expect(next.filter((r) => r.startsWith('GET'))).toEqual([]);
  });

  it("step 8's success is one change: the live version rides with it, no status write of its own", async () => {
    const { services, offerId, record } = await publishedOffer();
    const blobName = `${offerId}/package.zip`;
    const copyBlobName = validatedPackageCopyName(offerId, '1', blobName);
    await services.blobs.upload(
      { container: CONTAINERS.submissions, name: copyBlobName },
      Buffer.from('zip'),
    );
    await record({ offerId, submissionId: '1', transitions: [t('publish', 'started')] });
    const appId = crypto.randomUUID();
    const live = { livePackage: publishedBlobName(offerId, '1', blobName), version: '1.0.0.1', appId };
    const requests = await requestsOf(async () => {
      const outcome = await publishPackage(services)({
        offerId,
        submissionId: '1',
        snapshotBlobName: `${offerId}/1/offer.json`,
        at: AT,
        package: { blobName, copyBlobName, version: '1.0.0.1', appId },
      });
      expect(outcome.outcome).toBe('succeeded');
      await record({
        offerId,
        submissionId: '1',
        transitions: [{ ...t('publish', 'succeeded'), live }, t('live', 'succeeded')],
      });
    });
    expect(requests.filter((r) => /Offer(Timeline|Catalog|sByPublisher)/.test(r))).toEqual([
      'POST OfferTimeline $batch',
      expect.stringMatching(/^POST Offer(Catalog|sByPublisher) \$batch$/),
      expect.stringMatching(/^POST Offer(Catalog|sByPublisher) \$batch$/),
    ]);
    expect(await services.statuses.get(offerId)).toMatchObject({
      state: 'Live',
      lastLiveVersion: '1.0.0.1',
      liveSubmissionId: '1',
    });
    expect(await services.appCatalog.entriesFor(appId)).toEqual([
      { appId, offerId, liveVersion: '1.0.0.1', livePackage: live.livePackage },
    ]);
  });

  it('going live turns the claim step 2 wrote into the live hold with no read of it', async () => {
    const { services, offerId, record } = await publishedOffer();
    const appId = crypto.randomUUID();
    const claimed = await services.appClaims.claim(appId, offerId, '1', AT, async () => true);
    expect(claimed.taken).toBe(true);
    await record({ offerId, submissionId: '1', transitions: [t('publish', 'started')] });
    const live = { livePackage: `${offerId}/1/package.zip`, version: '1.0.0.1', appId };
    const requests = await requestsOf(() =>
      record({
        offerId,
        submissionId: '1',
        transitions: [{ ...t('publish', 'succeeded'), live }, t('live', 'succeeded')],
      }),
    );
    // The claim row (under the ETag step 2 got) with the catalogue's live version in one
    // transaction of the app id's partition, then the pending row.
    expect(requests.filter((r) => r.includes('AppCatalog'))).toEqual([
      'POST AppCatalog $batch',
      'DELETE AppCatalog',
    ]);
    expect(await services.appCatalog.entriesFor(appId)).toEqual([
      { appId, offerId, liveVersion: '1.0.0.1', livePackage: live.livePackage },
    ]);
    expect(await services.appClaims.get(appId)).toMatchObject({
      offerId,
      liveSubmissionId: '1',
      submissionId: '',
    });
  });

  it('a claim written again since by another process is read and judged again', async () => {
    const { services, offerId, record } = await publishedOffer();
    const appId = crypto.randomUUID();
    await services.appClaims.claim(appId, offerId, '1', AT, async () => true);
    // Another process's reconciler claims it again for the same submission (a new ETag).
    const other = productServices(proxy.connectionString);
    await other.appClaims.release(appId, offerId, '1');
    await other.appClaims.claim(appId, offerId, '1', AT, async () => true);
    // Its end releases the id its snapshot names.
    const snapshot = { container: CONTAINERS.submissions, name: `${offerId}/1/offer.json` };
    await services.blobs.upload(snapshot, Buffer.from(JSON.stringify({ offerId, app: { id: appId } })));
    await record({ offerId, submissionId: '1', transitions: [t('validate-prerequisites', 'failed')] });
    expect(await other.appClaims.get(appId)).toBeUndefined();
  });

  it('the end of a submission removes its watch row with one request: the ETag its Publish got, no read', async () => {
    const { services, offerId, record } = await publishedOffer();
    const requests = await requestsOf(() =>
      record({ offerId, submissionId: '1', transitions: [t('validate-prerequisites', 'failed')] }),
    );
    expect(requests.filter((r) => r.includes('ActiveSubmissions'))).toEqual(['DELETE ActiveSubmissions']);
    expect((await services.activeSubmissions.list()).map((e) => e.offerId)).not.toContain(offerId);
  });

  it('a watch row written again since (the daily sweep, another process) is read and judged again', async () => {
    const { services, offerId, record } = await publishedOffer();
    await productServices(proxy.connectionString).activeSubmissions.mark(offerId, '1', AT);
    await record({ offerId, submissionId: '1', transitions: [t('validate-prerequisites', 'failed')] });
    expect((await services.activeSubmissions.list()).map((e) => e.offerId)).not.toContain(offerId);
  });

  it('reads and decides again when another process wrote since: nothing is lost', async () => {
    const { offerId, record } = await publishedOffer();
    await record({
      offerId,
      submissionId: '1',
      transitions: [t('validate-prerequisites', 'started'), t('validate-prerequisites', 'succeeded')],
    });
    // Another process (its own remembered rows) records the next change meanwhile.
    const other = productServices(proxy.connectionString);
    await recordStepChange(other)({
      offerId,
      submissionId: '1',
      transitions: [t('automated-validation', 'started')],
    });
    await record({
      offerId,
      submissionId: '1',
      transitions: [t('automated-validation', 'succeeded'), t('test-drive-validation', 'started')],
    });
    const status = await other.statuses.get(offerId);
    const steps = Object.fromEntries((status?.steps ?? []).map((s) => [s.id, s.state]));
    expect(steps['automated-validation']).toBe('Succeeded');
    expect(steps['test-drive-validation']).toBe('InProgress');
    const page = await other.offerIndex.page({ kind: 'catalog' }, offerId.slice(0, -1), 200);
    expect(page.items.find((i) => i.offerId === offerId)?.currentStep).toBe('test-drive-validation');
  });
});
