/**
 * Step 2 and the deletion of superseded uploads (shared/domain/uploadOrder.ts): once a later
 * upload's report is stored, an earlier upload's own blob is deleted. A step 2 that judged the
 * earlier report and then finds its blob gone waits for (and reads) the later one instead of
 * failing the submission with package_changed. Real Azurite, real zip bytes, the real trigger.
 */
import { InvocationContext } from '@azure/functions';
import { readPackageReport } from '../../activities/readPackageReport';
import { validatePackageBlob } from '../../functions/validatePackageBlob';
import { CONTAINERS } from '../../shared/contracts/names';
import { uploadBlobName } from '../../shared/domain/uploadOrder';
import type { BlobRef } from '../../shared/ports/blobs';
import type { Services } from '../../shared/services';
import { blobCreatedEvent } from '../support/blobEvents';
import { OFFER_APP, appIdFor, appJson, withOwnAppId, zipPackage } from '../support/packages';
import { submit, testServices, uniqueOfferId } from './helpers';

const services: Services = testServices();

/** An upload through the app: its number, its own blob, then its event handled. */
async function acceptAndValidate(offerId: string, fileName: string): Promise<string> {
  const sequence = await services.packageReports.nextSequence(offerId);
  const storedAs = uploadBlobName(offerId, sequence, fileName);
  await services.blobs.upload(
    { container: CONTAINERS.packages, name: storedAs },
    zipPackage(withOwnAppId(appJson(), offerId)),
  );
  const event = await blobCreatedEvent(CONTAINERS.packages, storedAs);
  const context = new InvocationContext({ functionName: 'validatePackageBlob', logHandler: () => undefined });
  await validatePackageBlob(services, () => undefined)(event, context);
  return storedAs;
}

it('waits for the later upload when the judged one’s blob was deleted for it, then passes on it', async () => {
  const offerId = uniqueOfferId('step2race');
  const app = { ...OFFER_APP, id: appIdFor(offerId) };
  const at = new Date().toISOString();
  await services.offers.put({ offerId, publisherId: 'contoso', createdAt: at, updatedAt: at, app });
  const first = await acceptAndValidate(offerId, 'p.zip');
  const input = await submit(services, offerId, { app });

  // Between step 2's read of the report and its copy, a second upload is validated and stored.
  let later: string | undefined;
  const racing: Services = {
    ...services,
    blobs: {
      ...services.blobs,
      info: async (ref: BlobRef) => {
        if (ref.name === first && !later) later = await acceptAndValidate(offerId, 'p.zip');
        return services.blobs.info(ref);
      },
      // Step 2 copies the judged version under its ETag without reading it first: the race lands
      // right before that copy.
      copy: async (from: BlobRef, to: BlobRef, options?: { sourceEtag?: string }) => {
        if (from.name === first && !later) later = await acceptAndValidate(offerId, 'p.zip');
        return services.blobs.copy(from, to, options);
      },
    },
  };
  const step2 = await readPackageReport(racing)(input);
  expect(later).toBe(uploadBlobName(offerId, 2, 'p.zip'));
  expect(await services.blobs.info({ container: CONTAINERS.packages, name: first })).toBeUndefined();
  expect(step2).toEqual({ outcome: 'waiting', message: expect.stringContaining(`${offerId}/p.zip`) });

  const again = await readPackageReport(services)(input);
  expect(again).toMatchObject({ outcome: 'succeeded', blobName: `${offerId}/p.zip` });
  const copy = await services.blobs.download({
    container: CONTAINERS.submissions,
    name: (again as { copyBlobName: string }).copyBlobName,
  });
  const second = await services.blobs.download({ container: CONTAINERS.packages, name: later ?? '' });
  expect(copy?.equals(second ?? Buffer.alloc(0))).toBe(true);
});
