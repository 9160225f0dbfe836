/**
 * Issue 32 item 7, the local host's side: Event Grid retries a delivery that gets no answer
 * within 30 s (here a shorter limit), while the first invocation goes on running. The local host's
 * blob-event delivery (devhost/blobTriggers.ts) does the same, so the package trigger meets such
 * overlapping deliveries locally too. Real Azurite, a real blob; the function is a stand-in that
 * answers when the test lets it.
 */
import { randomBytes } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { createBlobTriggerRunner } from '../../devhost/blobTriggers';
import type { FunctionInvoker, FunctionRegistration } from '../../devhost/types';

const connection = String(process.env.TEST_STORAGE_CONNECTION);

it('delivers an event again when the first delivery gets no answer in time, the first still running', async () => {
  const container = `events-${randomBytes(4).toString('hex')}`;
  const registration: FunctionRegistration = {
    name: 'onBlobCreated',
    trigger: { name: 'event', type: 'eventGridTrigger' },
    bindings: {},
  };
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const deliveries: { subject: string; finished: boolean }[] = [];
  const invoker: FunctionInvoker = {
    list: () => [registration],
    get: () => registration,
    invoke: async (_name, event) => {
      const delivery = { subject: String((event as { subject: string }).subject), finished: false };
      deliveries.push(delivery);
      await gate; // a slow validation (a cold start): no answer until the test says so
      delivery.finished = true;
    },
  };
  const runner = createBlobTriggerRunner({
    invoker,
    storageConnectionString: connection,
    pollIntervalMs: 50,
    retryDelayMs: () => 50,
    eventAnswerMs: 300,
    eventSubscriptions: [
      {
        name: `sub-${container}`,
        function: registration.name,
        includedEventTypes: ['Microsoft.Storage.BlobCreated'],
        subjectBeginsWith: `/blobServices/default/containers/${container}/blobs/`,
      },
    ],
    log: () => undefined,
  });
  await runner.start();
  try {
    await BlobServiceClient.fromConnectionString(connection)
      .getContainerClient(container)
      .getBlockBlobClient('offer-1/p.zip')
      .upload('bytes', 5);
    for (let i = 0; i < 200 && deliveries.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(deliveries.map((d) => d.subject)).toEqual([
      `/blobServices/default/containers/${container}/blobs/offer-1/p.zip`,
      `/blobServices/default/containers/${container}/blobs/offer-1/p.zip`,
    ]);
    expect(deliveries.map((d) => d.finished)).toEqual([false, false]); // the first one still runs
  } finally {
    release();
    await runner.stop();
    await BlobServiceClient.fromConnectionString(connection).getContainerClient(container).deleteIfExists();
  }
});
