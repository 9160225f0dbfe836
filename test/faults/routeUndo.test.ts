/**
 * Issue 21 items 1, 3 and 8 at the routes, over real storage with real faults: the product's stores
 * talk to Azurite through failing proxies (failingStorage.ts) that refuse chosen writes, as Azure
 * Storage refuses an entity that grew too large. The durable client is the one boundary played by a
 * double (SimClient): it keeps the instances' runtime status and can refuse a start or a raise.
 *
 * design.md "A refused request leaves nothing behind": a Publish, Cancel, Go Live or review answered
 * 4xx/5xx has no effect that outlives it; one answered 202 takes effect.
 */
import fc from 'fast-check';
import { makeCancelSubmission } from '../../functions/cancelSubmission';
import { makeGoLive } from '../../functions/goLive';
import { makePublishOffer } from '../../functions/publishOffer';
import { makeSubmitReview } from '../../functions/submitReview';
import { stalePass } from '../../reconcile/passes';
import { showStoredDecisions } from '../../shared/actions/reviewDecision';
import { recordStepChange } from '../../activities/recordStepChange';
import { EVENTS, TABLES } from '../../shared/contracts/names';
import type { OrchestrationClient } from '../../shared/http/orchestrations';
import type { Services } from '../../shared/services';
import { Person, at, callWith, request, seedOffer, seedStatus, uniqueOfferId } from '../api/support';
import {
  FailingProxy,
  StorageRequest,
  failFirst,
  isWrite,
  startFailingProxy,
  toTable,
  writesRow,
} from './failingStorage';
import { endpointPort, productServices, testStorageConnection, withEndpointPort } from './support';

/** The durable client as far as the routes use it; runtime statuses are kept per instance. */
class SimClient implements OrchestrationClient {
  runtime = new Map<string, string>();
  started: string[] = [];
  raised: { instanceId: string; eventName: string; eventData: unknown }[] = [];
  /** Next starts: 'refuse' (nothing started), 'lose' (started, but the answer is lost). */
  startFaults: ('refuse' | 'lose')[] = [];
  raiseFailures = 0;
  /** Runs inside the next raise, before it succeeds or fails (another party's move meanwhile). */
  duringRaise?: () => Promise<void>;
  /** Likewise inside the next start. */
  duringStart?: () => Promise<void>;

  async startNew(_name: string, options: { instanceId: string; input: unknown }): Promise<string> {
    const fault = this.startFaults.shift();
    const hook = this.duringStart;
    this.duringStart = undefined;
    await hook?.();
    if (fault === 'refuse') throw new Error('startNew: the task hub did not answer');
    this.runtime.set(options.instanceId, 'Running');
    this.started.push(options.instanceId);
    if (fault === 'lose') throw new Error('startNew: the answer was lost');
    return options.instanceId;
  }

  async raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void> {
    const hook = this.duringRaise;
    this.duringRaise = undefined;
    await hook?.();
    if (this.raiseFailures > 0) {
      this.raiseFailures--;
      throw new Error('raiseEvent: the task hub did not answer');
    }
    this.raised.push({ instanceId, eventName, eventData });
  }

  async getStatus(instanceId: string): Promise<{ runtimeStatus: string }> {
    const runtimeStatus = this.runtime.get(instanceId);
    if (!runtimeStatus) throw new Error(`DurableClient error: HTTP 404 for ${instanceId}`);
    return { runtimeStatus };
  }
}

let tables: FailingProxy;
let blobs: FailingProxy;
let services: Services;

beforeAll(async () => {
  const storage = testStorageConnection();
  tables = await startFailingProxy(endpointPort(storage, 'Table'));
  blobs = await startFailingProxy(endpointPort(storage, 'Blob'));
  const viaProxies = withEndpointPort(withEndpointPort(storage, 'Table', tables.port), 'Blob', blobs.port);
  services = productServices(viaProxies);
});

afterEach(() => {
  tables.plan(() => undefined);
  blobs.plan(() => undefined);
});

afterAll(async () => {
  await Promise.all([tables?.close(), blobs?.close()]);
});

const post = (path: string, offerId: string, as: Person, body: unknown = {}, params = {}) =>
  request('POST', `offers/${offerId}/${path}`, { as, params: { offerId, ...params }, body });

const indexWrite = (r: StorageRequest) =>
  isWrite(r) && (toTable(r, TABLES.offerCatalog) || toTable(r, TABLES.offersByPublisher));
/** A write of the offer's status row (OfferTimeline, row `status`), alone or in a step change's batch. */
const statusWrite = (r: StorageRequest) => writesRow(r, TABLES.timeline, 'status');
/** A write of a submission record (row `sub|...`), alone or in a batch. */
const recordWrite = (r: StorageRequest) => writesRow(r, TABLES.timeline, 'sub|');

/** An offer whose submission 1 waits at `state`, its instance in `runtime` status. */
async function offerAt(
  client: SimClient,
  state: 'WaitingForPublisher' | 'WaitingForReview',
  runtime = 'Running',
): Promise<string> {
  const offerId = uniqueOfferId('undo');
  await seedOffer(services, offerId);
  const step = state === 'WaitingForPublisher' ? 'publisher-signoff' : 'marketing-technical-validation';
  await seedStatus(services, offerId, at(state, step));
  client.runtime.set(`${offerId}-submission-1`, runtime);
  return offerId;
}

/**
 * Step 8's start as the orchestrator records it, in one change with step 7's success: refused as
 * a whole when a Cancel stands on the row.
 */
async function startStep8(offerId: string): Promise<'refused' | 'started'> {
  const at = new Date().toISOString();
  const result = await recordStepChange(services)({
    offerId,
    submissionId: '1',
    transitions: [
      { step: 'marketing-technical-validation', transition: 'succeeded', at },
      { step: 'publish', transition: 'started', at },
    ],
  });
  return result.cancelRequested ? 'refused' : 'started';
}

/**
 * What the reconciler's orphans pass records for submission 1 that never got going (failOrphan):
 * a change of one transition, as functions/reconcileSubmissions.ts wires it.
 */
async function endedByReconciler(offerId: string): Promise<void> {
  const message = 'never started';
  await recordStepChange(services)({
    offerId,
    submissionId: '1',
    transitions: [
      {
        step: 'validate-prerequisites',
        transition: 'failed',
        at: new Date().toISOString(),
        message,
        error: { step: 'validate-prerequisites', code: 'internal', message, details: [] },
      },
    ],
  });
}

describe('Publish leaves nothing behind when it fails (issue 21, 1)', () => {
  it('an index refresh that fails once after the claim is no failure: 202, the lists are left for the reconciler', async () => {
    // The status row is the record; the offer lists derive from it. A list write that fails after
    // the status was written marks the offer stale and the reconciler rebuilds its rows, so Publish
    // neither fails nor leaves anything half-done (reconcile/passes.ts, stale-lists).
    const client = new SimClient();
    const publish = makePublishOffer(services);
    const offerId = uniqueOfferId('pub');
    await seedOffer(services, offerId);
    tables.plan(failFirst(1, indexWrite));
    const first = await callWith(
      publish,
      client,
      post('publish', offerId, 'ann', { notificationEmail: 'ann@contoso.com' }),
    );
    expect([first.status, first.body]).toEqual([202, expect.objectContaining({ submissionId: '1' })]);
    expect((await services.statuses.get(offerId))?.state).toBe('Running');
    expect(client.started).toEqual([`${offerId}-submission-1`]);
  });

  it('any schedule of failed writes, uploads and starts: every 500 leaves the status as it was, a 202 has an instance', async () => {
    const publish = makePublishOffer(services);
    await fc.assert(
      fc.asyncProperty(
        // Which writes (counted over tables and blobs, undo writes included) fail: at most two.
        fc.uniqueArray(fc.nat({ max: 24 }), { maxLength: 2 }),
        fc.array(fc.constantFrom<'refuse' | 'lose'>('refuse', 'lose'), { maxLength: 2 }),
        async (failing, startFaults) => {
          tables.plan(() => undefined);
          blobs.plan(() => undefined);
          const client = new SimClient();
          client.startFaults = [...startFaults];
          const offerId = uniqueOfferId('pubp');
          await seedOffer(services, offerId);
          let writes = 0;
          const plan = (r: StorageRequest) => (isWrite(r) && failing.includes(writes++) ? 413 : undefined);
          tables.plan(plan);
          blobs.plan(plan);
          let answered: number | undefined;
          for (let attempt = 0; attempt < 8 && answered !== 202; attempt++) {
            const before = await services.statuses.get(offerId);
            const res = await callWith(
              publish,
              client,
              post('publish', offerId, 'ann', { notificationEmail: 'ann@contoso.com' }),
            );
            answered = res.status;
            const now = await services.statuses.get(offerId);
            if (res.status === 202) {
              expect(now?.state).toBe('Running');
              expect(client.runtime.get(`${offerId}-submission-${res.body.submissionId}`)).toBe('Running');
            } else {
              expect(res.status).toBe(500);
              // Nothing outlives the refusal: no active status, no instance of the claimed id.
              expect(now?.state ?? 'NotStarted').toBe(before?.state ?? 'NotStarted');
              expect(now?.submissionId ?? null).toBe(before?.submissionId ?? null);
              expect(client.started).toEqual([]);
            }
          }
          expect(answered).toBe(202);
          expect(client.started).toHaveLength(1);
          tables.plan(() => undefined);
          blobs.plan(() => undefined);
          const repeat = await callWith(
            publish,
            client,
            post('publish', offerId, 'ann', { notificationEmail: 'a@b.co' }),
          );
          expect([repeat.status, repeat.body.error?.code]).toEqual([409, 'submission_active']);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('a claim whose write landed but whose answer was lost', () => {
  it('belongs to this Publish: 202 with its submission, not 409 submission_active', async () => {
    // The SDK retries the status write it got no answer for; the retry meets the claim itself
    // (412), and the re-read shows an active submission: its own.
    const client = new SimClient();
    const offerId = uniqueOfferId('lostanswer');
    await seedOffer(services, offerId);
    let lost = false;
    tables.plan((r) => {
      if (lost || !statusWrite(r)) return undefined;
      lost = true;
      return 'lose-answer';
    });
    const res = await callWith(
      makePublishOffer(services),
      client,
      post('publish', offerId, 'ann', { notificationEmail: 'ann@contoso.com' }),
    );
    expect(lost).toBe(true);
    expect([res.status, res.body.submissionId]).toEqual([202, '1']);
    expect(client.started).toEqual([`${offerId}-submission-1`]);
  });
});

describe('a claim Publish could not undo (issue 21, 1 and 2)', () => {
  it('is ended Failed by the reconciler, and the submissions list then agrees with the status', async () => {
    // The outage schedule of CI run 26: the record write fails, then every status write, so the
    // undo cannot put the row back and the claim stays for the reconciler (orphans pass).
    const client = new SimClient();
    const offerId = uniqueOfferId('stuck');
    await seedOffer(services, offerId);
    let claimed = false;
    tables.plan((r) => {
      if (statusWrite(r) && !claimed) {
        claimed = true;
        return undefined;
      }
      return claimed && (recordWrite(r) || statusWrite(r)) ? 413 : undefined;
    });
    const res = await callWith(
      makePublishOffer(services),
      client,
      post('publish', offerId, 'ann', { notificationEmail: 'ann@contoso.com' }),
    );
    expect(res.status).toBe(500);
    expect((await services.statuses.get(offerId))?.submissionId).toBe('1');
    tables.plan(() => undefined);
    // What reconcile/passes.ts failOrphan records for an instance that never started.
    await endedByReconciler(offerId);
    expect((await services.statuses.get(offerId))?.state).toBe('Failed');
    const listed = await services.submissions.list(offerId);
    expect(listed.map((s) => [s.submissionId, s.state, s.error?.code])).toEqual([
      ['1', 'Failed', 'internal'],
    ]);
    expect(listed[0]?.notificationEmail).toBe('ann@contoso.com');
  });
});

describe('a claim the reconciler ended while Publish was failing', () => {
  it('keeps the Failed record: the undo deletes only what Publish wrote', async () => {
    // The reconciler may pass (its grace measured on an advanced clock) between the failed start
    // and the undo: the record it ended must stay, or the list loses a Failed submission.
    const client = new SimClient();
    const offerId = uniqueOfferId('raced');
    await seedOffer(services, offerId);
    client.startFaults = ['refuse'];
    client.duringStart = () => endedByReconciler(offerId);
    const res = await callWith(
      makePublishOffer(services),
      client,
      post('publish', offerId, 'ann', { notificationEmail: 'ann@contoso.com' }),
    );
    expect(res.status).toBe(500);
    expect((await services.statuses.get(offerId))?.state).toBe('Failed');
    const listed = await services.submissions.list(offerId);
    expect(listed.map((s) => [s.submissionId, s.state])).toEqual([['1', 'Failed']]);
  });
});

describe('a claim the reconciler ended before Publish wrote its record', () => {
  it('is not made Running again nor started: 500, and the list shows it Failed', async () => {
    // A Publish slowed by an outage past the reconciler's grace (fuzz: the list said Running, the
    // status Failed). The reconciler's move happens just before Publish writes the record.
    const client = new SimClient();
    const offerId = uniqueOfferId('late');
    await seedOffer(services, offerId);
    let reconciled = false;
    const reconcilerFirst = async () => {
      if (reconciled) return;
      reconciled = true;
      await endedByReconciler(offerId);
    };
    const submissions = services.submissions;
    const slowed: Services = {
      ...services,
      submissions: {
        ...submissions,
        put: async (r) => (await reconcilerFirst(), submissions.put(r)),
        create: async (r) => (await reconcilerFirst(), submissions.create(r)),
      },
    };
    const res = await callWith(
      makePublishOffer(slowed),
      client,
      post('publish', offerId, 'ann', { notificationEmail: 'ann@contoso.com' }),
    );
    expect(res.status).toBe(500);
    expect(client.started).toEqual([]);
    expect((await services.statuses.get(offerId))?.state).toBe('Failed');
    const listed = await services.submissions.list(offerId);
    expect(listed.map((s) => [s.submissionId, s.state])).toEqual([['1', 'Failed']]);
  });
});

describe('a Cancel that got 500 does not cancel later (issue 21, 3)', () => {
  it('a failed raise is undone: step 8 starts after Go Live and the approvals', async () => {
    const client = new SimClient();
    const cancel = makeCancelSubmission(services);
    const offerId = await offerAt(client, 'WaitingForReview');
    client.raiseFailures = 1;
    expect((await callWith(cancel, client, post('cancel', offerId, 'ann'))).status).toBe(500);
    expect(client.raised).toEqual([]);
    expect(await startStep8(offerId)).toBe('started');
  });

  it('any schedule of failed raises and status writes, and step 8 starting at any moment: Cancel cancels iff it got 202', async () => {
    const cancel = makeCancelSubmission(services);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 3 }),
        fc.uniqueArray(fc.nat({ max: 12 }), { maxLength: 2 }),
        fc.constantFrom('before', 'duringRaise', 'after'),
        fc.integer({ min: 1, max: 3 }),
        async (raiseFailures, failing, step8, attempts) => {
          tables.plan(() => undefined);
          const client = new SimClient();
          const offerId = await offerAt(client, 'WaitingForReview');
          client.raiseFailures = raiseFailures;
          let writes = 0;
          tables.plan((r) => (statusWrite(r) && failing.includes(writes++) ? 413 : undefined));
          let step8Result: 'refused' | 'started' | undefined;
          const runStep8 = async () => {
            const plan = writes;
            tables.plan(() => undefined); // the orchestrator retries until its write lands
            step8Result = await startStep8(offerId);
            writes = plan;
            tables.plan((r) => (statusWrite(r) && failing.includes(writes++) ? 413 : undefined));
          };
          if (step8 === 'before') await runStep8();
          if (step8 === 'duringRaise') client.duringRaise = runStep8;
          const answers: number[] = [];
          for (let i = 0; i < attempts; i++) {
            answers.push((await callWith(cancel, client, post('cancel', offerId, 'ann'))).status);
          }
          tables.plan(() => undefined);
          if (step8 === 'after' || step8Result === undefined) await runStep8();
          const accepted = answers.includes(202);
          for (const a of answers) expect([202, 409, 500]).toContain(a);
          const delivered = client.raised.some((r) => r.eventName === EVENTS.cancel);
          // The Cancel takes effect when step 8 is refused or its event got through before step 8 started.
          const tookEffect = step8Result === 'refused' || (delivered && step8 !== 'before');
          expect(tookEffect).toBe(accepted);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('Go Live and reviews either complete or leave no trace (issue 21, 3)', () => {
  it('Go Live: a delivered Go Live whose bookkeeping write fails is still 202', async () => {
    const client = new SimClient();
    const goLive = makeGoLive(services);
    const offerId = await offerAt(client, 'WaitingForPublisher');
    tables.plan(failFirst(1, statusWrite));
    const res = await callWith(goLive, client, post('go-live', offerId, 'ann'));
    expect(client.raised.map((r) => r.eventName)).toEqual([EVENTS.goLive]);
    expect(res.status).toBe(202);
  });

  it('review: a decision whose raise failed leaves no trace; another decision for the area is then taken', async () => {
    const client = new SimClient();
    const review = makeSubmitReview(services);
    const offerId = await offerAt(client, 'WaitingForReview');
    client.raiseFailures = 1;
    const approve = post('reviews/marketing', offerId, 'mia', { outcome: 'approved' }, { area: 'marketing' });
    expect((await callWith(review, client, approve)).status).toBe(500);
    const reject = post(
      'reviews/marketing',
      offerId,
      'mia',
      { outcome: 'rejected', comments: 'Screenshots are blurry.' },
      { area: 'marketing' },
    );
    const res = await callWith(review, client, reject);
    expect(res.status).toBe(202);
    expect(client.raised).toEqual([
      expect.objectContaining({ eventData: expect.objectContaining({ outcome: 'rejected' }) }),
    ]);
  });

  it('review: a delivered decision whose status write fails is still 202', async () => {
    const client = new SimClient();
    const review = makeSubmitReview(services);
    const offerId = await offerAt(client, 'WaitingForReview');
    tables.plan(failFirst(1, statusWrite));
    const res = await callWith(
      review,
      client,
      post('reviews/technical', offerId, 'tom', { outcome: 'approved' }, { area: 'technical' }),
    );
    expect(client.raised).toHaveLength(1);
    expect(res.status).toBe(202);
    // Not lost (review finding): the offer stayed stale, and the reconciler's stale pass shows
    // the decision, with its webhook event, once the request can no longer be at work.
    tables.plan(() => undefined);
    expect((await services.statuses.get(offerId))?.reviews?.technical).toBeUndefined();
    expect((await services.activeSubmissions.listStale()).map((e) => e.offerId)).toContain(offerId);
    const pass = stalePass(
      {
        offerIndex: services.offerIndex,
        watch: services.activeSubmissions,
        showDecisions: (id, deliver) => showStoredDecisions(services, client, id, deliver),
      },
      { keepFreshMs: 0 },
    );
    const report = await pass.run({ now: new Date(), realNow: new Date(), log: () => undefined });
    expect(report.map((r) => r.what)).toContain('review decisions shown in the status');
    expect((await services.statuses.get(offerId))?.reviews?.technical?.outcome).toBe('approved');
    const events = await services.offerEvents.after(offerId, 0, 50);
    expect(events.filter((e) => e.type === 'offer.review.decided').map((e) => e.data.area)).toEqual([
      'technical',
    ]);
    expect((await services.activeSubmissions.listStale()).map((e) => e.offerId)).not.toContain(offerId);
  });

  it('review: a decision stored by a request still at work is left to a later run of the stale pass', async () => {
    const client = new SimClient();
    const offerId = await offerAt(client, 'WaitingForReview');
    const decision = {
      area: 'marketing' as const,
      outcome: 'approved' as const,
      reviewer: 'mia@marketplace.example',
      decidedAt: new Date().toISOString(),
    };
    await services.activeSubmissions.markStale(offerId, decision.decidedAt);
    await services.decisions.add(offerId, '1', decision);
    const deps = {
      offerIndex: services.offerIndex,
      watch: services.activeSubmissions,
      showDecisions: (id: string, deliver: boolean) => showStoredDecisions(services, client, id, deliver),
    };
    await stalePass(deps, { keepFreshMs: 60_000 }).run({
      now: new Date(),
      realNow: new Date(),
      log: () => undefined,
    });
    expect(client.raised).toEqual([]);
    expect((await services.activeSubmissions.listStale()).map((e) => e.offerId)).toContain(offerId);
  });

  it('any number of failed raises and writes: a review answered 202 was delivered, one answered 500 left no decision', async () => {
    const review = makeSubmitReview(services);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 3 }),
        fc.uniqueArray(fc.nat({ max: 10 }), { maxLength: 2 }),
        async (raiseFailures, failing) => {
          tables.plan(() => undefined);
          const client = new SimClient();
          const offerId = await offerAt(client, 'WaitingForReview');
          client.raiseFailures = raiseFailures;
          let writes = 0;
          tables.plan((r) => (isWrite(r) && failing.includes(writes++) ? 413 : undefined));
          const body = { outcome: 'approved' };
          let status = 0;
          for (let i = 0; i < 6 && status !== 202; i++) {
            const before = client.raised.length;
            status = (
              await callWith(
                review,
                client,
                post('reviews/marketing', offerId, 'mia', body, { area: 'marketing' }),
              )
            ).status;
            if (status === 202) expect(client.raised.length).toBeGreaterThan(before);
            else {
              expect(status).toBe(500);
              tables.plan(() => undefined);
              // Nothing stands for the area: neither a delivered event nor a stored decision.
              expect(client.raised).toEqual([]);
              const stored = await services.decisions.list(offerId, '1');
              expect(stored.filter((d) => d.area === 'marketing')).toEqual([]);
              tables.plan((r) => (isWrite(r) && failing.includes(writes++) ? 413 : undefined));
            }
          }
          expect(status).toBe(202);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('an action sent to a dead orchestration is refused (issue 21, 8)', () => {
  it.each(['Terminated', 'Failed', 'Completed'])(
    'Go Live, Cancel and reviews with the instance %s: 409 and nothing raised',
    async (runtime) => {
      const client = new SimClient();
      const atSignoff = await offerAt(client, 'WaitingForPublisher', runtime);
      const goLive = await callWith(makeGoLive(services), client, post('go-live', atSignoff, 'ann'));
      expect([goLive.status, goLive.body.error?.code]).toEqual([409, 'not_at_signoff']);
      const cancel = await callWith(makeCancelSubmission(services), client, post('cancel', atSignoff, 'ann'));
      expect([cancel.status, cancel.body.error?.code]).toEqual([409, 'not_cancellable']);
      expect((await services.statuses.get(atSignoff))?.cancelRequest).toBeUndefined();
      const inReview = await offerAt(client, 'WaitingForReview', runtime);
      const review = await callWith(
        makeSubmitReview(services),
        client,
        post('reviews/technical', inReview, 'tom', { outcome: 'approved' }, { area: 'technical' }),
      );
      expect([review.status, review.body.error?.code]).toEqual([409, 'not_in_review']);
      expect(await services.decisions.list(inReview, '1')).toEqual([]);
      expect(client.raised).toEqual([]);
    },
  );
});
