import { TableClient } from '@azure/data-tables';
import { recordStepChange } from '../../activities/recordStepChange';
import { createStorageClients } from '../../shared/adapters/storage';
import { encodeDoc } from '../../shared/adapters/tables/documents';
import { assertBatchFits, createTimeline } from '../../shared/adapters/tables/timeline';
import type { RecordStepChangeInput, TransitionEntry } from '../../shared/contracts/activities';
import { TABLES } from '../../shared/contracts/names';
import type { Transition } from '../../shared/domain/states';
import { OfferStatus, ReviewDecision, notStartedStatus } from '../../shared/domain/status';
import { showDecision } from '../../shared/actions/reviewDecision';
import { changeKey } from '../../shared/domain/stepChange';
import type { StepId } from '../../shared/domain/steps';
import { applyTransition, startSubmission } from '../../shared/domain/transitions';
import type { Services } from '../../shared/services';
import { FailingProxy, StorageRequest, isWrite } from '../faults/failingStorage';
import { servicesBehindTableProxy, testStorageConnection, withEndpointPort } from '../faults/support';
import { testServices, uniqueOfferId } from './helpers';
import { stalePass } from '../../reconcile/passes';

/**
 * recordStepChange (design.md "A step change is one write"): the transitions of one step change
 * land in one entity-group transaction of the offer's OfferTimeline partition (status row, a
 * history row per transition, the submission record, one email), a retried call finds its key on
 * the status row and writes nothing, and step 8's start is refused as a whole when a Cancel was
 * accepted first.
 */
const services = testServices();
const record = recordStepChange(services);
const AT = '2026-12-01T10:00:00.000Z';

/** What the reconciler-free path leaves at the end of step 7's wait. */
const TO_STEP_7_WAIT: [StepId, Transition][] = [
  ['publisher-signoff', 'succeeded'],
  ['marketing-technical-validation', 'started'],
  ['marketing-technical-validation', 'waiting'],
];

/** Submission 1 of a fresh offer waiting for its reviews (step 7), stored as the routes store it. */
async function atReview(store: Services, extra: Partial<OfferStatus> = {}, prefix = 'rsc'): Promise<string> {
  const offerId = uniqueOfferId(prefix);
  let status: OfferStatus = startSubmission(notStartedStatus(offerId, AT), '1', 'x@contoso.com', AT);
  for (const [step, transition] of TO_STEP_7_WAIT)
    status = applyTransition(status, { offerId, submissionId: '1', step, transition, at: AT });
  const seeded = { ...status, ...extra };
  await store.statuses.update(
    offerId,
    () => seeded,
    () => seeded,
  );
  return offerId;
}

const t = (step: StepId, transition: Transition, extra: Partial<TransitionEntry> = {}): TransitionEntry => ({
  step,
  transition,
  at: AT,
  ...extra,
});

/** The change the orchestrator records when both reviews approved: step 7 ends, step 8 starts. */
function reviewedAndPublishing(offerId: string): RecordStepChangeInput {
  return {
    offerId,
    submissionId: '1',
    transitions: [
      t('marketing-technical-validation', 'succeeded', {
        message: 'Marketing and technical reviews approved.',
      }),
      t('publish', 'started'),
    ],
  };
}

/** Every row of the offer's timeline partition, read straight from Azurite: row key -> ETag. */
async function partitionRows(offerId: string): Promise<Map<string, string>> {
  const table = TableClient.fromConnectionString(testStorageConnection(), TABLES.timeline, {
    allowInsecureConnection: true,
  });
  const rows = new Map<string, string>();
  const filter = `PartitionKey eq '${offerId.replace(/'/g, "''")}'`;
  for await (const row of table.listEntities({ queryOptions: { filter } })) rows.set(row.rowKey!, row.etag);
  return rows;
}

/** The rows a change adds beside the status row (webhook events, when built, aside). */
const changeRow = (rowKey: string) => rowKey !== 'status' && !rowKey.startsWith('event|');

describe('recordStepChange starting step 8, and an accepted Cancel', () => {
  it('records nothing of the change when a Cancel of this submission is on the status, and reports it', async () => {
    const cancelRequest = { submissionId: '1', actor: 'ann@contoso.com', at: '2026-12-01T09:59:00.000Z' };
    const offerId = await atReview(services, {
      notificationEmail: null,
      cancelRequest,
    } as Partial<OfferStatus>);
    const result = await record(reviewedAndPublishing(offerId));
    expect(result).toEqual({ cancelRequested: { actor: cancelRequest.actor, at: cancelRequest.at } });
    const status = await services.statuses.get(offerId);
    // Step 7's success rode in the refused change: it is not recorded either.
    expect([status?.currentStep, status?.state]).toEqual([
      'marketing-technical-validation',
      'WaitingForReview',
    ]);
    expect(status?.steps.find((s) => s.id === 'publish')?.state).toBe('NotStarted');
    // The Cancel is marked honored, so a Cancel route whose raise failed knows it took effect.
    expect(status?.cancelRequest).toEqual({ ...cancelRequest, honored: true });
    expect(await services.history.list(offerId)).toEqual([]);
    expect(await services.outbox.list(offerId)).toEqual([]);
  });

  it('starts step 8 when no Cancel was accepted, or only one of an earlier submission', async () => {
    const earlier = { submissionId: '0', actor: 'ann@contoso.com', at: '2026-11-01T09:00:00.000Z' };
    for (const extra of [{}, { cancelRequest: earlier } as Partial<OfferStatus>]) {
      const offerId = await atReview(services, extra);
      const result = (await record(reviewedAndPublishing(offerId))) as unknown;
      expect((result as { cancelRequested?: unknown } | undefined)?.cancelRequested).toBeUndefined();
      const status = await services.statuses.get(offerId);
      expect([status?.currentStep, status?.state]).toEqual(['publish', 'Running']);
      expect(status?.steps.find((s) => s.id === 'publish')?.state).toBe('InProgress');
      expect(status?.steps.find((s) => s.id === 'marketing-technical-validation')?.state).toBe('Succeeded');
    }
  });
});

describe('one step change: a history row per transition, one email', () => {
  it('writes both transitions to the history and one outbox row keyed by the change', async () => {
    const offerId = await atReview(services);
    const change = reviewedAndPublishing(offerId);
    await record(change);
    const history = await services.history.list(offerId);
    expect(history.map((e) => [e.step, e.state])).toEqual([
      ['marketing-technical-validation', 'succeeded'],
      ['publish', 'started'],
    ]);
    const mails = await services.outbox.list(offerId);
    expect(mails.map((m) => m.key)).toEqual([changeKey(change)]);
    expect(changeKey(change)).toBe('1|publish|started');
    expect(mails[0]?.to).toBe('x@contoso.com');
  });
});

describe('recordStepChange over storage that counts and refuses requests', () => {
  let proxy: FailingProxy;
  let proxied: Services;

  beforeAll(async () => {
    ({ proxy, services: proxied } = await servicesBehindTableProxy());
  });
  afterEach(() => proxy.plan(() => undefined));
  afterAll(async () => proxy?.close());

  const timelineWrites = (seen: string[]) =>
    seen.filter((s) => /^(POST|PUT|MERGE|PATCH|DELETE) /.test(s) && /\/(OfferTimeline\b|\$batch)/.test(s));

  it('is one $batch naming the status row, a history row per transition, the record, the email and the event', async () => {
    const offerId = await atReview(proxied, {}, 'rsc-one');
    const bodies: string[] = [];
    proxy.plan((r) => {
      if (isWrite(r)) bodies.push(`${r.method} ${decodeURIComponent(r.path)}\n${r.body}`);
      return undefined;
    });
    const from = proxy.seen.length;
    expect(await recordStepChange(proxied)(reviewedAndPublishing(offerId))).toEqual({
      lastLiveVersion: null,
    });
    expect(timelineWrites(proxy.seen.slice(from))).toEqual([
      expect.stringMatching(/^POST \/[^/]+\/\$batch$/),
    ]);
    const batch = bodies.find((b) => b.startsWith('POST') && b.includes('$batch')) ?? '';
    const rowKeys = [...batch.matchAll(/"RowKey":"([^"]+)"/g)].map((m) => m[1]);
    expect(rowKeys).toEqual([
      'status',
      'hist|0000000001-06-02', // step 7 (index 6) succeeded
      'hist|0000000001-07-00', // step 8 (index 7) started
      'sub|0000000001',
      'mail|1|publish|started',
      'event|0000000001', // the change's webhook event (api.md "Webhooks")
    ]);
    // The status row is replaced only if it is still the one read (a 412 otherwise: read again).
    expect(batch).toMatch(/PATCH [^\n]*RowKey='status'\) HTTP\/1\.1[^]*?If-Match: W\/"datetime/);
    // The submission record is written with the status it follows: never behind it.
    const [status, recordRow] = [
      await services.statuses.get(offerId),
      await services.submissions.get(offerId, '1'),
    ];
    expect([status?.state, recordRow?.state]).toEqual(['Running', 'Running']);
  });

  it('a retried change writes nothing: no request writes the timeline, every row keeps its ETag', async () => {
    const offerId = await atReview(proxied, {}, 'rsc-retry');
    const change = reviewedAndPublishing(offerId);
    await recordStepChange(proxied)(change);
    const before = await partitionRows(offerId);
    expect([...before.keys()].filter(changeRow)).toHaveLength(4); // 2 hist, sub, mail
    const from = proxy.seen.length;
    expect(await recordStepChange(proxied)(change)).toEqual({ lastLiveVersion: null });
    expect(timelineWrites(proxy.seen.slice(from))).toEqual([]);
    expect(await partitionRows(offerId)).toEqual(before);
    expect((await services.history.list(offerId)).map((e) => `${e.step} ${e.state}`)).toEqual([
      'marketing-technical-validation succeeded',
      'publish started',
    ]);
    expect(await services.outbox.list(offerId)).toHaveLength(1);
  });

  it('the last change of a submission (Live) ends the record in the same write as the status', async () => {
    const offerId = await atReview(proxied, {}, 'rsc-live');
    await recordStepChange(proxied)(reviewedAndPublishing(offerId));
    const from = proxy.seen.length;
    await recordStepChange(proxied)({
      offerId,
      submissionId: '1',
      transitions: [t('publish', 'succeeded'), t('live', 'succeeded')],
    });
    expect(timelineWrites(proxy.seen.slice(from))).toEqual([expect.stringMatching(/\$batch$/)]);
    expect((await services.statuses.get(offerId))?.state).toBe('Live');
    const stored = await services.submissions.get(offerId, '1');
    expect([stored?.state, stored?.endedAt]).toEqual(['Live', AT]);
  });

  it('storage refusing every write from any point on leaves the change whole or absent, never a part', async () => {
    for (let passing = 0; passing <= 4; passing++) {
      proxy.plan(() => undefined);
      const offerId = await atReview(proxied, {}, `rsc-cut${passing}`);
      const statusBefore = await services.statuses.get(offerId);
      let writes = 0;
      // 413: the SDK does not retry it, so each refused write is one failed request.
      proxy.plan((r: StorageRequest) => (isWrite(r) && writes++ >= passing ? 413 : undefined));
      const outcome = await recordStepChange(proxied)(reviewedAndPublishing(offerId)).then(
        () => 'returned',
        () => 'threw',
      );
      proxy.plan(() => undefined);
      const rows = [...(await partitionRows(offerId)).keys()].filter(changeRow).sort();
      const status = await services.statuses.get(offerId);
      const whole = rows.length === 4 && status?.currentStep === 'publish';
      const absent = rows.length === 0 && JSON.stringify(status) === JSON.stringify(statusBefore);
      expect({ passing, outcome, rows, whole: whole || absent }).toEqual({
        passing,
        outcome,
        rows,
        whole: true,
      });
      if (passing === 0) expect([outcome, rows]).toEqual(['threw', []]);
    }
  });

  it('a batch Azure would refuse (over 100 operations, over 4 MiB) is refused before the request', async () => {
    const storage = createStorageClients({
      AzureWebJobsStorage: withEndpointPort(testStorageConnection(), 'Table', proxy.port),
    });
    const timeline = createTimeline(storage, false);
    const eventEntity = (offerId: string, seq: number, event: unknown) => ({
      partitionKey: offerId,
      rowKey: `event|${String(seq).padStart(10, '0')}`,
      ...encodeDoc(event),
    });
    const cases: [string, number, number, RegExp][] = [
      // 97 events + status + 2 history rows + record: 101 operations.
      ['operations', 97, 0, /101 operations in one transaction: Azure allows 100/],
      // Five events of ~0.9 MB each: every entity fits 1 MiB, the transaction is over 4 MiB.
      ['bytes', 5, 450_000, /Azure allows 4 MiB/],
    ];
    for (const [what, count, padding, refusal] of cases) {
      const offerId = await atReview(proxied, { notificationEmail: null }, `rsc-limit-${what}`);
      const before = await partitionRows(offerId);
      const from = proxy.seen.length;
      const change = { offerId, submissionId: '1', transitions: reviewedAndPublishing(offerId).transitions };
      const events = () =>
        Array.from({ length: count }, () => ({
          submissionId: '1',
          at: AT,
          type: 'offer.submission.step-changed' as const,
          data: { padding: 'x'.repeat(padding) },
        }));
      await expect(
        timeline.record(change, () => notStartedStatus(offerId, AT), { events, eventEntity }),
      ).rejects.toThrow(refusal);
      expect(proxy.seen.slice(from).filter((s) => s.includes('$batch'))).toEqual([]);
      expect(await partitionRows(offerId)).toEqual(before);
    }
    // At the limits themselves, nothing is refused.
    const small = (i: number) => ({ partitionKey: 'p', rowKey: `r${i}`, doc0: 'x' });
    expect(() => assertBatchFits(Array.from({ length: 100 }, (_, i) => small(i)))).not.toThrow();
    expect(() => assertBatchFits(Array.from({ length: 101 }, (_, i) => small(i)))).toThrow(
      /Azure allows 100/,
    );
  });
});

describe('recordStepChange when the webhook kick fails (review finding: it failed the submission)', () => {
  it('still succeeds: the events are stored, the offer is marked stale, and the stale pass kicks it', async () => {
    const offerId = await atReview(services, {}, 'rsc-kick');
    const kicked: string[] = [];
    let refuse = true;
    const webhookKick = {
      async kick(id: string) {
        if (refuse) throw new Error('the task hub refused the start');
        kicked.push(id);
      },
    };
    await expect(
      recordStepChange({ ...services, webhookKick })(reviewedAndPublishing(offerId)),
    ).resolves.toEqual({ lastLiveVersion: null });
    expect([...(await partitionRows(offerId)).keys()].filter((k) => k.startsWith('event|'))).not.toEqual([]);
    expect((await services.activeSubmissions.listStale()).map((e) => e.offerId)).toContain(offerId);

    refuse = false;
    const pass = stalePass({
      offerIndex: services.offerIndex,
      watch: services.activeSubmissions,
      kickWebhooks: (id) => webhookKick.kick(id),
    });
    await pass.run({ now: new Date(), realNow: new Date(), log: () => undefined });
    expect(kicked).toContain(offerId);
    expect((await services.activeSubmissions.listStale()).map((e) => e.offerId)).not.toContain(offerId);
  });
});

describe('the change that ends step 7', () => {
  const rejected: ReviewDecision = {
    area: 'marketing',
    outcome: 'rejected',
    comments: 'The logo is blurry.',
    reviewer: 'mia@marketplace.example',
    decidedAt: '2026-12-01T09:59:00.000Z',
  };
  const rejection = (offerId: string): RecordStepChangeInput => ({
    offerId,
    submissionId: '1',
    transitions: [
      t('marketing-technical-validation', 'failed', {
        message: 'The marketing review rejected the offer.',
        error: {
          step: 'marketing-technical-validation',
          code: 'review_rejected',
          message: 'The marketing review rejected the offer.',
          details: [{ path: 'reviews.marketing', message: 'The logo is blurry.' }],
        },
      }),
    ],
  });
  const types = async (offerId: string) =>
    (await services.offerEvents.after(offerId, 0, 50)).map((e) => e.type);

  it("shows a decision its review request has not shown yet, its event before the change's own", async () => {
    // The request stored the decision and told the orchestration, which recorded the rejection
    // before the request got to show it (or the request died there).
    const offerId = await atReview(services);
    await services.decisions.add(offerId, '1', rejected);
    await record(rejection(offerId));
    expect((await services.statuses.get(offerId))?.reviews?.marketing).toEqual(rejected);
    const order = ['offer.review.decided', 'offer.submission.step-changed', 'offer.submission.failed'];
    expect(await types(offerId)).toEqual(order);
    // The request's own show then finds it shown: no second event.
    expect(await showDecision(services, offerId, '1', rejected)).toBe(false);
    expect(await types(offerId)).toEqual(order);
  });

  it('adds nothing when the request showed its decision first', async () => {
    const offerId = await atReview(services);
    await services.decisions.add(offerId, '1', rejected);
    expect(await showDecision(services, offerId, '1', rejected)).toBe(true);
    await record(rejection(offerId));
    expect(await types(offerId)).toEqual([
      'offer.review.decided',
      'offer.submission.step-changed',
      'offer.submission.failed',
    ]);
  });
});

describe('the change that ends step 5 links the preview (issue 29: no status write of its own)', () => {
  const TO_STEP_5: [StepId, Transition][] = [
    ['validate-prerequisites', 'started'],
    ['validate-prerequisites', 'succeeded'],
    ['automated-validation', 'started'],
    ['automated-validation', 'succeeded'],
    ['test-drive-validation', 'skipped'],
    ['lead-management', 'skipped'],
    ['appsource-packaging', 'started'],
  ];

  /** Submission `submissionId` of the offer at step 5, stored as the orchestration leaves it. */
  async function atPackaging(offerId: string, submissionId: string): Promise<void> {
    let status: OfferStatus = startSubmission(
      notStartedStatus(offerId, AT),
      submissionId,
      'x@contoso.com',
      AT,
    );
    for (const [step, transition] of TO_STEP_5)
      status = applyTransition(status, { offerId, submissionId, step, transition, at: AT });
    await services.statuses.update(
      offerId,
      () => status,
      () => status,
    );
  }

  const linking = (offerId: string, submissionId: string): RecordStepChangeInput => ({
    offerId,
    submissionId,
    transitions: [
      t('appsource-packaging', 'succeeded'),
      t('publisher-signoff', 'started'),
      t('publisher-signoff', 'waiting'),
    ],
    preview: { blobName: `${offerId}/${submissionId}/preview.zip` },
  });

  it('mints the hidekey in the change, keeps it on a retry, and mints a new one for the next submission', async () => {
    const offerId = uniqueOfferId('pvlink');
    await atPackaging(offerId, '1');
    const result = await record(linking(offerId, '1'));
    const first = await services.statuses.get(offerId);
    expect(first?.previewBlobName).toBe(`${offerId}/1/preview.zip`);
    expect(first?.hidekey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first?.currentStep).toBe('publisher-signoff');
    expect(JSON.stringify(result)).not.toContain(first?.hidekey);

    await record(linking(offerId, '1'));
    expect((await services.statuses.get(offerId))?.hidekey).toBe(first?.hidekey);

    await atPackaging(offerId, '2');
    await record(linking(offerId, '2'));
    const next = await services.statuses.get(offerId);
    expect(next?.previewBlobName).toBe(`${offerId}/2/preview.zip`);
    expect(next?.hidekey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(next?.hidekey).not.toBe(first?.hidekey);
  });

  it('links nothing to a submission that is no longer current, and tells its orchestration to stop', async () => {
    const offerId = uniqueOfferId('pvstale');
    await atPackaging(offerId, '2');
    expect(await record(linking(offerId, '1'))).toEqual({ ended: 'Failed' });
    const status = await services.statuses.get(offerId);
    expect([status?.submissionId, status?.hidekey, status?.currentStep]).toEqual([
      '2',
      undefined,
      'appsource-packaging',
    ]);
  });
});
