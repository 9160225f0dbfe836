import { workflowNow } from '../shared/http/workflowTime';
import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { OrchestrationClient } from '../shared/http/orchestrations';
import { FUNCTIONS } from '../shared/contracts/names';
import { answerRequestSchema } from '../shared/contracts/api';
import {
  ANSWERS_PER_QUESTION_MAX,
  Answer,
  answerIdFor,
  answeringSide,
  assertQuestionInReview,
  tooManyAnswers,
} from '../shared/domain/questions';
import { offerRequest } from '../shared/http/access';
import { readJson } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import { mailAnswer, tellQuestionEvents, questionOf, statusOf } from '../shared/http/questions';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * The publisher or a reviewer answers a question while its submission is in step 7, within the
 * question's ANSWERS_PER_QUESTION_MAX places (409 limit_reached after); the other side is emailed. The same answer repeated (a retry) is stored and mailed once.
 */
export function makeAnswerQuestion(services: Services, client?: OrchestrationClient) {
  return guarded(async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const { caller, offerId, offer } = await offerRequest(request, services.offers, 'read');
    const side = answeringSide(caller, offer.publisherId);
    const question = await questionOf(services, request, offerId);
    const body = await readJson(request, answerRequestSchema, services.settings.MAX_JSON_BODY_BYTES);
    const status = await statusOf(services, offer);
    assertQuestionInReview(question, status);
    const answerId = answerIdFor(question.questionId, caller.name, body.text);
    const set = { kind: 'answers', questionId: question.questionId } as const;
    if (!(await services.questions.reserve(offerId, set, answerId, ANSWERS_PER_QUESTION_MAX)))
      throw tooManyAnswers(question.questionId);
    const at = (await workflowNow(services, client)).toISOString();
    const answer: Answer = { by: caller.name, at, text: body.text };
    // Marked first, as a question is (askQuestion.ts).
    const mark = await services.activeSubmissions.markStale(offerId, new Date().toISOString());
    await services.questions.addAnswer(
      offerId,
      { ...answer, questionId: question.questionId, answerId },
      {
        type: 'offer.question.answered',
        submissionId: question.submissionId,
        at: answer.at,
        data: { questionId: question.questionId, answerId, text: answer.text, by: answer.by },
      },
    );
    const stored = (await services.questions.get(offerId, question.questionId)) ?? question;
    // The answer as first stored (a retry keeps its time), so the email matches the thread.
    const first = stored.answers.find((a) => a.by === answer.by && a.text === answer.text) ?? answer;
    await mailAnswer(services, context, { offer, status, question: stored, answer: first, answerId }, side);
    await tellQuestionEvents(services, client, context, offer, mark);
    return json(201, stored);
  });
}

df.app.client.http(FUNCTIONS.answerQuestion, {
  route: 'offers/{offerId}/questions/{questionId}/answers',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, client, context) => makeAnswerQuestion(getServices(), client)(request, context),
});
