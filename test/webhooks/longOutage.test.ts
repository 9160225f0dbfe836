/**
 * design.md "Events are delivered at least once, in order per offer": an outage of any length
 * delays delivery, never loses it. The delivery orchestration under the real durable-functions
 * replay (the local engine's episode API): while no attempt can be recorded (every activity
 * fails, its retries too), it waits on durable timers, and after a day it starts a new generation
 * that goes on from the cursor, instead of ending and leaving the offer's events to a kick that
 * may never come.
 */
import { ACTIVITIES, ORCHESTRATORS } from '../../shared/contracts/names';
import { DrivenInstance, messages, orchestrations } from '../workflow/interleaving/driver';

const loaded = orchestrations(['orchestrators/deliverWebhooks.ts']);

it('keeps delivering through a storage outage of more than a day: a new generation, never an end', async () => {
  const input = { webhookId: 'wh_1', owner: 'contoso', offerId: 'o1', fresh: true };
  const instance = new DrivenInstance(
    loaded.get(ORCHESTRATORS.deliverWebhooks)!,
    ORCHESTRATORS.deliverWebhooks,
    'webhook-wh_1-o1',
    input,
  );
  let now = new Date('2026-12-01T00:00:00.000Z');
  let result = await instance.start(now);
  let failedAttempts = 0;
  for (let episodes = 0; result.status === 'running' && episodes < 5000; episodes++) {
    const next = [
      ...result.activities.map((a) =>
        a.name === ACTIVITIES.nextWebhookEvent
          ? messages.completed(a.taskId, {
              kind: 'event',
              seq: 1,
              eventId: 'evt_1',
              type: 'offer.submission.live',
            })
          : (failedAttempts++, messages.failed(a.taskId, a.name)),
      ),
      ...result.timers.map((t) => messages.fired(t.timerId, t.fireAt)),
    ];
    const latest = result.timers
      .map((t) => Date.parse(t.fireAt))
      .reduce((a, b) => Math.max(a, b), now.getTime());
    now = new Date(latest);
    result = await instance.episode(next, now);
  }
  expect(failedAttempts).toBeGreaterThan(48 * 8 - 1);
  expect(now.getTime() - Date.parse('2026-12-01T00:00:00.000Z')).toBeGreaterThan(24 * 3600_000);
  expect(result.status).toBe('continuedAsNew');
  expect(result.continueAsNewInput).toEqual({ ...input, fresh: false });
}, 120_000);
