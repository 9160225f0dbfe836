/**
 * From outside, through the real app: a submission whose promised publishing date is 20 days away
 * waits in step 8 until the host clock passes that date, then goes Live; its orchestration
 * history (the durable management API's showHistory) shows the wait as Azure records it, a chain
 * of timers at most 6 days apart.
 */
import { EVENTS, ORCHESTRATORS } from '../../shared/contracts/names';
import { instanceIdFor } from '../../shared/domain/transitions';
import { startHost, type RunningHost } from '../support/host';
import { eventually, uniqueOfferId, workflow } from '../workflow/flow';

const DAY_MS = 24 * 3600 * 1000;

interface ShownEvent {
  EventType: string;
  FireAt?: string;
  Name?: string;
  Timestamp: string;
}

let host: RunningHost;
beforeAll(async () => {
  host = await startHost();
}, 60_000);
afterAll(async () => {
  await host?.stop();
});

async function clockNow(): Promise<Date> {
  const res = await host.request('GET', '/admin/clock');
  return new Date(res.json<{ now: string }>().now);
}

async function historyOf(instanceId: string): Promise<ShownEvent[]> {
  const res = await host.request(
    'GET',
    `/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}?showHistory=true&showHistoryOutput=true`,
  );
  expect([200, 202]).toContain(res.status);
  return res.json<{ historyEvents: ShownEvent[] }>().historyEvents;
}

/** The timers created for the step-8 wait: those after the last review decision arrived. */
function publishWait(history: ShownEvent[]): ShownEvent[] {
  const lastDecision = history
    .map((e) => e.EventType === 'EventRaised' && e.Name === EVENTS.reviewDecision)
    .lastIndexOf(true);
  return history.slice(lastDecision + 1).filter((e) => e.EventType === 'TimerCreated');
}

it('waits in step 8 for a date 20 days away through a chain of timers, then goes Live', async () => {
  const offerId = uniqueOfferId('longtimer');
  const wf = workflow(host, offerId);
  await wf.prepare();
  const review = await wf.publishToReview();
  const id = instanceIdFor(offerId, review.submissionId ?? '');

  const promised = new Date((await clockNow()).getTime() + 20 * DAY_MS).toISOString().slice(0, 10);
  const promisedMoment = `${promised}T00:00:00.000Z`;
  expect((await wf.review('marketing', 'approved', { publishDate: promised })).status).toBe(202);
  expect((await wf.review('technical', 'approved')).status).toBe(202);
  await eventually(async () => {
    const s = await wf.status();
    return s.currentStep === 'publish' && s.steps[7]?.state === 'Waiting' ? s : undefined;
  }, 'step 8 waiting for the promised date');

  // Three days at a time: each advance fires the pending piece and the next one is created.
  for (let advanced = 3; advanced <= 18; advanced += 3) {
    const before = publishWait(await historyOf(id)).length;
    await wf.advanceClock('P3D');
    await eventually(
      async () => (publishWait(await historyOf(id)).length > before ? true : undefined),
      `the next timer of the chain after ${advanced} days`,
    );
    const s = await wf.status();
    expect([s.state, s.currentStep, s.steps[7]?.state]).toEqual(['Running', 'publish', 'Waiting']);
  }
  await wf.advanceClock('P3D');
  await wf.waitFor('Live');

  // The status says Live once the last step change is recorded; the execution ends in the episode
  // after that activity's completion is stored (and, as in Azure, only when no timer is open).
  const history = await eventually(async () => {
    const events = await historyOf(id);
    return events.at(-1)?.EventType === 'ExecutionCompleted' ? events : undefined;
  }, 'the execution completed after Live');
  const chain = publishWait(history);
  expect(chain.length).toBeGreaterThanOrEqual(4);
  expect(chain.at(-1)?.FireAt).toBe(promisedMoment);
  const fireTimes = chain.map((e) => Date.parse(e.FireAt ?? ''));
  for (let i = 1; i < fireTimes.length; i++) {
    expect(fireTimes[i]! - fireTimes[i - 1]!).toBeGreaterThan(0);
    expect(fireTimes[i]! - fireTimes[i - 1]!).toBeLessThanOrEqual(6 * DAY_MS);
  }
  for (const created of chain) {
    const fired = history.filter((e) => e.EventType === 'TimerFired' && e.FireAt === created.FireAt);
    expect(fired).toHaveLength(1);
  }
  // The shape of the extension's status API: names, not numbers, and no replay bookkeeping.
  expect(history.some((e) => e.EventType === 'OrchestratorStarted')).toBe(false);
  expect(history[0]).toMatchObject({
    EventType: 'ExecutionStarted',
    FunctionName: ORCHESTRATORS.publishSubmission,
  });
  expect(history.at(-1)).toMatchObject({
    EventType: 'ExecutionCompleted',
    OrchestrationStatus: 'Completed',
    Result: 'Live',
  });
}, 180_000);
