import { randomUUID } from 'node:crypto';
import { createStorageClients } from '../../shared/adapters/storage';
import { createStatusStore } from '../../shared/adapters/tables/statusStore';
import { createHistoryStore } from '../../shared/adapters/tables/historyStore';
import { createNotificationOutbox } from '../../shared/adapters/tables/notificationOutbox';
import { createDecisionStore } from '../../shared/adapters/tables/decisionStore';
import { encodeDoc, decodeDoc } from '../../shared/adapters/tables/documents';
import { notStartedStatus } from '../../shared/domain/status';

const storage = createStorageClients({ AzureWebJobsStorage: process.env.TEST_STORAGE_CONNECTION });
const NOW = '2026-11-25T10:00:00.000Z';
const newOfferId = () => `offer-${randomUUID().slice(0, 8)}`;

describe('status store', () => {
  it('applies concurrent read-modify-writes without losing one (ETags)', async () => {
    const statuses = createStatusStore(storage);
    const offerId = newOfferId();
    const initial = () => notStartedStatus(offerId, NOW);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        statuses.update(
          offerId,
          (s) => ({
            ...s,
            steps: s.steps.map((x, j) => (j === 0 ? { ...x, message: `${x.message ?? ''}${i},` } : x)),
          }),
          initial,
        ),
      ),
    );
    const stored = await statuses.get(offerId);
    const writes = (stored?.steps[0]?.message ?? '').split(',').filter(Boolean);
    expect(writes.sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('lets exactly one of two racing writers win a conditional change', async () => {
    const statuses = createStatusStore(storage);
    const offerId = newOfferId();
    const initial = () => notStartedStatus(offerId, NOW);
    const claim = (who: string) =>
      statuses.update(offerId, (s) => (s.submissionId ? undefined : { ...s, submissionId: who }), initial);
    await Promise.all([claim('a'), claim('b')]);
    const stored = await statuses.get(offerId);
    expect(['a', 'b']).toContain(stored?.submissionId);
  });
});

describe('receipts', () => {
  it('records a history transition once however often it is appended', async () => {
    const history = createHistoryStore(storage);
    const offerId = newOfferId();
    const event = {
      offerId,
      submissionId: '1',
      step: 'publish' as const,
      state: 'started' as const,
      at: NOW,
    };
    expect(await history.append(event)).toBe(true);
    expect(await history.append(event)).toBe(false);
    expect(await history.list(offerId)).toHaveLength(1);
  });

  it('keeps one notification per key', async () => {
    const outbox = createNotificationOutbox(storage);
    const offerId = newOfferId();
    const n = {
      offerId,
      submissionId: '1',
      key: '1|live|succeeded',
      to: 'ann@contoso.com',
      subject: 'Live',
      text: 'Your offer is live.',
      step: 'live' as const,
      transition: 'succeeded',
      sentAt: NOW,
      status: 'Queued' as const,
    };
    expect(await outbox.add(n)).toBe(true);
    expect(await outbox.add({ ...n, subject: 'again' })).toBe(false);
    await outbox.setStatus(offerId, n.key, 'Sent');
    expect(await outbox.list(offerId)).toEqual([{ ...n, status: 'Sent' }]);
  });

  it('accepts one decision per review area', async () => {
    const decisions = createDecisionStore(storage);
    const offerId = newOfferId();
    const decision = {
      area: 'technical' as const,
      outcome: 'approved' as const,
      reviewer: 'tom',
      decidedAt: NOW,
    };
    const results = await Promise.all([
      decisions.add(offerId, '2', decision),
      decisions.add(offerId, '2', decision),
    ]);
    expect(results.sort()).toEqual([false, true]);
    expect(await decisions.list(offerId, '2')).toHaveLength(1);
  });
});

describe('documents', () => {
  it('splits a large document across properties under the Azure limit and reads it back', () => {
    const doc = { text: 'x'.repeat(100_000) };
    const props = encodeDoc(doc);
    expect(props.docChunks).toBe(4);
    expect(Object.values(props).every((v) => typeof v === 'number' || v.length <= 30_000)).toBe(true);
    expect(decodeDoc(props)).toEqual(doc);
  });
});
