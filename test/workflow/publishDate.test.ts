/**
 * Issue 21, 7 (design.md "Promised dates are plausible", api.md `POST .../publish-date`): a
 * reviewer's publishDate is at most 365 days ahead, and an Admin moves or clears the promised date
 * of a submission waiting in step 8; the waiting orchestration reacts. Over the local host, with
 * its clock moved instead of waiting days.
 */
import { RunningHost, startHost } from '../support/host';
import { asPerson } from '../support/principals';
import { eventually, uniqueOfferId, workflow } from './flow';

let host: RunningHost;
beforeAll(async () => {
  host = await startHost();
}, 60_000);
afterAll(async () => {
  await host?.stop();
});

async function hostNow(): Promise<Date> {
  return new Date((await host.request('GET', '/admin/clock')).json<{ now: string }>().now);
}
const daysAfter = (from: Date, days: number) =>
  new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);

function setDate(offerId: string, publishDate: string | null, who: 'root' | 'ann' | 'mia' = 'root') {
  return host.request('POST', `/api/offers/${offerId}/publish-date`, { publishDate }, asPerson(who));
}

interface HistoryRow {
  submissionId: string;
  step: string;
  state: string;
  message?: string;
  actor?: string;
}
async function history(offerId: string): Promise<HistoryRow[]> {
  const res = await host.request('GET', `/api/offers/${offerId}/history`, undefined, asPerson('ann'));
  return res.json<{ events: HistoryRow[] }>().events;
}

/** An offer whose submission waits in step 8 for a date `days` ahead. */
async function waitingInStep8(label: string, days: number) {
  const offerId = uniqueOfferId(label);
  const wf = workflow(host, offerId);
  await wf.prepare();
  await wf.publishToReview();
  expect(
    (await wf.review('marketing', 'approved', { publishDate: daysAfter(await hostNow(), days) })).status,
  ).toBe(202);
  expect((await wf.review('technical', 'approved')).status).toBe(202);
  await eventually(async () => {
    const s = await wf.status();
    return s.currentStep === 'publish' && s.steps[7]?.state === 'Waiting' ? s : undefined;
  }, 'step 8 waiting for the promised date');
  return { wf, offerId };
}

describe('the promised publishing date', () => {
  it('refuses a reviewer date more than 365 days ahead with a details entry', async () => {
    const wf = workflow(host, uniqueOfferId('far'));
    await wf.prepare();
    await wf.publishToReview();
    const far = await wf.review('marketing', 'approved', { publishDate: daysAfter(await hostNow(), 400) });
    expect(far.status).toBe(400);
    expect(far.json<{ error: { code: string; details: { path: string }[] } }>().error).toMatchObject({
      code: 'invalid_request',
      details: [expect.objectContaining({ path: 'publishDate' })],
    });
    // An approval without comments (or with an empty one) is fine (issue 23).
    expect((await wf.review('marketing', 'approved', { comments: '' })).status).toBe(202);
  });

  it('an Admin clears the date: step 8 publishes now, and history names the Admin', async () => {
    const { wf, offerId } = await waitingInStep8('clear', 30);
    expect((await setDate(offerId, null)).status).toBe(202);
    await wf.waitFor('Live');
    const changed = (await history(offerId)).filter(
      (e) => e.step === 'publish' && e.actor === 'root@marketplace.example',
    );
    expect(changed).toEqual([expect.objectContaining({ message: expect.stringMatching(/cleared/) })]);
  });

  it('an Admin moves the date later: the old date passes without publishing, the new one publishes', async () => {
    const { wf, offerId } = await waitingInStep8('move', 10);
    const moved = daysAfter(await hostNow(), 40);
    expect((await setDate(offerId, moved)).status).toBe(202);
    // The status shows the new date once the orchestration recorded it (after its history row).
    await eventually(async () => {
      const status = (await wf.status()) as unknown as { publishDate?: string };
      return status.publishDate === moved ? status : undefined;
    }, 'the moved date in the status');
    const rows = (await history(offerId)).filter((e) => e.actor === 'root@marketplace.example');
    expect(rows).toEqual([
      expect.objectContaining({ step: 'publish', message: expect.stringContaining(moved) }),
    ]);
    await wf.advanceClock('P11D');
    // Past the old date: still waiting in step 8, and the Admin may still move it.
    expect((await setDate(offerId, moved)).status).toBe(202);
    expect((await wf.status()).currentStep).toBe('publish');
    await wf.advanceClock('P30D');
    await wf.waitFor('Live');
  });

  it('refuses a date move when nothing waits in step 8, for a non-Admin, and past the bound', async () => {
    const offerId = uniqueOfferId('nowait');
    const wf = workflow(host, offerId);
    await wf.prepare();
    await wf.publishToReview();
    const notWaiting = await setDate(offerId, null);
    expect([notWaiting.status, notWaiting.json<{ error: { code: string } }>().error.code]).toEqual([
      409,
      'not_waiting_for_date',
    ]);
    expect((await setDate(offerId, null, 'ann')).status).toBe(403);
    const far = await setDate(offerId, daysAfter(await hostNow(), 366));
    expect([far.status, far.json<{ error: { details: { path: string }[] } }>().error.details]).toEqual([
      400,
      [expect.objectContaining({ path: 'publishDate' })],
    ]);
    const bad = await setDate(offerId, 'soon' as unknown as null);
    expect(bad.status).toBe(400);
  });
});
