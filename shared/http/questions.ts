import { z } from 'zod';
import type { HttpRequest, InvocationContext } from '@azure/functions';
import { deliver, localEcho } from '../notify/delivery';
import { mailLinks } from '../notify/snapshot';
import { questionIdSchema } from '../contracts/api';
import { DomainError } from '../domain/errors';
import type { Offer } from '../domain/offer';
import {
  Answer,
  QUESTION_CURSOR,
  QUESTION_EMAILS_PER_HOUR,
  QUESTIONS_TOP_DEFAULT,
  QUESTIONS_TOP_MAX,
  Question,
  answerEmail,
  emailHourOf,
  questionEmail,
} from '../domain/questions';
import { OfferStatus, notStartedStatus } from '../domain/status';
import type { Services } from '../services';
import type { WatchEntry } from '../ports/stores';
import { flushQuestionEvents } from '../actions/questionEvents';
import type { OrchestrationClient } from './orchestrations';
import { parseWith, routeParam } from './body';

/**
 * What the question routes share: the question named by the route, the offer's status, and the
 * emails. Emails go through the outbox like every other (insert-if-absent by key, then sent), so a
 * repeated request never sends one twice.
 */

const topText = `must be an integer from 1 to ${QUESTIONS_TOP_MAX}`;
/** The query of GET .../questions: `top` and `continuation`, as GET /api/offers takes them. */
const listQuery = z.object({
  top: z
    .string()
    .regex(/^\d{1,3}$/, topText)
    .transform(Number)
    .pipe(z.number().int().min(1, topText).max(QUESTIONS_TOP_MAX, topText))
    .optional(),
  continuation: z
    .string()
    .max(2048)
    .transform((token) => Buffer.from(token, 'base64url').toString('utf8'))
    .refine((cursor) => QUESTION_CURSOR.test(cursor), 'is not a continuation from GET .../questions')
    .optional(),
});

/** One page of the offer's questions, newest first, and the continuation of the next (or null). */
export async function questionPage(services: Services, request: HttpRequest, offerId: string) {
  const query = parseWith(listQuery, Object.fromEntries(request.query.entries()));
  const page = await services.questions.page(offerId, query.continuation, query.top ?? QUESTIONS_TOP_DEFAULT);
  return {
    questions: page.items,
    continuation: page.next === null ? null : Buffer.from(page.next, 'utf8').toString('base64url'),
  };
}

export async function statusOf(services: Services, offer: Offer): Promise<OfferStatus> {
  return (await services.statuses.get(offer.offerId)) ?? notStartedStatus(offer.offerId, offer.updatedAt);
}

export async function questionOf(
  services: Services,
  request: HttpRequest,
  offerId: string,
): Promise<Question> {
  // Question ids are opaque to clients: one that is not of our shape names no question (404),
  // only an oversized one is a malformed request.
  const raw = routeParam(request, 'questionId', questionIdSchema.or(z.string().max(256)));
  const parsed = questionIdSchema.safeParse(raw);
  const question = parsed.success ? await services.questions.get(offerId, parsed.data) : undefined;
  const questionId = raw;
  if (!question)
    throw new DomainError('not_found', `No question '${questionId}' exists on offer '${offerId}'.`);
  return question;
}

const STEP = 'marketing-technical-validation' as const;
const looksLikeEmail = (value: string | null | undefined): value is string =>
  typeof value === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);

function deliveryOf(services: Services, context: InvocationContext) {
  return {
    outbox: services.outbox,
    email: services.email,
    log: (m: string) => context.warn(m),
    echo: localEcho(services.settings, (line) => context.log(line)),
  };
}

/**
 * The rate of question and answer emails per offer (docs/workflow.md): at most
 * QUESTION_EMAILS_PER_HOUR in the clock hour of the question or answer. A retry of the same
 * request counts once (its key holds its place), so its email is still sent; beyond the rate the
 * question or answer is stored and shown, not mailed.
 */
async function withinEmailRate(
  services: Services,
  context: InvocationContext,
  offerId: string,
  at: string,
  key: string,
): Promise<boolean> {
  const hour = emailHourOf(at);
  const allowed = await services.questions.reserve(
    offerId,
    { kind: 'emails', hour },
    key,
    QUESTION_EMAILS_PER_HOUR,
  );
  if (!allowed)
    context.warn(
      `offer ${offerId}: ${QUESTION_EMAILS_PER_HOUR} question and answer emails were sent in hour ${hour} UTC; this one is not mailed`,
    );
  return allowed;
}

/** A new question is mailed to the publisher's notification email of the submission. */
export async function mailQuestion(
  services: Services,
  context: InvocationContext,
  offer: Offer,
  status: OfferStatus,
  question: Question,
): Promise<void> {
  const to = status.notificationEmail;
  if (!looksLikeEmail(to)) return;
  if (!(await withinEmailRate(services, context, offer.offerId, question.askedAt, question.questionId)))
    return;
  const mail = questionEmail(
    { offerId: offer.offerId, offerName: offer.name, question },
    mailLinks(services),
  );
  await deliver(deliveryOf(services, context), {
    offerId: offer.offerId,
    submissionId: question.submissionId,
    key: `${question.submissionId}|${STEP}|question|${question.questionId}`,
    to,
    subject: mail.subject,
    text: mail.text,
    step: STEP,
    transition: 'question',
    sentAt: question.askedAt,
  });
}

/**
 * An answer goes to the other side: a publisher's answer to the reviewer who asked, a reviewer's
 * answer to the publisher's notification email.
 */
export async function mailAnswer(
  services: Services,
  context: InvocationContext,
  input: { offer: Offer; status: OfferStatus; question: Question; answer: Answer; answerId: string },
  side: 'publisher' | 'reviewer',
): Promise<void> {
  const { offer, question, answer } = input;
  const to = side === 'publisher' ? question.askedBy : input.status.notificationEmail;
  if (!looksLikeEmail(to)) return;
  const key = `${question.questionId}|${input.answerId}`;
  if (!(await withinEmailRate(services, context, offer.offerId, answer.at, key))) return;
  const mail = answerEmail(
    { offerId: offer.offerId, offerName: offer.name, question, answer },
    mailLinks(services),
  );
  await deliver(deliveryOf(services, context), {
    offerId: offer.offerId,
    submissionId: question.submissionId,
    key: `${question.submissionId}|${STEP}|answer|${question.questionId}|${input.answerId}`,
    to,
    subject: mail.subject,
    text: mail.text,
    step: STEP,
    transition: 'answer',
    sentAt: answer.at,
  });
}

/**
 * After a question or answer was stored with its event in the outbox: the event is moved to the
 * offer's events and the deliveries are kicked, then the request's stale mark is taken back. A
 * failure is logged, not answered (the question or answer is stored): the mark stays, and the
 * reconciler's stale pass moves the event and kicks.
 */
export async function tellQuestionEvents(
  services: Services,
  client: OrchestrationClient | undefined,
  context: InvocationContext,
  offer: Offer,
  mark: WatchEntry,
): Promise<void> {
  const { offerId, publisherId } = offer;
  try {
    await flushQuestionEvents(services, offerId);
    if (client) await services.webhookDispatch(client).kick(offerId, publisherId);
    await services.activeSubmissions.removeStale(mark);
  } catch (error) {
    context.warn(
      `offer ${offerId}: question events not told yet (the reconciler will): ${String(error).slice(0, 200)}`,
    );
  }
}
