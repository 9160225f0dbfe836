import fc from 'fast-check';
import type { WebhookEndpoint } from '../../shared/domain/webhooks';
import { createEndpointDirectory, TRUST_MS, type DirectoryTiming } from '../../shared/webhooks/directory';

/**
 * The directory's lease (shared/webhooks/directory.ts), under generated schedules: several
 * processes kick while others register endpoints; every store read resolves in an order
 * fast-check picks, and sees the registry as it stood when the read began (the stalest a read can
 * be). The promise: a kick that begins after a registration was answered sees that endpoint.
 */
const OWNER = 'pub-lease';
const PROCESSES = 2;

/** A monotonic clock that moves only when told; pauses end when it passes them. */
function steppedClock() {
  let at = 0;
  const waiting: { until: number; wake: () => void }[] = [];
  const timing: DirectoryTiming = {
    now: () => at,
    pause: (ms) => new Promise<void>((wake) => waiting.push({ until: at + ms, wake })),
  };
  const advance = (ms: number) => {
    at += ms;
    for (const w of waiting.filter((x) => x.until <= at)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.wake();
    }
  };
  return { timing, advance, pending: () => waiting.length };
}

type Command =
  | { kind: 'kick'; process: number }
  | { kind: 'register'; process: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'run' }
  | { kind: 'runAll' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('kick' as const), process: fc.nat(PROCESSES - 1) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('register' as const), process: fc.nat(PROCESSES - 1) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.constantFrom(1, TRUST_MS / 2, TRUST_MS - 1, TRUST_MS),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'run' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'runAll' as const }) },
);

const turn = () => new Promise((resolve) => setImmediate(resolve));

async function runSchedule(s: fc.Scheduler, commands: Command[]): Promise<string[]> {
  let version = 0;
  const stored: string[] = [];
  const answered = new Set<string>();
  const store = {
    version: () => {
      const seen = String(version);
      return s.schedule(Promise.resolve(seen), 'version read');
    },
    list: (owner: string) => {
      const seen = stored.map((webhookId) => ({ webhookId, owner }) as WebhookEndpoint);
      return s.schedule(Promise.resolve(seen), 'list read');
    },
  };
  const clock = steppedClock();
  const directories = Array.from({ length: PROCESSES }, () => createEndpointDirectory(store, clock.timing));
  const violations: string[] = [];
  const tasks: Promise<void>[] = [];
  let next = 0;

  const kick = async (process: number) => {
    const mustSee = [...answered];
    const seen = new Set((await directories[process]!.endpointsOf([OWNER])).map((e) => e.webhookId));
    for (const id of mustSee)
      if (!seen.has(id)) violations.push(`process ${process} missed ${id}, answered before its kick`);
  };
  const register = async (process: number) => {
    const id = `wh_${next++}`;
    stored.push(id);
    await s.schedule(Promise.resolve(), 'between write and raise');
    version++;
    await directories[process]!.settled();
    answered.add(id);
  };

  for (const c of commands) {
    if (c.kind === 'kick') tasks.push(kick(c.process));
    else if (c.kind === 'register') tasks.push(register(c.process));
    else if (c.kind === 'advance') {
      clock.advance(c.ms);
      await turn(); // what the time let go of runs before the next command
    } else if (c.kind === 'runAll') await s.waitAll();
    else if (s.count() > 0) await s.waitOne();
    else await turn();
  }
  // Until every task ends: the rest of the reads in any order, and time moving on for the pauses.
  let done = false;
  const all = Promise.all(tasks).then(() => {
    done = true;
  });
  for (let round = 0; !done && round < 10_000; round++) {
    await s.waitAll();
    clock.advance(TRUST_MS);
    await turn();
  }
  await all;
  return violations;
}

describe('the endpoint directory lease', () => {
  it('a kick that begins after a registration is answered sees it, in every process and order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(command, { minLength: 20, maxLength: 60 }),
        async (s, commands) => {
          expect(await runSchedule(s, commands)).toEqual([]);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('an example: process 0 kicks, process 1 registers, process 0 kicks again just before the lease ends and just after', async () => {
    const schedule: Command[] = [
      { kind: 'kick', process: 0 },
      { kind: 'runAll' },
      { kind: 'register', process: 1 },
      { kind: 'runAll' },
      { kind: 'advance', ms: 1 },
      { kind: 'advance', ms: TRUST_MS - 2 },
      { kind: 'kick', process: 0 },
      { kind: 'advance', ms: 1 },
      { kind: 'kick', process: 0 },
    ];
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        expect(await runSchedule(s, schedule)).toEqual([]);
      }),
    );
  });

  it('kicks within the lease read nothing; a burst after it reads the version once', async () => {
    const reads: string[] = [];
    const clock = steppedClock();
    const directory = createEndpointDirectory(
      {
        version: async () => (reads.push('version'), '1'),
        list: async () => (reads.push('list'), []),
      },
      clock.timing,
    );
    await directory.endpointsOf([OWNER]);
    clock.advance(TRUST_MS - 1);
    await directory.endpointsOf([OWNER]);
    await directory.endpointsOf([OWNER]);
    expect(reads).toEqual(['version', 'list']);
    clock.advance(1);
    // A burst of kicks as the lease ends: one read between them.
    await Promise.all([1, 2, 3].map(() => directory.endpointsOf([OWNER])));
    expect(reads).toEqual(['version', 'list', 'version']);
  });
});
