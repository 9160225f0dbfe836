/**
 * The step change that ends step 7 carries the decisions that ended it (recordStepChange shows
 * them if their review requests have not yet, their events before the change's own), through the
 * real durable-functions replay.
 */
import { ORCHESTRATORS } from '../../shared/contracts/names';
import { isAtSignoff, isInReview } from '../../shared/domain/rules';
import { orchestrations } from './interleaving/driver';
import { World } from './interleaving/world';

const orchestrator = orchestrations(['orchestrators/publishSubmission.ts']).get(
  ORCHESTRATORS.publishSubmission,
)!;

async function settle(world: World, until: () => boolean) {
  for (let i = 0; i < 400 && !until(); i++) {
    world.tick();
    if (world.queue.length > 0) await world.deliver(world.queue.length);
    else if (world.activities.size > 0) world.complete(0, false);
    else if (world.timers.size > 0) world.fire(0);
    else break;
  }
}

async function inReview(): Promise<World> {
  const world = new World(orchestrator, true);
  await world.start();
  await settle(world, () => isAtSignoff(world.status));
  world.goLive(false);
  await settle(world, () => isInReview(world.status) && world.activities.size === 0);
  return world;
}

/** The areas and outcomes the change that ends step 7 was handed, and what that change says. */
function endOfReview(world: World) {
  const input = world.recordInputs.find((i) =>
    /"step":"marketing-technical-validation","transition":"(succeeded|failed)"/.test(JSON.stringify(i)),
  );
  const decisions = (input?.decisions ?? []) as { area: string; outcome: string }[];
  return decisions.map((d) => `${d.area} ${d.outcome}`);
}

it('hands both approvals to the change that ends step 7 and starts step 8', async () => {
  const world = await inReview();
  world.decide({ t: 'decide', area: 'technical', outcome: 'approved', promise: false, repeated: false });
  await world.deliver(world.queue.length);
  world.decide({ t: 'decide', area: 'marketing', outcome: 'approved', promise: false, repeated: false });
  await settle(world, () => world.finished);
  expect(world.result?.output).toBe('Live');
  expect(endOfReview(world)).toEqual(['technical approved', 'marketing approved']);
});

it('hands the approval before a rejection, and the rejection, to the change that fails step 7', async () => {
  const world = await inReview();
  world.decide({ t: 'decide', area: 'marketing', outcome: 'approved', promise: false, repeated: false });
  await world.deliver(world.queue.length);
  world.decide({ t: 'decide', area: 'technical', outcome: 'rejected', promise: false, repeated: false });
  await settle(world, () => world.finished);
  expect(world.result?.output).toBe('Failed');
  expect(endOfReview(world)).toEqual(['marketing approved', 'technical rejected']);
});
