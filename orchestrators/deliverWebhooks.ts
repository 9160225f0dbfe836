import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { ACTIVITIES, ORCHESTRATORS } from '../shared/contracts/names';
import { deliveryIdFor } from '../shared/domain/webhooks';
import type { DeliveryInput } from '../shared/webhooks/dispatch';
import type { AttemptResult, NextEvent } from '../shared/webhooks/delivery';

/**
 * Delivers one webhook endpoint's events of one offer, in the order they happened (instance id
 * `webhook-{webhookId}-{offerId}`, started by kick). Each event is tried until a 2xx, waiting
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h on durable timers (no process held, every timer far
 * below the 3-day piece of eventInbox.ts, and none cancelled); the next event waits for it, other
 * endpoints and offers do not. The cursor lives in the offer's partition, not here, so a new
 * generation (continueAsNew after a few events: the history stays small) or a restarted instance
 * goes on where the last stopped. It ends only through park, which fails if an event came
 * meanwhile (shared/webhooks/dispatch.ts says why that loses nothing).
 */

/** Storage blips: each activity is retried for about 10 minutes before the instance fails. */
const RETRY = new df.RetryOptions(5000, 8);
RETRY.backoffCoefficient = 2;
RETRY.maxRetryIntervalInMilliseconds = 5 * 60_000;

/** Events delivered per generation before continueAsNew. */
const PER_GENERATION = 10;
/**
 * When an activity failed even after its retries (a long storage outage), the instance does not
 * fail, which would leave the offer's later events waiting for its next event's kick: it waits
 * this long on a durable timer and goes on where it was.
 */
const OUTAGE_PAUSE_MS = 30 * 60_000;
const MAX_UNRECORDED = 48;

/** An activity with retries; undefined (after the outage pause) when it failed even so. */
export function* call<T>(
  context: OrchestrationContext,
  name: string,
  input: unknown,
): Generator<df.Task, T | undefined, unknown> {
  try {
    return (yield context.df.callActivityWithRetry(name, RETRY, input)) as T;
  } catch {
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + OUTAGE_PAUSE_MS));
    return undefined;
  }
}

export const deliverWebhooks = function* (context: OrchestrationContext): Generator<df.Task, void, unknown> {
  const input = context.df.getInput() as DeliveryInput;
  let fresh = input.fresh;
  for (let handled = 0; handled < PER_GENERATION; handled++) {
    const next = yield* call<NextEvent>(context, ACTIVITIES.nextWebhookEvent, { ...input, fresh });
    if (!next) continue;
    fresh = false;
    if (next.kind === 'stop') return;
    if (next.kind === 'idle') {
      const parked = yield* call<boolean>(context, ACTIVITIES.parkWebhookDelivery, {
        webhookId: input.webhookId,
        offerId: input.offerId,
        upTo: next.upTo,
        seen: next.seen,
      });
      if (parked) return;
      continue;
    }
    const unique = `s${next.seq}-${context.df.newGuid(`${context.df.instanceId}|${next.seq}`).slice(0, 8)}`;
    const deliveryId = deliveryIdFor(context.df.currentUtcDateTime, unique);
    const event = { offerId: input.offerId, seq: next.seq, eventId: next.eventId, type: next.type };
    const outcome = yield* attempts(context, {
      webhookId: input.webhookId,
      owner: input.owner,
      deliveryId,
      event,
    });
    if (outcome === 'stop') return;
    // A day of storage outage: a new generation goes on where the cursor says (design.md: an
    // outage of any length delays delivery, never loses it).
    if (outcome === 'outage') break;
  }
  context.df.continueAsNew({ ...input, fresh: false });
};

/**
 * Attempts of one delivery with the backoff; 'stop' when the endpoint is gone or disabled,
 * 'outage' when no attempt could be recorded for a day (the caller starts a new generation, so
 * the history stays bounded however long storage is out).
 */
export function* attempts(
  context: OrchestrationContext,
  delivery: { webhookId: string; owner: string; deliveryId: string; event: unknown },
): Generator<df.Task, 'done' | 'stop' | 'outage', unknown> {
  let unrecorded = 0;
  for (let attempt = 0; ; attempt++) {
    const at = context.df.currentUtcDateTime.toISOString();
    const result = yield* call<AttemptResult>(context, ACTIVITIES.attemptWebhookDelivery, {
      ...delivery,
      attempt,
      at,
    });
    // Not recorded (storage was out): the same attempt again, after the pause. After a day of
    // that the caller starts a new generation.
    if (!result) {
      if (++unrecorded >= MAX_UNRECORDED) return 'outage';
      attempt--;
      continue;
    }
    if (result.kind === 'stop') return 'stop';
    if (result.kind !== 'retry') return 'done';
    yield context.df.createTimer(new Date(result.nextAttemptAt));
  }
}

df.app.orchestration(ORCHESTRATORS.deliverWebhooks, deliverWebhooks);
