import type { Services } from '../services';

/**
 * Moves the webhook events of questions and answers from the questions' outbox (written with the
 * question or answer itself) to the offer's events, oldest first. Each append is keyed by its
 * outbox row, so a repeat after a failure between the append and the removal appends nothing,
 * and concurrent movers keep the order. Returns how many were appended.
 */
export async function flushQuestionEvents(
  services: Pick<Services, 'questions' | 'offerEvents'>,
  offerId: string,
): Promise<number> {
  let appended = 0;
  for (const pending of await services.questions.pendingEvents(offerId)) {
    appended += (await services.offerEvents.append(offerId, [pending.event], pending.key)).length;
    await services.questions.clearEvent(offerId, pending.key);
  }
  return appended;
}
