/**
 * Issue 21 item 9: the local Durable engine survives storage outages as the Azure Storage backend
 * does. A host runs the fixture durable app with its storage behind the fault proxy
 * (test/support/storageProxy.ts); each test makes storage fail at one point of an orchestration's
 * life (an activity's result, a timer, an episode's decisions, the start) and checks that the work
 * item is delivered again once storage is back, so the orchestration finishes, and that the host
 * stayed up throughout.
 */
import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { startHost, type RunningHost } from '../support/host';
import { startStorageProxy, type StorageProxy } from '../support/storageProxy';
import { testStorageConnection } from './support';

const FIXTURE = 'dist/test/fixtures/hostapp/durableApp.js';

interface Status {
  runtimeStatus: string;
  customStatus: unknown;
  output: unknown;
}

let proxy: StorageProxy;
let host: RunningHost;

beforeAll(async () => {
  proxy = await startStorageProxy(testStorageConnection());
  host = await startHost({
    main: FIXTURE,
    env: { AzureWebJobsStorage: proxy.connectionString },
  });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await proxy?.close();
});

afterEach(async () => {
  await proxy.restore();
});

const unique = (prefix: string) => `${prefix}${randomBytes(5).toString('hex')}`;

async function status(id: string): Promise<Status | undefined> {
  const res = await host.request('GET', `/api/durable/status/${id}`);
  return res.status === 200 ? res.json<Status>() : undefined;
}

/** Polls (through the proxy) until the instance matches; fails with the last status and the host's log. */
async function waitFor(id: string, done: (s: Status) => boolean, what: string): Promise<Status> {
  let last: Status | undefined;
  for (let i = 0; i < 400; i++) {
    last = await status(id);
    if (last && done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${id} never became ${what}; last: ${JSON.stringify(last)}\n${host.output().slice(-3000)}`);
}

/** Resolves once the host has printed something matching `pattern` after `from` characters. */
async function hostSays(pattern: RegExp, from: number): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const match = pattern.exec(host.output().slice(from));
    if (match) return match[0];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the host never printed ${String(pattern)}\n${host.output().slice(from).slice(-3000)}`);
}

async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!done()) throw new Error(`${what} never happened\n${host.output().slice(-3000)}`);
}

/** How often the fixture's counted activities ran (read from Azurite directly, not through the proxy). */
async function executions(runId: string, activity: string): Promise<number> {
  const table = TableClient.fromConnectionString(testStorageConnection(), 'DurableFixtureCounts', {
    allowInsecureConnection: true,
  });
  try {
    return Number((await table.getEntity<{ count: number }>(runId, activity)).count);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return 0;
    throw error;
  }
}

const finished = (s: Status) => s.runtimeStatus !== 'Running' && s.runtimeStatus !== 'Pending';

describe('the local Durable engine when storage fails', () => {
  it('delivers an activity result again when storage refused it, and the orchestration finishes', async () => {
    const id = unique('actout');
    expect(
      (await host.request('POST', `/api/durable/start/durableCrashCourse/${id}`, { runId: id })).status,
    ).toBe(202);
    // The slow activity has counted itself and now sleeps 1.5 s: storage goes away meanwhile.
    for (let i = 0; i < 200 && (await executions(id, 'durableCountedSlow')) === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    const mark = host.output().length;
    await proxy.outage('refuse');
    await hostSays(new RegExp(`activity of ${id}.*ECONNREFUSED`), mark);
    await proxy.restore();

    await waitFor(id, (s) => s.customStatus === 'timer-pending', 'at its timer');
    expect((await host.request('POST', '/admin/clock/advance', { by: 'PT25H' })).status).toBe(200);
    const done = await waitFor(id, finished, 'finished');
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toEqual({ slow: 1, counted: 1 });
    expect(host.pid()).toBeDefined();
  }, 120_000);

  it('fires a timer again when its firing could not be stored', async () => {
    const id = unique('timerout');
    expect(
      (await host.request('POST', `/api/durable/start/durableCrashCourse/${id}`, { runId: id })).status,
    ).toBe(202);
    await waitFor(id, (s) => s.customStatus === 'timer-pending', 'at its timer');
    const seen = proxy.operations.length;
    await proxy.outage({ status: 503 });
    // The clock moves (its offset is kept in memory; saving it fails: a 5xx is fine), the timer
    // fires, and storing its firing fails: the SDK's four attempts at the history batch all get 503.
    const advanced = await host.request('POST', '/admin/clock/advance', { by: 'PT25H' });
    expect([200, 500]).toContain(advanced.status);
    await until(
      () => proxy.operations.slice(seen).filter((op) => op.batch).length >= 4,
      'four refused commits',
    );
    await proxy.restore();

    const done = await waitFor(id, finished, 'finished');
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toEqual({ slow: 1, counted: 1 });
    // The clock still moves after the outage.
    expect((await host.request('POST', '/admin/clock/advance', { by: 'PT1M' })).status).toBe(200);
  }, 120_000);

  it('replays an episode again when its decisions could not be stored', async () => {
    const id = unique('episodeout');
    expect((await host.request('POST', `/api/durable/start/durableWaiter/${id}`)).status).toBe(202);
    const instances = `${host.taskHub}Instances`;
    const writesOf = () =>
      proxy.operations.filter((op) => op.table === instances && op.method === 'PUT' && op.path.includes(id));
    // Pending, then Running with ExecutionStarted and the first episode's decisions (one write).
    await until(() => writesOf().length >= 2, 'the first episode committed');
    // The raise stores its event (one instance write); the episode's commit (the next write) fails,
    // the SDK's retries included.
    proxy.fail({
      fault: 'reset',
      skip: 1,
      times: 4,
      match: (op) => op.table === instances && op.method === 'PUT' && op.path.includes(id),
    });
    const raised = await host.request('POST', `/api/durable/raise/go/${id}`, JSON.stringify('went'));
    expect(raised.status).toBe(202);
    const done = await waitFor(id, finished, 'finished');
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toBe('went');
  }, 120_000);

  it('starts an instance whose first event could not be stored, and stays up', async () => {
    const id = unique('startout');
    const history = `${host.taskHub}History`;
    // Starting writes the instance row, then commits ExecutionStarted in a history batch: that fails.
    proxy.fail({ fault: { status: 503 }, times: 4, match: (op) => op.batch });
    expect((await host.request('POST', `/api/durable/start/durableWaiter/${id}`)).status).toBe(202);
    await waitFor(id, (s) => s.runtimeStatus === 'Running', 'running');
    expect(host.pid()).toBeDefined();
    expect((await host.request('POST', `/api/durable/raise/go/${id}`, JSON.stringify(history))).status).toBe(
      202,
    );
    const done = await waitFor(id, finished, 'finished');
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toBe(history);
  }, 120_000);
});
