import { EVENTS } from '../contracts/names';
import { workflowNow } from '../http/workflowTime';
import { CancelEvent } from '../contracts/orchestration';
import type { Caller } from '../domain/identity';
import { acceptedCancel, isCancellable, pendingCancel, requestCancel } from '../domain/rules';
import { CancelRequest, OfferStatus, notStartedStatus } from '../domain/status';
import { instanceIdFor } from '../domain/transitions';
import { OrchestrationClient, assertAlive } from '../http/orchestrations';
import type { Services } from '../services';
import type { Accepted } from './accepted';

const UNDO_ATTEMPTS = 3;

const sameRequest = (a: CancelRequest, b: CancelRequest) =>
  a.submissionId === b.submissionId && a.actor === b.actor && a.at === b.at;

/**
 * Takes this request's own Cancel off the status row after its raise failed. Returns true when
 * it cannot, because step 8's start already yielded to it (`honored`): the Cancel took effect.
 * Retried a few times, since the undo follows a failure and may meet the same storage trouble.
 */
async function undoCancel(services: Services, offerId: string, mine: CancelRequest): Promise<boolean> {
  let honored = false;
  for (let attempt = 1; ; attempt++) {
    try {
      await services.statuses.update(
        offerId,
        (current) => {
          const request = current.cancelRequest;
          if (!request || !sameRequest(request, mine)) return undefined;
          honored = Boolean(request.honored);
          if (honored) return undefined;
          const { cancelRequest: _undone, ...rest } = current;
          return rest;
        },
        () => notStartedStatus(offerId, mine.at),
      );
      return honored;
    } catch (error) {
      if (attempt >= UNDO_ATTEMPTS) throw error;
    }
  }
}

/**
 * Cancel, complete or leave no trace. Order: the Cancel is written on the status row first
 * (ETag-checked, re-checked against the row being written), then raised; 202 only once the event
 * is delivered. Writing first is what serialises a Cancel with step 8's start: step 8's start is
 * written on the same row and yields to a Cancel written first (recordTransition), so an accepted
 * Cancel whose event arrives late still cancels, and a Cancel after step 8 started is a 409.
 * Because the write comes first, a failed raise undoes it (only the Cancel this request wrote; a
 * repeat writes nothing and undoes nothing), so a Cancel answered 500 never cancels later. If
 * step 8's start already yielded to it, it has taken effect and the answer is 202 after all.
 * A repeat while this submission's Cancel stands raises the same Cancel again. A submission whose
 * instance is no longer running is refused with 409 not_cancellable before anything is written.
 */
export async function cancelSubmission(
  services: Services,
  client: OrchestrationClient,
  request: { caller: Caller; offerId: string; status?: OfferStatus },
): Promise<Accepted> {
  const { caller, offerId } = request;
  const initial = () => notStartedStatus(offerId, new Date(0).toISOString());
  // The route's read (from storage: it decided the caller's access on it), or a read of our own.
  const seen: OfferStatus = request.status ?? (await services.statuses.get(offerId)) ?? initial();
  if (seen.submissionId && (isCancellable(seen) || pendingCancel(seen))) {
    await assertAlive(client, instanceIdFor(offerId, seen.submissionId), 'not_cancellable', 'a Cancel');
  }
  // The moment the Cancel was accepted (kept by the first of repeated Cancels).
  // The workflow's clock, as every action's stamp: the inbox orders events of different names by it.
  const at = (await workflowNow(services, client)).toISOString();
  let written: CancelRequest | undefined;
  let submissionId: string;
  try {
    const status = await services.statuses.update(
      offerId,
      (current) => {
        written = undefined; // a retried mutation decides anew
        const next = requestCancel(current, caller.name, at);
        written = next?.cancelRequest;
        return next;
      },
      initial,
    );
    const accepted = acceptedCancel(status);
    submissionId = accepted.submissionId;
    const event: CancelEvent = { actor: accepted.actor, at: accepted.at };
    await client.raiseEvent(instanceIdFor(offerId, submissionId), EVENTS.cancel, event);
  } catch (error) {
    // Also after a write that landed but whose index refresh failed: the undo is conditional.
    if (!written || !(await undoCancel(services, offerId, written))) throw error;
    submissionId = written.submissionId;
  }
  return { offerId, submissionId };
}
