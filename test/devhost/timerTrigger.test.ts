/**
 * Timer triggers on the local host: NCRONTAB schedules, fired by the host's clock, also when it is
 * moved forward (POST /admin/clock/advance), with the durable client where one is declared.
 */
import { parseNcrontab } from '../../devhost/timerTriggers';
import { startHost, type RunningHost } from '../support/host';

const FIXTURE = 'dist/test/fixtures/hostapp/timerApp.js';

async function waitForOutput(host: RunningHost, pattern: RegExp): Promise<RegExpMatchArray> {
  for (let i = 0; i < 200; i++) {
    const match = host.output().match(pattern);
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The host never printed ${pattern}; it printed:\n${host.output().slice(-3000)}`);
}

describe('NCRONTAB schedules', () => {
  const next = (expression: string, after: string) =>
    parseNcrontab(expression).next(new Date(after)).toISOString();

  it('finds the next occurrence of six- and five-field expressions, in UTC', () => {
    expect(next('0 */5 * * * *', '2026-12-01T10:02:30.000Z')).toBe('2026-12-01T10:05:00.000Z');
    expect(next('0 */5 * * * *', '2026-12-01T10:05:00.000Z')).toBe('2026-12-01T10:10:00.000Z');
    expect(next('*/10 * * * * *', '2026-12-01T10:00:05.500Z')).toBe('2026-12-01T10:00:10.000Z');
    expect(next('0 30 9 * * 1-5', '2026-12-05T12:00:00.000Z')).toBe('2026-12-07T09:30:00.000Z'); // Sat -> Mon
    expect(next('0 0 0 1 jan *', '2026-12-01T00:00:00.000Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('15 2 * * *', '2026-12-01T03:00:00.000Z')).toBe('2026-12-02T02:15:00.000Z');
    expect(next('0 0 12 29 2 *', '2026-03-01T00:00:00.000Z')).toBe('2028-02-29T12:00:00.000Z');
    expect(next('0 0,30 8-9 * * sun', '2026-12-06T08:45:00.000Z')).toBe('2026-12-06T09:00:00.000Z');
  });

  it('refuses malformed expressions with a message naming the field', () => {
    expect(() => parseNcrontab('0 */5 * * *  * *')).toThrow(/6 fields/);
    expect(() => parseNcrontab('0 61 * * * *')).toThrow(/minute/);
    expect(() => parseNcrontab('0 0 0 * 13 *')).toThrow(/month/);
    expect(() => parseNcrontab('0 */0 * * * *')).toThrow(/minute/);
    expect(() => parseNcrontab('0 0 0 30 2 *').next(new Date())).toThrow(/no occurrence/);
  });
});

describe('timer triggers on the local host', () => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await startHost({ main: FIXTURE });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('lists the timers, and a clock advance past occurrences fires the function once, past due', async () => {
    expect(host.output()).toMatch(/everyFiveMinutes: "0 \*\/5 \* \* \* \*"/);
    const res = await host.request('POST', '/admin/clock/advance', { by: 'PT11M' });
    expect(res.status).toBe(200);
    const [, value] = await waitForOutput(host, /timer fired: (\{.*\})/);
    const timer = JSON.parse(value!) as { isPastDue: boolean; scheduleStatus: { next: string } };
    expect(timer.isPastDue).toBe(true);
    await waitForOutput(host, /Executed 'Functions\.everyFiveMinutes' \(timer, Succeeded/);
  });

  it('gives a durable client timer its client', async () => {
    const res = await host.request('POST', '/admin/clock/advance', { by: 'PT61M' });
    expect(res.status).toBe(200);
    const [, hub] = await waitForOutput(host, /timer with client of task hub (\S+)/);
    expect(hub).toBe(host.taskHub);
  });
});
