/**
 * The durable engine end to end: a real host process running the fixture durable app, driven
 * through the app's own client function (df.getClient) and the engine's webhook API.
 */
import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { startHost, type RunningHost } from '../support/host';

const FIXTURE = 'dist/test/fixtures/hostapp/durableApp.js';
const DAY_MS = 24 * 3600 * 1000;

interface Status {
  runtimeStatus: string;
  customStatus: unknown;
  input: unknown;
  output: unknown;
}

function unique(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

async function status(host: RunningHost, id: string): Promise<Status> {
  const res = await host.request('GET', `/api/durable/status/${id}`);
  expect(res.status).toBe(200);
  return res.json<Status>();
}

/** Polls until the instance matches; fails with the last status seen (no timing assertion). */
async function waitFor(host: RunningHost, id: string, done: (s: Status) => boolean): Promise<Status> {
  let last: Status | undefined;
  for (let i = 0; i < 300; i++) {
    last = await status(host, id);
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Instance ${id} never reached the expected state; last: ${JSON.stringify(last)}`);
}

async function executions(runId: string, activity: string): Promise<number> {
  const table = TableClient.fromConnectionString(
    process.env.TEST_STORAGE_CONNECTION ?? '',
    'DurableFixtureCounts',
    {
      allowInsecureConnection: true,
    },
  );
  try {
    return Number((await table.getEntity<{ count: number }>(runId, activity)).count);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return 0;
    throw error;
  }
}

describe('durable engine in the local host', () => {
  let host: RunningHost;

  beforeAll(async () => {
    host = await startHost({ main: FIXTURE });
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('runs an orchestration through activities, retries, timers, events, Task.any and Task.all', async () => {
    const id = unique('tour');
    const started = await host.request('POST', `/api/durable/start/durableFeatureTour/${id}`, { runId: id });
    expect(started.status).toBe(202);
    expect(started.json()).toEqual({ id });
    // Raised before the orchestration waits for it (it is still retrying the flaky activity).
    expect((await host.request('POST', `/api/durable/raise/early/${id}`, { n: 1 })).status).toBe(202);

    const again = await host.request('POST', `/api/durable/start/durableFeatureTour/${id}`, { runId: id });
    expect(again.status).toBe(409);

    await waitFor(host, id, (s) => s.customStatus === 'waiting-week');
    expect((await host.request('POST', '/admin/clock/advance', { by: 'P8D' })).status).toBe(200);
    await waitFor(host, id, (s) => s.customStatus === 'waiting-late');
    expect(
      (await host.request('POST', `/api/durable/raise/late/${id}`, JSON.stringify('after the wait'))).status,
    ).toBe(202);
    await waitFor(host, id, (s) => s.customStatus === 'waiting-approval');
    expect((await host.request('POST', `/api/durable/raise/approval/${id}`, { ok: true })).status).toBe(202);
    await waitFor(host, id, (s) => s.customStatus === 'waiting-deadline');
    expect((await host.request('POST', '/admin/clock/advance', { by: 'PT25H' })).status).toBe(200);

    const done = await waitFor(
      host,
      id,
      (s) => s.runtimeStatus !== 'Running' && s.runtimeStatus !== 'Pending',
    );
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.customStatus).toBe('done');
    expect(done.input).toEqual({ runId: id });
    const output = done.output as Record<string, unknown>;
    expect(output).toMatchObject({
      hello: `hello ${id}`,
      flaky: 'ok after 3 attempts',
      early: { n: 1 },
      late: 'after the wait',
      decided: { ok: true },
      unanswered: 'timed out',
      doubled: [2, 4, 6],
    });
    // currentUtcDateTime follows the host clock, which jumped eight days.
    const waited = Date.parse(String(output.afterWeek)) - Date.parse(String(output.startedAt));
    expect(waited).toBeGreaterThanOrEqual(7 * DAY_MS);
    expect(await executions(id, 'durableFlaky')).toBe(3);
  });

  it('reports the status with every field present, input and output null until known', async () => {
    const id = unique('bare');
    expect((await host.request('POST', `/api/durable/start/durableWaiter/${id}`)).status).toBe(202);
    const res = await host.request('GET', `/runtime/webhooks/durabletask/instances/${id}`);
    expect([200, 202]).toContain(res.status);
    const body = res.json<Record<string, unknown>>();
    for (const field of ['name', 'instanceId', 'createdTime', 'lastUpdatedTime', 'runtimeStatus'])
      expect(body[field]).toEqual(expect.any(String));
    expect(body).toHaveProperty('input', null);
    expect(body).toHaveProperty('output', null);
    expect(body).toHaveProperty('customStatus');
    expect((await host.request('POST', `/api/durable/terminate/${id}`)).status).toBe(202);
    expect((await status(host, id)).runtimeStatus).toBe('Terminated');
  });

  // A person moves the clock as soon as a status says "waiting" (the step change that says so is
  // written by an activity, before the orchestration creates its timer): the advance waits until
  // the running work settled, so the timer exists and fires (review finding; without it the timer
  // was created after the advance, a day past the moved clock, and the instance stayed Running).
  it('moves the clock only once running work settled: a timer the running activity leads to fires', async () => {
    const id = unique('settle');
    expect(
      (await host.request('POST', `/api/durable/start/durableCrashCourse/${id}`, { runId: id })).status,
    ).toBe(202);
    for (let i = 0; i < 300 && (await executions(id, 'durableCountedSlow')) === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await host.request('POST', '/admin/clock/advance', { by: 'P2D' })).status).toBe(200);
    const done = await waitFor(
      host,
      id,
      (s) => s.runtimeStatus === 'Completed' || s.runtimeStatus === 'Failed',
    );
    expect(done.output).toEqual({ slow: 1, counted: 1 });
  });

  it('answers 404 for an event to an unknown instance and for its status', async () => {
    const id = unique('nobody');
    expect((await host.request('POST', `/api/durable/raise/early/${id}`, 1)).status).toBe(404);
    expect((await host.request('GET', `/api/durable/status/${id}`)).status).toBe(404);
  });

  it('records an orchestrator failure with its message', async () => {
    const id = unique('fail');
    expect((await host.request('POST', `/api/durable/start/durableFailing/${id}`)).status).toBe(202);
    const done = await waitFor(
      host,
      id,
      (s) => s.runtimeStatus === 'Failed' || s.runtimeStatus === 'Completed',
    );
    expect(done.runtimeStatus).toBe('Failed');
    expect(String(done.output)).toContain('the orchestration gave up');
    const purged = await host.request('POST', `/api/durable/purge/${id}`);
    expect(purged.json()).toEqual({ instancesDeleted: 1 });
    expect((await host.request('GET', `/api/durable/status/${id}`)).status).toBe(404);
  });

  it('survives SIGKILL during an activity and during a timer, completing exactly once', async () => {
    const id = unique('crash');
    expect(
      (await host.request('POST', `/api/durable/start/durableCrashCourse/${id}`, { runId: id })).status,
    ).toBe(202);
    // Kill while the slow activity runs (it has counted itself but not returned).
    for (let i = 0; i < 300 && (await executions(id, 'durableCountedSlow')) === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await host.kill('SIGKILL');
    await host.restart();

    // The activity ran again after the restart; now kill while the day-long timer is pending.
    await waitFor(host, id, (s) => s.customStatus === 'timer-pending');
    await host.kill('SIGKILL');
    await host.restart();
    expect((await host.request('POST', '/admin/clock/advance', { by: 'P2D' })).status).toBe(200);

    const done = await waitFor(
      host,
      id,
      (s) => s.runtimeStatus === 'Completed' || s.runtimeStatus === 'Failed',
    );
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toEqual({ slow: 2, counted: 1 });
    expect(await executions(id, 'durableCountedSlow')).toBe(2);
    expect(await executions(id, 'durableCounted')).toBe(1);
  });
});
