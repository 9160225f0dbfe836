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
  it('resumes after SIGKILL with one history row per transition and one email per step change', async () => {
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
    // Steps 1, 2 and 5 started and ended, 3 and 4 skipped (the offer has neither), 6 started and waiting.
    expect([...transitions].sort()).toEqual(
      [
        'validate-prerequisites:started',
        'validate-prerequisites:succeeded',
        'automated-validation:started',
        'automated-validation:succeeded',
        'test-drive-validation:skipped',
        'lead-management:skipped',
        'appsource-packaging:started',
        'appsource-packaging:succeeded',
        'publisher-signoff:started',
        'publisher-signoff:waiting',
      ].sort(),
    );
    // One email per step change, named after its last transition: [1 started, 1 succeeded,
    // 2 started], [2 succeeded, 3 skipped, 4 skipped, 5 started], [5 succeeded, 6 started, 6 waiting].
    const mails = (await wf.notifications()).map((n) => `${n.step}:${n.transition}`);
    expect(mails.sort()).toEqual([
      'appsource-packaging:started',
      'automated-validation:started',
      'publisher-signoff:waiting',
    ]);
  });
});
