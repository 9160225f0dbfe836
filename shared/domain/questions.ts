import { createHash } from 'node:crypto';
import { DomainError } from './errors';
import { Caller, actsAsOwner, isReviewer } from './identity';
import { MailLinks, MailText, portalLink } from './notifications';
import { canReviewArea, isInReview } from './rules';
import type { OfferStatus, ReviewArea } from './status';

/**
 * Questions during review (api.md): while a submission is in step 7 a reviewer asks the publisher
 * about their area, either side answers, and a reviewer of the area resolves the question.
 */

export const QUESTION_TEXT_MAX = 10_000;

/**
 * Bounds on a review thread (docs/api.md, "Questions during review"): each question and answer is
 * a row and each answer emails the other side, so neither may grow without end.
 */
export const QUESTIONS_PER_SUBMISSION_MAX = 50;
export const ANSWERS_PER_QUESTION_MAX = 30;
/** Question and answer emails of one offer per clock hour (UTC); the rest are stored, not mailed. */
export const QUESTION_EMAILS_PER_HOUR = 10;
/** Pages of GET .../questions. */
export const QUESTIONS_TOP_DEFAULT = 20;
export const QUESTIONS_TOP_MAX = 50;

/** Where a page of questions ends: the index row key of its last question (questionStore.ts). */
export const QUESTION_CURSOR = /^t_\d{13}_[0-9a-f]{20}$/;

/** The clock hour (UTC) an email counts against: `2026-12-07T13`. */
export function emailHourOf(at: string): string {
  return at.slice(0, 13);
}

export function tooManyQuestions(submissionId: string): DomainError {
  return new DomainError(
    'limit_reached',
    `Submission ${submissionId} already has ${QUESTIONS_PER_SUBMISSION_MAX} questions, the most one submission may have: answer or resolve the open ones.`,
  );
}

export function tooManyAnswers(questionId: string): DomainError {
  return new DomainError(
    'limit_reached',
    `Question '${questionId}' already has ${ANSWERS_PER_QUESTION_MAX} answers, the most one question may have: ask a new question.`,
  );
}

export interface Answer {
  by: string;
  at: string;
  text: string;
}

export interface Question {
  questionId: string;
  submissionId: string;
  area: ReviewArea;
  text: string;
  askedBy: string;
  askedAt: string;
  resolvedAt: string | null;
  answers: Answer[];
}

/** One answer as stored: the question it belongs to and its own id beside what api.md shows. */
export interface StoredAnswer extends Answer {
  questionId: string;
  answerId: string;
}

const shortHash = (...parts: string[]) =>
  createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 20);

/**
 * Ids derive from what was asked, so a request repeated after a lost answer or a 500 finds the
 * question (or answer) it already stored and completes what is missing (the open set, the email)
 * instead of adding a second one with a second email. The same reviewer asking the same text in
 * the same submission and area is the same question.
 */
export function questionIdFor(submissionId: string, area: ReviewArea, askedBy: string, text: string): string {
  return shortHash('question', submissionId, area, askedBy, text);
}

export function answerIdFor(questionId: string, by: string, text: string): string {
  return shortHash('answer', questionId, by, text);
}

export const QUESTION_ID_PATTERN = /^[0-9a-f]{20}$/;

export function notInReview(offerId: string): DomainError {
  return new DomainError(
    'not_in_review',
    `Offer '${offerId}' is not in marketing and technical validation: questions are asked and answered during step 7.`,
  );
}

/** Asking: a reviewer of that area (or Admin), while the submission is in step 7. */
export function assertCanAsk(caller: Caller, area: ReviewArea, status: OfferStatus): void {
  if (!canReviewArea(caller, area))
    throw new DomainError(
      'forbidden',
      `Only a ${area} reviewer (or Admin) may ask about the ${area} review.`,
    );
  if (!isInReview(status)) throw notInReview(status.offerId);
}

export type Side = 'publisher' | 'reviewer';

/** Answering: the offer's owner or any reviewer, while the question's submission is in step 7. */
export function answeringSide(caller: Caller, publisherId: string): Side {
  if (isReviewer(caller)) return 'reviewer';
  if (actsAsOwner(caller, publisherId)) return 'publisher';
  throw new DomainError('forbidden', 'Only the offer’s publisher or a reviewer may answer a question.');
}

export function assertQuestionInReview(question: Question, status: OfferStatus): void {
  if (!isInReview(status) || status.submissionId !== question.submissionId) throw notInReview(status.offerId);
}

/** Resolving: a reviewer of the question's area (or Admin). */
export function assertCanResolve(caller: Caller, question: Question): void {
  if (!canReviewArea(caller, question.area))
    throw new DomainError(
      'forbidden',
      `Only a ${question.area} reviewer (or Admin) may resolve a question of the ${question.area} review.`,
    );
}

/** A question with its answers, oldest answer first. */
export function withAnswers(question: Omit<Question, 'answers'>, answers: StoredAnswer[]): Question {
  const own = answers
    .filter((a) => a.questionId === question.questionId)
    .sort((a, b) => a.at.localeCompare(b.at) || a.answerId.localeCompare(b.answerId))
    .map(({ by, at, text }) => ({ by, at, text }));
  return { ...question, answers: own };
}

const quote = (text: string) =>
  text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');

export function questionEmail(
  input: { offerId: string; offerName?: string; question: Question },
  links: MailLinks,
): MailText {
  const { question } = input;
  const offer = input.offerName ? `${input.offerName} (${input.offerId})` : input.offerId;
  return {
    subject: `${offer}: a question from the ${question.area} review`,
    text: [
      `${question.askedBy} asks about submission ${question.submissionId} of offer ${offer} (${question.area} review):`,
      '',
      quote(question.text),
      '',
      'Answer it in the portal, on the offer’s Status tab:',
      portalLink(links.publicBaseUrl, input.offerId),
    ].join('\n'),
  };
}

export function answerEmail(
  input: { offerId: string; offerName?: string; question: Question; answer: Answer },
  links: MailLinks,
): MailText {
  const { question, answer } = input;
  const offer = input.offerName ? `${input.offerName} (${input.offerId})` : input.offerId;
  return {
    subject: `${offer}: an answer on the ${question.area} review`,
    text: [
      `${answer.by} answered a question of the ${question.area} review of offer ${offer}.`,
      '',
      'The question:',
      quote(question.text),
      '',
      'The answer:',
      quote(answer.text),
      '',
      `Read the thread in the portal: ${portalLink(links.publicBaseUrl, input.offerId)}`,
    ].join('\n'),
  };
}
