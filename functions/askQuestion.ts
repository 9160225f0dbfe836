import { workflowNow } from '../shared/http/workflowTime';
import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { askQuestionRequestSchema } from '../shared/contracts/api';
import { DomainError } from '../shared/domain/errors';
import { isAdmin, isReviewer } from '../shared/domain/identity';
import {
  QUESTIONS_PER_SUBMISSION_MAX,
  Question,
  assertCanAsk,
  questionIdFor,
  tooManyQuestions,
} from '../shared/domain/questions';
import { offerRequest } from '../shared/http/access';
import { readJson } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { mailQuestion, tellQuestionEvents, statusOf } from '../shared/http/questions';
import type { OrchestrationClient } from '../shared/http/orchestrations';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * A reviewer asks the publisher a question about their area, during step 7: one of the
 * submission's QUESTIONS_PER_SUBMISSION_MAX places (409 limit_reached when they are taken), then
 * stored, added to the submission's open questions, and mailed to the publisher. Repeating the same request (a retry
 * after a lost answer) finds the stored question and completes what is missing: one question, one
 * email.
 */
export function makeAskQuestion(services: Services, client?: OrchestrationClient) {
  return guarded(async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const { caller, offerId, offer } = await offerRequest(request, services.offers, 'read');
    if (!isReviewer(caller) && !isAdmin(caller))
      throw new DomainError('forbidden', 'Only a reviewer (or Admin) may ask a question.');
    const body = await readJson(request, askQuestionRequestSchema, services.settings.MAX_JSON_BODY_BYTES);
    const status = await statusOf(services, offer);
    assertCanAsk(caller, body.area, status);
    const submissionId = status.submissionId ?? '';
    const questionId = questionIdFor(submissionId, body.area, caller.name, body.text);
    const set = { kind: 'questions', submissionId } as const;
    if (!(await services.questions.reserve(offerId, set, questionId, QUESTIONS_PER_SUBMISSION_MAX)))
      throw tooManyQuestions(submissionId);
    const asked = {
      questionId,
      submissionId,
      area: body.area,
      text: body.text,
      askedBy: caller.name,
      askedAt: (await workflowNow(services, client)).toISOString(),
      resolvedAt: null,
    };
    // Marked first: a failure or a crash from here on leaves the question's event to the
    // reconciler's stale pass, which moves it from the outbox (shared/actions/questionEvents.ts).
    const mark = await services.activeSubmissions.markStale(offerId, new Date().toISOString());
    await services.questions.addQuestion(offerId, asked, {
      type: 'offer.question.asked',
      submissionId,
      at: asked.askedAt,
      data: { questionId, area: asked.area, text: asked.text, askedBy: asked.askedBy },
    });
    const question: Question = (await services.questions.get(offerId, questionId)) ?? {
      ...asked,
      answers: [],
    };
    if (!question.resolvedAt) await services.questions.setOpen(offerId, submissionId, questionId, true);
    await mailQuestion(services, context, offer, status, question);
    await tellQuestionEvents(services, client, context, offer, mark);
    return json(201, question);
  });
}

df.app.client.http(FUNCTIONS.askQuestion, {
  route: 'offers/{offerId}/questions',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, client, context) => makeAskQuestion(getServices(), client)(request, context),
});
