/**
 * Events are taken in the order they came, whatever the orchestration was doing (design.md): the
 * change that ends sign-off and starts step 7 is written but its activity attempt fails, so the
 * orchestration sits in the retry's timer while the status already says WaitingForReview. A
 * rejection, then a Cancel, are raised. The rejection came first, so the submission fails; the
 * Cancel changes nothing. Found by the interleaving fuzz (seed 20261201); the old inbox took the
 * Cancel (its listener from the sign-off wait was still open, the rejection's name had none and
 * the SDK deferred it), and the submission ended Canceled.
 */
import { ORCHESTRATORS } from '../../shared/contracts/names';
import { isAtSignoff, isInReview } from '../../shared/domain/rules';
import { orchestrations } from './interleaving/driver';
import { World, settle } from './interleaving/world';

const orchestrator = orchestrations(['orchestrators/publishSubmission.ts']).get(
  ORCHESTRATORS.publishSubmission,
)!;
const isStep7Wait = (a: { name: string; input: unknown }) =>
  /record/.test(a.name) &&
  /marketing-technical-validation","transition":"waiting"/.test(JSON.stringify(a.input));

it('a rejection, a Cancel and an approval raised while the change that starts step 7 is retried', async () => {
  const world = new World(orchestrator, true);
  await world.start();
  await settle(world, () => isAtSignoff(world.status));
  world.goLive(false);
  await settle(world, () => [...world.activities.values()].some(isStep7Wait));
  const open = [...world.activities.values()];
  const pick = open.findIndex(isStep7Wait);
  world.complete(pick, true, true); // its write happened, then the attempt failed
  expect(isInReview(world.status)).toBe(true);
  world.tick();
  world.decide({ t: 'decide', area: 'marketing', outcome: 'rejected', promise: false, repeated: false });
  world.tick();
  world.cancel(false);
  await world.deliver(world.queue.length);
  world.tick();
  world.decide({ t: 'decide', area: 'technical', outcome: 'approved', promise: false, repeated: false });
  await settle(world, () => world.finished);
  expect(world.result?.output).toBe('Failed');
});
