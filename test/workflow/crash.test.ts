import { RunningHost, startHost } from '../support/host';
import { transitionsOf, uniqueOfferId, workflow } from './flow';

let host: RunningHost;
beforeAll(async () => {
  host = await startHost();
}, 60_000);
afterAll(async () => {
  await host?.stop();
});

describe('a host crash mid-submission', () => {
  it('resumes after SIGKILL with one history row and one email per transition', async () => {
    const wf = workflow(host, uniqueOfferId('crash'));
    await wf.prepare();
    const published = await wf.publish();
    const { submissionId } = published.json<{ submissionId: string }>();
    // Killed while the automated steps run: some activity is mid-flight or just completed.
    await new Promise((r) => setTimeout(r, 120));
    await host.kill('SIGKILL');
    await host.restart();
    await wf.waitFor('WaitingForPublisher', 'publisher-signoff');

    const transitions = transitionsOf(await wf.history(), submissionId);
    expect(new Set(transitions).size).toBe(transitions.length);
    expect(transitions).toHaveLength(12); // steps 1-5 started + ended, step 6 started + waiting
    const mails = (await wf.notifications()).map((n) => `${n.step}:${n.transition}`);
    expect(mails.sort()).toEqual([...transitions].sort());
  });
});
