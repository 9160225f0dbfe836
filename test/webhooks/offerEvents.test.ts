import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { TABLES } from '../../shared/contracts/names';
import { createStorageClients } from '../../shared/adapters/storage';
import {
  MAX_DATA_CHARS,
  STATUS_ROW,
  createOfferEventLog,
  eventEntity,
} from '../../shared/adapters/tables/offerEvents';
import { createWebhookCursors } from '../../shared/adapters/tables/webhookCursors';
import { AZURE_TABLE_LIMITS, assertEntityFits } from '../../shared/adapters/tables/documents';
import type { OfferEventInput } from '../../shared/ports/offerEvents';

const storage = () => createStorageClients({ AzureWebJobsStorage: process.env.TEST_STORAGE_CONNECTION });
const offerId = () => `ev-${randomBytes(5).toString('hex')}`;
const event = (n: number, extra: Record<string, unknown> = {}): OfferEventInput => ({
  type: 'offer.submission.step-changed',
  submissionId: 'sub-1',
  at: new Date(Date.UTC(2027, 0, 1, 0, 0, n)).toISOString(),
  data: { n, ...extra },
});

describe('the offer event log (OfferTimeline)', () => {
  it('numbers events 1, 2, ... under concurrent appends, none lost or doubled', async () => {
    const log = createOfferEventLog(storage());
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 6 }),
        async (sizes) => {
          const id = offerId();
          let n = 0;
          const batches = sizes.map((size) => Array.from({ length: size }, () => event(n++)));
          await Promise.all(batches.map((batch) => log.append(id, batch)));
          const stored = await log.after(id, 0, 100);
          expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
          expect(new Set(stored.map((e) => (e.data as { n: number }).n)).size).toBe(n);
          // Each batch keeps its own order and stays contiguous.
          for (const batch of batches) {
            const seqs = batch.map((b) => stored.find((s) => s.data.n === b.data.n)!.seq);
            expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  it('reads after a sequence number, oldest first, at most top', async () => {
    const log = createOfferEventLog(storage());
    const id = offerId();
    await log.append(id, [event(1), event(2), event(3), event(4)]);
    expect((await log.after(id, 1, 2)).map((e) => e.seq)).toEqual([2, 3]);
    expect(await log.after(id, 4, 10)).toEqual([]);
    const [first] = await log.after(id, 0, 1);
    expect(first).toMatchObject({
      offerId: id,
      seq: 1,
      type: 'offer.submission.step-changed',
      submissionId: 'sub-1',
    });
    expect(first?.eventId).toMatch(/^evt_[0-9a-f]{32}$/);
  });

  it("raises eventSeq on an existing status row with Merge, leaving the row's other columns", async () => {
    const clients = storage();
    const table = await clients.table(TABLES.timeline);
    const id = offerId();
    await table.createEntity({
      partitionKey: id,
      rowKey: STATUS_ROW,
      docChunks: 1,
      doc0: '{"state":"Running"}',
    });
    await createOfferEventLog(clients).append(id, [event(1), event(2)]);
    const row = await table.getEntity<Record<string, unknown>>(id, STATUS_ROW);
    expect(row).toMatchObject({ eventSeq: 2, doc0: '{"state":"Running"}' });
  });

  it('bounds data to one property under 64 KiB: details halved, counted, or only short fields kept', () => {
    const details = Array.from({ length: 5000 }, (_, i) => ({
      path: `app.field${i}`,
      message: 'x'.repeat(40),
    }));
    const failed = eventEntity('big-offer', 7, {
      type: 'offer.submission.failed',
      submissionId: 's',
      at: '2027-01-01T00:00:00.000Z',
      data: { step: 'automated-validation', error: { code: 'x', message: 'm', details } },
    });
    expect(() => assertEntityFits(failed)).not.toThrow();
    expect(failed.data.length).toBeLessThanOrEqual(MAX_DATA_CHARS);
    expect(failed.data.length * 2 + 4).toBeLessThan(AZURE_TABLE_LIMITS.propertyBytes);
    const data = JSON.parse(failed.data) as { error: { details: unknown[]; detailsOmitted: number } };
    expect(data.error.details.length + data.error.detailsOmitted).toBe(5000);
    expect(data.error.details.length).toBeGreaterThan(0);
    expect(failed.rowKey).toBe('event|0000000007');

    const huge = eventEntity('big-offer', 8, {
      ...event(1),
      data: { step: 's', blob: 'y'.repeat(200_000), list: ['z'.repeat(100_000)] },
    });
    expect(JSON.parse(huge.data)).toEqual({ truncated: true, step: 's', blob: `${'y'.repeat(997)}...` });
  });

  it('park fails once an event came after the read, and succeeds when none did', async () => {
    const clients = storage();
    const log = createOfferEventLog(clients);
    const cursors = createWebhookCursors(clients);
    const id = offerId();
    const before = await cursors.seen(id);
    await log.append(id, [event(1)]);
    expect(await cursors.park(id, 'wh_1', 0, before)).toBe(false);
    const after = await cursors.seen(id);
    expect(await cursors.park(id, 'wh_1', 1, after)).toBe(true);
    expect(await cursors.read(id, 'wh_1')).toEqual({ delivered: 1, parked: true });
    // An append after park is numbered on: park wrote eventSeq unchanged.
    const [next] = await log.append(id, [event(2)]);
    expect(next?.seq).toBe(2);
  });
});

describe('one append is one transaction within Azure limits', () => {
  it('refuses an append over 4 MiB before sending it, and writes nothing', async () => {
    const log = createOfferEventLog(storage());
    const id = offerId();
    const big = Array.from({ length: 70 }, (_, i) => event(i, { text: 'z'.repeat(29_000) }));
    await expect(log.append(id, big)).rejects.toThrow(/4 MiB/);
    expect(await log.after(id, 0, 100)).toEqual([]);
    await expect(
      log.append(
        id,
        Array.from({ length: 100 }, (_, i) => event(i)),
      ),
    ).rejects.toThrow(/99/);
  });
});
