/**
 * The step change that ends step 7 carries the decisions that ended it (recordStepChange shows
 * them if their review requests have not yet, their events before the change's own), through the
 * real durable-functions replay.
 */
import { ORCHESTRATORS } from '../../shared/contracts/names';
import { isAtSignoff, isInReview } from '../../shared/domain/rules';
import { orchestrations } from './interleaving/driver';
import { World, settle } from './interleaving/world';

const orchestrator = orchestrations(['orchestrators/publishSubmission.ts']).get(
  ORCHESTRATORS.publishSubmission,
)!;

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

type Decision = ['marketing' | 'technical', 'approved' | 'rejected'];

it.each<[string, Decision[], string]>([
  [
    'both approvals, to the change that ends step 7 and starts step 8',
    [
      ['technical', 'approved'],
      ['marketing', 'approved'],
    ],
    'Live',
  ],
  [
    'an approval and the rejection after it, to the change that fails step 7',
    [
      ['marketing', 'approved'],
      ['technical', 'rejected'],
    ],
    'Failed',
  ],
])('hands %s', async (_what, decided, end) => {
  const world = await inReview();
  for (const [area, outcome] of decided) {
    world.decide({ t: 'decide', area, outcome, promise: false, repeated: false });
    await world.deliver(world.queue.length);
  }
  await settle(world, () => world.finished);
  expect(world.result?.output).toBe(end);
  expect(endOfReview(world)).toEqual(decided.map(([area, outcome]) => `${area} ${outcome}`));
});
