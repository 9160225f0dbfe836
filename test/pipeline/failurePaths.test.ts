/**
 * Issue 21 items 5 and 6, on real Azurite stores with real zip bytes:
 * - a report whose announcement keeps failing is not lost: the trigger is retried (the report
 *   stays stored), and its last attempt ends without poisoning the event;
 * - a PUT .../package whose commit fails leaves the previous report in place (no stale Pending).
 */
import { InvocationContext } from '@azure/functions';
import { makeUploadPackage } from '../../functions/uploadPackage';
import { validatePackageBlob } from '../../functions/validatePackageBlob';
import { CONTAINERS } from '../../shared/contracts/names';
import { notStartedStatus } from '../../shared/domain/status';
import type { Services } from '../../shared/services';
import { blobCreatedEvent } from '../support/blobEvents';
import { appIdFor, appJson, withOwnAppId, zipPackage } from '../support/packages';
import { call, request, testServices, uniqueOfferId } from '../api/support';

let services: Services;
beforeAll(async () => {
  services = testServices({ MAX_PACKAGE_BYTES: String(1024 * 1024) });
  await services.storage.blobService.getContainerClient(CONTAINERS.packages).createIfNotExists();
});

async function withOffer(prefix: string): Promise<string> {
  const offerId = uniqueOfferId(prefix);
  const at = new Date().toISOString();
  await services.offers.put({
    offerId,
    publisherId: 'contoso',
    createdAt: at,
    updatedAt: at,
    app: { id: appIdFor(offerId), name: 'Contoso Sales', publisher: 'Contoso', version: '1.2.0.0' },
  });
  return offerId;
}

async function uploadDirect(offerId: string, fileName: string): Promise<void> {
  await services.storage.blobService
    .getContainerClient(CONTAINERS.packages)
    .getBlockBlobClient(`${offerId}/${fileName}`)
    .uploadData(zipPackage(withOwnAppId(appJson(), offerId)));
}

const quiet = () =>
  new InvocationContext({ functionName: 'validatePackageBlob', logHandler: () => undefined });

describe('issue 21 item 5: a report whose announcement fails', () => {
  it('is kept and announced on a later attempt; the last attempt does not poison the event', async () => {
    const offerId = await withOffer('announce');
    await services.statuses.update(
      offerId,
      (s) => ({ ...s, submissionId: '1', state: 'Running', currentStep: 'automated-validation' }),
      () => notStartedStatus(offerId, new Date().toISOString()),
    );
    await uploadDirect(offerId, 'p.zip');
    const event = await blobCreatedEvent(CONTAINERS.packages, `${offerId}/p.zip`);
    const raised: unknown[] = [];
    let failing = true;
    const events = () => ({
      raiseEvent: async (_id: string, _name: string, data: unknown) => {
        if (failing) throw new Error('simulated raise failure');
        raised.push(data);
      },
    });
    const handler = validatePackageBlob(services, events);
    const outcomes: string[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      outcomes.push(
        await handler(event, quiet()).then(
          () => 'returned',
          () => 'threw',
        ),
      );
      // The report is stored before the raise: whatever the raise does, it is there.
      expect(await services.packageReports.get(offerId)).toMatchObject({
        blobName: `${offerId}/p.zip`,
        state: 'Passed',
      });
    }
    // Retried while attempts remain; the last one logs instead of throwing to the poison queue.
    expect(outcomes).toEqual(['threw', 'threw', 'threw', 'threw', 'returned']);

    // A second upload whose raise fails once, then works: the retry announces it.
    await uploadDirect(offerId, 'q.zip');
    const second = await blobCreatedEvent(CONTAINERS.packages, `${offerId}/q.zip`);
    await expect(handler(second, quiet())).rejects.toThrow('simulated raise failure');
    failing = false;
    await handler(second, quiet());
    expect(raised).toEqual([{ blobName: `${offerId}/q.zip`, etag: expect.any(String) }]);
  });
});

describe('issue 21 item 6: an upload whose commit fails', () => {
  it('leaves the previous report in place', async () => {
    const offerId = await withOffer('commit');
    await uploadDirect(offerId, 'first.zip');
    await validatePackageBlob(services, () => undefined)(
      await blobCreatedEvent(CONTAINERS.packages, `${offerId}/first.zip`),
      quiet(),
    );
    const before = await services.packageReports.get(offerId);
    expect(before).toMatchObject({ blobName: `${offerId}/first.zip`, state: 'Passed' });
    // Storage stages every block and then refuses the commit (Put Block List).
    const failingCommit: Services = {
      ...services,
      blobs: {
        ...services.blobs,
        uploadStream: async (_ref, source, options) => {
          let size = 0;
          for await (const chunk of source) size += chunk.byteLength;
          await options?.beforeCommit?.(size);
          throw Object.assign(new Error('simulated commit failure'), { statusCode: 503 });
        },
      },
    };
    const res = await call(
      makeUploadPackage(failingCommit),
      request('PUT', `offers/${offerId}/package`, {
        as: 'ann',
        params: { offerId },
        headers: { 'content-type': 'application/octet-stream', 'x-file-name': 'second.zip' },
        body: zipPackage(withOwnAppId(appJson(), offerId)),
      }),
    );
    expect(res.status).toBe(500);
    expect(await services.packageReports.get(offerId)).toEqual(before);
  });
});
