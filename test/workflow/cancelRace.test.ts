import { useHostWithFakeAcs } from '../support/fakeAcs';
import { OFFER_APP, appJson } from '../support/packages';
import { StatusView, completeOffer, eventually, transitionsOf, uniqueOfferId, workflow } from './flow';

/**
 * design.md: Cancel is accepted until step 8 starts, and an accepted Cancel takes effect. The last
 * approval (which lets step 8 start) and a Cancel are sent at the same moment, again and again, each
 * time on a new submission, the Cancel a little later each round: whichever wins on the status row,
 * the two answers agree with the end. Canceled after a 202, or Live after a 409; never Live after a 202.
 */
const env = useHostWithFakeAcs();
const ROUNDS = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the last approval and a Cancel sent together', () => {
  it(`end Canceled after a 202 or Live after a 409, over ${ROUNDS} rounds`, async () => {
    const wf = workflow(env.host, uniqueOfferId('cancel-race'));
    await wf.prepare();
    const ends: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { submissionId } = await wf.publishToReview();
      expect((await wf.review('marketing', 'approved')).status).toBe(202);
      const [approval, cancel] = await Promise.all([
        wf.review('technical', 'approved'),
        sleep(round * 7).then(() => wf.cancel()),
      ]);
      expect(approval.status).toBe(202);
      const end = await eventually(async () => {
        const s: StatusView = await wf.status();
        return s.submissionId === submissionId && ['Canceled', 'Live'].includes(s.state) ? s : undefined;
      }, `round ${round} to end`);
      const transitions = transitionsOf(await wf.history(), submissionId ?? '');
      ends.push(`${cancel.status}->${end.state}`);
      if (end.state === 'Canceled') {
        expect(cancel.status).toBe(202);
        expect(transitions.filter((t) => t.endsWith(':canceled'))).toHaveLength(1);
        // Canceled before step 8 started: step 8 never shows as started.
        expect(transitions).not.toContain('publish:started');
      } else {
        expect([cancel.status, cancel.json<{ error: { code: string } }>().error.code]).toEqual([
          409,
          'not_cancellable',
        ]);
        expect(transitions).toContain('live:succeeded');
        // The next submission needs a higher version than the one now live (offer and package agree).
        const version = `1.2.0.${round + 1}`;
        await wf.putOffer(completeOffer({ app: { ...OFFER_APP, version } }));
        await wf.uploadPackage(appJson({ version }));
        expect(await wf.waitForReport()).toBe('Passed');
      }
    }
    console.log(`cancel answer -> end, per round: ${ends.join(', ')}`);
  }, 600_000);
});
