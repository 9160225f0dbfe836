import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FUNCTIONS } from '../shared/contracts/names';
import { assertCanResolve } from '../shared/domain/questions';
import { offerRequest } from '../shared/http/access';
import { guarded, json } from '../shared/http/errors';
import { questionOf } from '../shared/http/questions';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/**
 * A reviewer of the question's area marks it resolved: it leaves the open count. Resolving again
 * changes nothing (the first time stays). No email: the reviewer closes their own question.
 */
export function makeResolveQuestion(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const { caller, offerId } = await offerRequest(request, services.offers, 'read');
    const question = await questionOf(services, request, offerId);
    assertCanResolve(caller, question);
    await services.questions.resolve(offerId, question.questionId, services.now().toISOString());
    // Also when it was resolved already: a repeat after a crash between the two writes repairs the count.
    await services.questions.setOpen(offerId, question.submissionId, question.questionId, false);
    return json(200, await questionOf(services, request, offerId));
  });
}

app.http(FUNCTIONS.resolveQuestion, {
  route: 'offers/{offerId}/questions/{questionId}/resolve',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: (request, context) => makeResolveQuestion(getServices())(request, context),
});
