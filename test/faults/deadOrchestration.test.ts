/**
 * Issue 21, items 2 and 8 over the local host.
 * 2. The orchestrator never dies silently: a step change whose bookkeeping (recordStepChange)
 *    keeps failing is retried with a longer policy, then the submission is recorded Failed
 *    (`internal`) and the orchestration ends; Publish works again. The fault is real: a proxy in
 *    front of the host's Table endpoint refuses every write carrying the history row of that one
 *    transition (the step change's transaction), as Azure refuses an entity that grew too large.
 * 8. An action sent to a dead orchestration (terminated while the status says it waits at sign-off)
 *    is refused instead of answered 202 and dropped.
 */
import { RunningHost, startHost } from '../support/host';
import { historyRowKey } from '../../shared/adapters/tables/historyStore';
import { TABLES } from '../../shared/contracts/names';
import { eventually, uniqueOfferId, workflow } from '../workflow/flow';
import { FailingProxy, startFailingProxy, writesRow } from './failingStorage';
import { endpointPort, testStorageConnection, withEndpointPort } from './support';

let host: RunningHost;
let tables: FailingProxy;

beforeAll(async () => {
  const storage = testStorageConnection();
  tables = await startFailingProxy(endpointPort(storage, 'Table'));
  host = await startHost({ env: { AzureWebJobsStorage: withEndpointPort(storage, 'Table', tables.port) } });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await tables?.close();
});

describe('the orchestrator never dies silently (issue 21, 2)', () => {
  it('a transition whose bookkeeping always fails ends the submission Failed with internal', async () => {
    const offerId = uniqueOfferId('poison');
    const wf = workflow(host, offerId);
    await wf.prepare();
    expect((await wf.publish()).status).toBe(202);
    await wf.waitFor('WaitingForPublisher');
    // Sign-off's success can never be written to the history; every other row can. It rides in
    // the change [6 succeeded, 7 started, 7 waiting]: that whole transaction is refused.
    const signedOff = historyRowKey({
      offerId,
      submissionId: '1',
      step: 'publisher-signoff',
      state: 'succeeded',
      at: '',
    });
    tables.plan((r) =>
      writesRow(r, TABLES.timeline, signedOff) && `${r.path}${r.body}`.includes(offerId) ? 413 : undefined,
    );
    expect((await wf.goLive()).status).toBe(202);
    // Retries wait on durable timers: moving the clock runs them without waiting in real time.
    const failed = await eventually(
      async () => {
        const s = await wf.status();
        if (s.state === 'Failed') return s;
        await wf.advanceClock('PT1H');
        return undefined;
      },
      'the submission to end Failed',
      () => `host output (tail): ${host.output().slice(-3000)}`,
      90_000,
    );
    expect(failed.error).toMatchObject({ step: 'publisher-signoff', code: 'internal' });
    expect(tables.seen.some((line) => line.endsWith('!413'))).toBe(true);
    tables.plan(() => undefined);
    expect((await wf.publish()).status).toBe(202);
  }, 120_000);
});

describe('an action sent to a dead orchestration (issue 21, 8)', () => {
  it('Go Live and Cancel at sign-off with the instance terminated: 409, and the status is unchanged', async () => {
    const offerId = uniqueOfferId('dead');
    const wf = workflow(host, offerId);
    await wf.prepare();
    const published = await wf.publish();
    const { submissionId } = published.json<{ submissionId: string }>();
    await wf.waitFor('WaitingForPublisher');
    const instance = `/runtime/webhooks/durabletask/instances/${offerId}-submission-${submissionId}`;
    expect((await host.request('POST', `${instance}/terminate?reason=test`)).status).toBe(202);
    await eventually(async () => {
      const res = await host.request('GET', instance);
      return res.json<{ runtimeStatus: string }>().runtimeStatus === 'Terminated' ? true : undefined;
    }, 'the instance terminated');
    const goLive = await wf.goLive();
    expect([goLive.status, goLive.json<{ error?: { code: string } }>().error?.code]).toEqual([
      409,
      'not_at_signoff',
    ]);
    const cancel = await wf.cancel();
    expect([cancel.status, cancel.json<{ error?: { code: string } }>().error?.code]).toEqual([
      409,
      'not_cancellable',
    ]);
    expect((await wf.status()).state).toBe('WaitingForPublisher');
  });
});
