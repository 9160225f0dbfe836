/**
 * Issue 28 item 2, end to end on the local host (the real app): a second delivery through the
 * ingestion API, under a new file name (BcContainerHelper names every file after its version), is
 * judged on its own package, never on the previous delivery's report. As seen with the real
 * client: 2.2.0.0 is delivered without a new appVersion and fails step 2 (version mismatch), then
 * 2.1.0.0 is delivered with appVersion 2.1.0.0 and must reach Published/ReadyToPublish.
 */
import { RunningHost, startHost } from '../support/host';
import { asPerson } from '../support/principals';
import {
  annToken,
  deliver,
  deliveryApps,
  describedOffer,
  ingestion,
  librariesZip,
  poll,
  uniqueOffer,
} from '../ingestion/support';

jest.setTimeout(180_000);

let host: RunningHost;
beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  await host?.stop();
});

it('judges a redelivery with a new file name on its own package', async () => {
  const offerId = uniqueOffer('redeliver');
  const productId = await describedOffer(host.baseUrl, offerId);
  const client = ingestion(host.baseUrl, productId, annToken());
  const libs = (apps: ReturnType<typeof deliveryApps>) =>
    librariesZip([
      ['lib1.app', apps.lib1],
      ['lib2.app', apps.lib2],
    ]);

  const newer = deliveryApps(offerId, '2.2.0.0');
  const first = await deliver(client, {
    main: newer.main,
    libraries: libs(newer),
    mainFileName: 'Contoso_Sales_2.2.0.0.app',
  });
  expect(first.status).toBe(201);
  const failed = await poll(client, first.body.id, (s) => s.substate !== 'Submitted');
  expect([failed.substate, failed.pendingUpdateInfo.failureReason]).toEqual([
    'Failed',
    expect.stringContaining('2.2.0.0'),
  ]);

  const fixed = deliveryApps(offerId, '2.1.0.0');
  const second = await deliver(client, {
    main: fixed.main,
    libraries: libs(fixed),
    appVersion: '2.1.0.0',
    mainFileName: 'Contoso_Sales_2.1.0.0.app',
  });
  expect(second.status).toBe(201);
  const ready = await poll(client, second.body.id, (s) => s.substate !== 'Submitted');
  expect([ready.state, ready.substate, ready.pendingUpdateInfo.failureReason]).toEqual([
    'Published',
    'ReadyToPublish',
    null,
  ]);
  const report = await host.request(
    'GET',
    `/api/offers/${offerId}/package-validation`,
    undefined,
    asPerson('ann'),
  );
  expect(report.json()).toMatchObject({
    blobName: `${offerId}/Contoso_Sales_2.1.0.0.app`,
    state: 'Passed',
    manifest: expect.objectContaining({ version: '2.1.0.0' }),
  });
});
