/**
 * Duplicate deliveries through the real host (issue 8, "Faults"): the same package bytes uploaded
 * twice and a blob version triggered again after a restart, ten concurrent Go Lives, ten
 * concurrent decisions for one review area, and events for a finished submission. One effect
 * each, clear answers. Effects are read where they land: the API, the app's tables, the durable
 * instance history (the host's durable HTTP API) and a local ACS Email server.
 */
import { createHash, randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { createStorageClients } from '../../shared/adapters/storage';
import { createDecisionStore } from '../../shared/adapters/tables/decisionStore';
import { CONTAINERS, EVENTS, TABLES } from '../../shared/contracts/names';
import { instanceIdFor } from '../../shared/domain/transitions';
import { RECEIPTS_TABLE } from '../../devhost/blobTriggers';
import { useHostWithFakeAcs } from '../support/fakeAcs';
import { appJson, withOwnAppId, zipPackage } from '../support/packages';
import { prepareOffer, publisherSteps, waitFor } from '../support/scenario';

const connection = process.env.TEST_STORAGE_CONNECTION ?? '';
const storage = createStorageClients({ AzureWebJobsStorage: connection });
const table = (name: string) =>
  TableClient.fromConnectionString(connection, name, { allowInsecureConnection: true });

const env = useHostWithFakeAcs();

const offerIdFor = (label: string) => `dup-${label}-${randomBytes(4).toString('hex')}`;
/** The local host's receipt row key for a blob version: a hash of the ETag as blob listings show it (unquoted). */
const receiptKeyOf = (etag: string) => createHash('sha256').update(etag.replace(/"/g, '')).digest('hex');
const mailboxOf = (offerId: string) => `${offerId}@contoso.com`;

interface HistoryEvent {
  EventType: string;
  Name?: string;
}

/** The instance's durable history, through the host's durable HTTP API (as the extension serves it). */
async function durableEvents(instanceId: string): Promise<HistoryEvent[]> {
  const res = await env.host.request(
    'GET',
    `/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}?showHistory=true`,
  );
  expect([200, 202]).toContain(res.status);
  return res.json<{ historyEvents: HistoryEvent[] }>().historyEvents;
}

const raised = (events: HistoryEvent[], name: string) =>
  events.filter((e) => e.EventType === 'EventRaised' && e.Name === name).length;

async function historyRows(offerId: string, submissionId: string) {
  const p = publisherSteps(env.host.baseUrl, offerId);
  const res = await p.call<{
    events: { submissionId: string; step: string; state: string; actor?: string }[];
  }>('ann', 'GET', `/api/offers/${offerId}/history`);
  expect(res.status).toBe(200);
  return res.body.events.filter((e) => e.submissionId === submissionId);
}

function expectApiError(body: unknown, code: string) {
  expect(body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
}

/** The blob of the offer's latest upload (its own blob, shared/domain/uploadOrder.ts) and its ETag. */
async function latestUpload(offerId: string): Promise<{ storedAs: string; etag: string }> {
  const { report } = await packageRows(offerId);
  const storedAs = String(report?.storedAs);
  const props = await storage.blobService
    .getContainerClient(CONTAINERS.packages)
    .getBlobClient(storedAs)
    .getProperties();
  return { storedAs, etag: String(props.etag) };
}

/** The app's stored report row (`latest`) and its receipts, one per validated blob version. */
async function packageRows(offerId: string) {
  const rows = [];
  for await (const row of table(TABLES.packageReports).listEntities<Record<string, unknown>>({
    queryOptions: { filter: `PartitionKey eq '${offerId}'` },
  }))
    rows.push(row);
  const latest = rows.find((r) => r.rowKey === 'latest');
  const report = latest
    ? (JSON.parse(String(latest.doc0)) as { etag?: string; state: string; storedAs?: string })
    : undefined;
  return { latest, report, receipts: rows.filter((r) => String(r.rowKey).startsWith('receipt-')) };
}

/** The local host's own trigger receipts for one blob (one row per version it invoked the function for). */
async function hostReceipts(blobName: string) {
  const rows = [];
  for await (const row of table(RECEIPTS_TABLE).listEntities<Record<string, unknown>>({
    queryOptions: { filter: `blobName eq '${blobName}'` },
  }))
    rows.push(row);
  return rows;
}

describe('duplicate deliveries', () => {
  it('validates identical bytes uploaded twice once per blob version, and a re-triggered version not again', async () => {
    const offerId = offerIdFor('pkg');
    const p = publisherSteps(env.host.baseUrl, offerId);
    await p.describe();
    await p.uploadArtifacts();
    const bytes = zipPackage(withOwnAppId(appJson(), offerId));
    const put = () =>
      p.call<{ blobName: string }>('ann', 'PUT', `/api/offers/${offerId}/package`, bytes, 'application/zip');

    const first = await put();
    expect(first.status).toBe(202);
    const blobName = first.body.blobName;
    const { storedAs: blob1, etag: etag1 } = await latestUpload(offerId);
    await waitFor(
      'the first version validated',
      () => packageRows(offerId),
      (r) => r.report?.etag === etag1 && r.report.state === 'Passed',
    );

    const second = await put();
    expect(second.status).toBe(202);
    expect(second.body.blobName).toBe(blobName);
    const { storedAs: blob2, etag: etag2 } = await latestUpload(offerId);
    expect(blob2).not.toBe(blob1); // identical bytes, but a new upload: its own blob
    const after = await waitFor(
      'the second version validated',
      () => packageRows(offerId),
      (r) => r.report?.etag === etag2 && r.report.state === 'Passed' && r.receipts.length === 2,
    );
    expect(after.receipts.map((r) => JSON.parse(String(r.doc0)).etag).sort()).toEqual([etag1, etag2].sort());
    // The host's receipts: one per version it invoked the trigger for. (Their row keys are hashes
    // of the version's ETag; the SDK shows the row's own ETag under `etag`.)
    const triggered = [...(await hostReceipts(blob1)), ...(await hostReceipts(blob2))];
    expect(triggered.map((r) => r.rowKey).sort()).toEqual([receiptKeyOf(etag1), receiptKeyOf(etag2)].sort());
    expect(triggered.every((r) => r.status === 'Succeeded')).toBe(true);

    // A submission waits at sign-off, so a second report would be raised to a running instance.
    const published = await p.publish(mailboxOf(offerId));
    expect(published.status).toBe(202);
    await p.waitForState(['WaitingForPublisher']);
    const instanceId = instanceIdFor(offerId, published.body.submissionId);
    expect(raised(await durableEvents(instanceId), EVENTS.packageReport)).toBe(0);
    const latestEtag = after.latest?.etag;

    // The host forgets it handled the current version (as Azure's blob receipts may be lost), and
    // restarts: the trigger fires again for the same version.
    const current = triggered.find((r) => r.rowKey === receiptKeyOf(etag2));
    await table(RECEIPTS_TABLE).deleteEntity(String(current?.partitionKey), receiptKeyOf(etag2));
    await env.host.restart();
    await waitFor(
      'the same version triggered again',
      () => hostReceipts(blob2),
      (rows) => rows.some((r) => r.rowKey === receiptKeyOf(etag2) && r.status === 'Succeeded'),
    );

    const again = await packageRows(offerId);
    expect(again.latest?.etag).toBe(latestEtag); // the report row was not written again
    expect(again.receipts).toHaveLength(2);
    expect(raised(await durableEvents(instanceId), EVENTS.packageReport)).toBe(0);
    expect((await p.status()).state).toBe('WaitingForPublisher');
  });

  it('takes ten concurrent Go Lives and ten concurrent decisions as one each, then refuses events for the finished submission', async () => {
    const offerId = offerIdFor('events');
    const p = await prepareOffer(env.host.baseUrl, offerId);
    const published = await p.publish(mailboxOf(offerId));
    expect(published.status).toBe(202);
    const submissionId = published.body.submissionId;
    const instanceId = instanceIdFor(offerId, submissionId);
    await p.waitForState(['WaitingForPublisher']);

    // Ten Go Lives at once: all answered 202 (a repeat "is answered the same way"), one event.
    const goLives = await Promise.all(Array.from({ length: 10 }, () => p.goLive()));
    expect(goLives.map((r) => r.status)).toEqual(Array(10).fill(202));
    await p.waitForState(['WaitingForReview']);
    // Clicks racing before the first delivery may each raise (harmless); one transition below.
    const goLiveEvents = raised(await durableEvents(instanceId), EVENTS.goLive);
    expect(goLiveEvents).toBeGreaterThanOrEqual(1);

    // Ten marketing decisions at once, each with its own comment: one 202, nine already_decided.
    const decisions = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        p.review('marketing', { outcome: 'approved', comments: `attempt ${i}` }),
      ),
    );
    const accepted = decisions.map((r, i) => ({ r, i })).filter(({ r }) => r.status === 202);
    expect(accepted).toHaveLength(1);
    const refused = decisions.filter((r) => r.status !== 202);
    expect(refused.map((r) => r.status)).toEqual(Array(9).fill(409));
    for (const r of refused) expectApiError(r.body, 'already_decided');
    const stored = await createDecisionStore(storage).list(offerId, submissionId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ area: 'marketing', comments: `attempt ${accepted[0]?.i}` });

    expect((await p.review('technical', { outcome: 'approved' })).status).toBe(202);
    const live = await p.waitForState(['Live', 'Failed']);
    expect(live.state).toBe('Live');
    const events = await durableEvents(instanceId);
    // Losers of the race may deliver the stored decision again (raise or fail); harmless, as the
    // one sign-off / review / live transition each below shows.
    expect(raised(events, EVENTS.reviewDecision)).toBeGreaterThanOrEqual(2);

    const rows = await historyRows(offerId, submissionId);
    const count = (step: string, state: string) =>
      rows.filter((e) => e.step === step && e.state === state).length;
    expect(count('publisher-signoff', 'succeeded')).toBe(1);
    expect(count('marketing-technical-validation', 'succeeded')).toBe(1);
    expect(count('live', 'succeeded')).toBe(1);

    // One email per step change: the one carrying sign-off's success (with step 7's start and
    // wait, keyed by its last transition) reached the email service once.
    const signoffKey = `${offerId}|${submissionId}|marketing-technical-validation|waiting`;
    const mails = await waitFor(
      'the sign-off email',
      async () => env.acs.accepted.filter((e) => e.to.includes(mailboxOf(offerId))),
      (list) => list.some((e) => e.key === `${offerId}|${submissionId}|live|succeeded`),
    );
    expect(mails.filter((e) => e.key === signoffKey)).toHaveLength(1);
    expect(new Set(mails.map((e) => e.key)).size).toBe(mails.length);

    // Events for the finished submission: clear 409s with the api.md error body, nothing changes.
    const lateGoLive = await p.goLive();
    expect(lateGoLive.status).toBe(409);
    expectApiError(lateGoLive.body, 'not_at_signoff');
    const lateReview = await p.review('technical', { outcome: 'approved' });
    expect(lateReview.status).toBe(409);
    expectApiError(lateReview.body, 'not_in_review');
    const lateCancel = await p.cancel();
    expect(lateCancel.status).toBe(409);
    expectApiError(lateCancel.body, 'not_cancellable');
    expect(raised(await durableEvents(instanceId), EVENTS.goLive)).toBe(goLiveEvents);
    expect((await p.status()).state).toBe('Live');
    expect(await historyRows(offerId, submissionId)).toHaveLength(rows.length);
  });

  it('answers Go Live for an offer that never had a submission, or does not exist, with a clear 4xx', async () => {
    const offerId = offerIdFor('idle');
    const p = publisherSteps(env.host.baseUrl, offerId);
    const unknown = await p.goLive();
    expect(unknown.status).toBe(404);
    expectApiError(unknown.body, 'offer_not_found');
    await p.describe();
    const never = await p.goLive();
    expect(never.status).toBe(409);
    expectApiError(never.body, 'not_at_signoff');
    expect((await p.status()).state).toBe('NotStarted');
  });
});
