/**
 * Issue 21 item 5, the workflow's end: step 2 waits for the package report; when the report is
 * stored but its event never arrives (every raise failed), step 2 reads the stored report again
 * before it gives up, instead of failing with `no_package`. Through the local host (the real
 * orchestrator and activities); the host serves no package trigger here, so the test stores the
 * report with the trigger's own handler and a durable client whose raise always fails.
 */
import { InvocationContext } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { validatePackageBlob } from '../../functions/validatePackageBlob';
import { CONTAINERS } from '../../shared/contracts/names';
import { blobCreatedEvent } from '../support/blobEvents';
import { RunningHost, startHost } from '../support/host';
import { appJson, withOwnAppId, zipPackage } from '../support/packages';
import { publisherSteps, waitFor } from '../support/scenario';
import { testServices, uniqueOfferId } from '../steps/helpers';

let host: RunningHost;
const services = testServices();

beforeAll(async () => {
  host = await startHost({
    main: 'dist/{functions/{putOffer,publishOffer,getStatus,uploadArtifact},orchestrators/*,activities/*}.js',
    env: { PACKAGE_VALIDATION_TIMEOUT: 'PT8S' },
  });
});
afterAll(async () => {
  await host?.stop();
});

it('passes step 2 on a stored report whose event was lost', async () => {
  const offerId = uniqueOfferId('lostevent');
  const p = publisherSteps(host.baseUrl, offerId);
  expect([200, 201]).toContain((await p.describe()).status);
  await p.uploadArtifacts();
  expect((await p.publish()).status).toBe(202);
  await waitFor(
    'step 2 waiting',
    () => p.status(),
    (s) => s.steps.some((x) => x.id === 'automated-validation' && x.state === 'Waiting'),
  );
  const blobName = `${offerId}/package.zip`;
  const packages = BlobServiceClient.fromConnectionString(
    process.env.TEST_STORAGE_CONNECTION ?? '',
  ).getContainerClient(CONTAINERS.packages);
  await packages.createIfNotExists(); // this host runs no package trigger, which would create it
  await packages.getBlockBlobClient(blobName).uploadData(zipPackage(withOwnAppId(appJson(), offerId)));
  const lost = () => ({ raiseEvent: () => Promise.reject(new Error('simulated raise failure')) });
  const event = await blobCreatedEvent(CONTAINERS.packages, blobName);
  const context = () =>
    new InvocationContext({ functionName: 'validatePackageBlob', logHandler: () => undefined });
  for (let attempt = 1; attempt <= 5; attempt++) {
    await validatePackageBlob(services, lost)(event, context()).catch(() => undefined);
  }
  expect(await services.packageReports.get(offerId)).toMatchObject({ blobName, state: 'Passed' });
  const settled = await p.waitForState(['WaitingForPublisher', 'Failed'], 45_000);
  expect(settled.error).toBeNull();
  expect(settled.state).toBe('WaitingForPublisher');
});
