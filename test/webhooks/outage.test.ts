/**
 * Storage outages during webhook delivery (issue 31: "after an outage, no event is missing, and
 * none is delivered out of order"). The real app in the local host with its storage behind the
 * fault proxy; generated schedules fail the webhook tables' requests (the event log and cursors in
 * OfferTimeline, the endpoints, the delivery log) while events are appended and delivered, and the
 * receiver fails some answers too. Afterwards every event arrives, in order, once after de-dup.
 */
import fc from 'fast-check';
import { RunningHost, startHost } from '../support/host';
import { asPerson } from '../support/principals';
import { startStorageProxy, type StorageOperation, type StorageProxy } from '../support/storageProxy';
import { eventually, uniqueOfferId, workflow } from '../workflow/flow';
import { removeAdminEndpoints } from './cleanup';
import { startReceiver } from './receiver';

jest.setTimeout(600_000);

const MAIN = 'dist/{functions,orchestrators,activities,test/webhooks/fixtures}/*.js';
const TABLES = ['OfferTimeline', 'WebhookEndpoints', 'WebhookDeliveries'];
let proxy: StorageProxy;
let host: RunningHost;

beforeAll(async () => {
  proxy = await startStorageProxy(process.env.TEST_STORAGE_CONNECTION ?? '');
  host = await startHost({ main: MAIN, env: { AzureWebJobsStorage: proxy.connectionString } });
}, 60_000);
afterAll(async () => {
  await removeAdminEndpoints();
  await host?.stop();
  await proxy?.close();
});

const touches = (table: string) => (op: StorageOperation) =>
  op.service === 'table' && ((op.table ?? '').startsWith(table) || (op.batch && op.body.includes(table)));

const faultSchema = fc.record({
  table: fc.constantFrom(...TABLES),
  fault: fc.constantFrom<{ status: 503 } | 'reset'>({ status: 503 }, 'reset'),
  skip: fc.integer({ min: 0, max: 25 }),
  times: fc.integer({ min: 1, max: 3 }),
});
const scheduleSchema = fc.record({
  faults: fc.array(faultSchema, { minLength: 1, maxLength: 3 }),
  /** How many first answers of the receiver are 500. */
  receiverFailures: fc.integer({ min: 0, max: 2 }),
  events: fc.integer({ min: 2, max: 5 }),
});

/** POSTs until it is answered 200, as a retrying client does (5xx while storage fails). */
async function appendEvent(offerId: string, n: number) {
  const event = { type: 'offer.submission.step-changed', submissionId: 's1', data: { n, step: `step-${n}` } };
  await eventually(async () => {
    const res = await host.request('POST', `/api/test/offers/${offerId}/events`, { events: [event] });
    return res.status === 200 ? true : undefined;
  }, `event ${n} appended`);
}

describe('webhook delivery through storage outages', () => {
  it('delivers every event in order, once after de-dup, whatever failed meanwhile', async () => {
    const faultedBefore = proxy.faulted;
    await fc.assert(
      fc.asyncProperty(scheduleSchema, async (schedule) => {
        const offerId = uniqueOfferId('wh-outage');
        await workflow(host, offerId).putOffer();
        const receiver = await startReceiver((n) => (n < schedule.receiverFailures ? 500 : 200));
        try {
          const created = await host.request(
            'POST',
            '/api/webhooks',
            { url: receiver.url, events: ['*'], offerIds: [offerId] },
            asPerson('ann'),
          );
          expect(created.status).toBe(201);
          receiver.secrets.push(created.json<{ secret: string }>().secret);
          for (const f of schedule.faults)
            proxy.fail({ fault: f.fault, skip: f.skip, times: f.times, match: touches(f.table) });
          for (let n = 0; n < schedule.events; n++) await appendEvent(offerId, n);
          proxy.clear();
          const expected = Array.from({ length: schedule.events }, (_, n) => n);
          await eventually(
            async () => {
              if (receiver.unique().length >= schedule.events) return true;
              // Retries wait on durable timers (activity retries, the delivery backoff): move the clock.
              await host.request('POST', '/admin/clock/advance', { by: 'PT10M' });
              return undefined;
            },
            'every event delivered',
            () => JSON.stringify(receiver.received.map((r) => [r.status, (r.body.data as { n: number }).n])),
            240_000,
          );
          expect(receiver.unique().map((r) => (r.body.data as { n: number }).n)).toEqual(expected);
          expect(receiver.received.every((r) => r.verified)).toBe(true);
        } finally {
          proxy.clear();
          await receiver.close();
        }
      }),
      {
        numRuns: Number(process.env.WEBHOOK_OUTAGE_RUNS ?? 4),
        seed: Number(process.env.WEBHOOK_OUTAGE_SEED ?? 31),
      },
    );
    // The schedules did fail requests, or the property proved nothing.
    expect(proxy.faulted - faultedBefore).toBeGreaterThan(0);
  });
});
