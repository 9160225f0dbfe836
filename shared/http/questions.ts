import { z } from 'zod';
import type { HttpRequest, InvocationContext } from '@azure/functions';
import { deliver, localEcho } from '../notify/delivery';
import { mailLinks } from '../notify/snapshot';
import { questionIdSchema } from '../contracts/api';
import { DomainError } from '../domain/errors';
import type { Offer } from '../domain/offer';
import { Answer, Question, answerEmail, questionEmail } from '../domain/questions';
import { OfferStatus, notStartedStatus } from '../domain/status';
import type { Services } from '../services';
import { routeParam } from './body';

/**
 * What the question routes share: the question named by the route, the offer's status, and the
 * emails. Emails go through the outbox like every other (insert-if-absent by key, then sent), so a
 * repeated request never sends one twice.
 */

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
