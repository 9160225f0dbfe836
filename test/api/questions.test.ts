import fc from 'fast-check';
import { makeAnswerQuestion } from '../../functions/answerQuestion';
import { makeAskQuestion } from '../../functions/askQuestion';
import { makeGetStatus } from '../../functions/getStatus';
import { makeListNotifications } from '../../functions/listNotifications';
import { makeListQuestions } from '../../functions/listQuestions';
import { makeResolveQuestion } from '../../functions/resolveQuestion';
import { Services } from '../../shared/services';
import { Person, at, call, request, seedOffer, seedStatus, testServices, uniqueOfferId } from './support';

const services = testServices();
const PORTAL = (offerId: string) => `https://publish.example/api/portal#/offers/${offerId}`;

function routes(s: Services = services) {
  return {
    ask: makeAskQuestion(s),
    answer: makeAnswerQuestion(s),
    resolve: makeResolveQuestion(s),
    list: makeListQuestions(s),
  };
}
const r = routes();

const ask = (offerId: string, as: Person, body: unknown, handler = r.ask) =>
  call(handler, request('POST', `offers/${offerId}/questions`, { as, params: { offerId }, body }));
const answer = (offerId: string, questionId: string, as: Person, text: string, handler = r.answer) =>
  call(
    handler,
    request('POST', `offers/${offerId}/questions/${questionId}/answers`, {
      as,
      params: { offerId, questionId },
      body: { text },
    }),
  );
const resolve = (offerId: string, questionId: string, as: Person) =>
  call(
    r.resolve,
    request('POST', `offers/${offerId}/questions/${questionId}/resolve`, {
      as,
      params: { offerId, questionId },
    }),
  );
const list = (offerId: string, as: Person) =>
  call(r.list, request('GET', `offers/${offerId}/questions`, { as, params: { offerId } }));
const status = (offerId: string, as: Person = 'ann') =>
  call(makeGetStatus(services), request('GET', `offers/${offerId}/status`, { as, params: { offerId } }));
const emails = async (offerId: string) =>
  (
    await call(
      makeListNotifications(services),
      request('GET', `offers/${offerId}/notifications`, { as: 'ann', params: { offerId } }),
    )
  ).body.notifications as { to: string; subject: string; step: string; transition: string; body: string }[];

/** An offer whose submission 1 waits in step 7 (marketing and technical validation). */
async function inReview(): Promise<string> {
  const offerId = uniqueOfferId('ask');
  await seedOffer(services, offerId);
  await seedStatus(services, offerId, at('WaitingForReview', 'marketing-technical-validation'));
  return offerId;
}

describe('questions during review', () => {
  it('a reviewer asks about their area in step 7: 201 the question, and the publisher is emailed once', async () => {
    const offerId = await inReview();
    const res = await ask(offerId, 'tom', { area: 'technical', text: 'Which BC versions do you support?' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      questionId: expect.stringMatching(/^[0-9a-f]{20}$/),
      submissionId: '1',
      area: 'technical',
      text: 'Which BC versions do you support?',
      askedBy: 'tom@marketplace.example',
      askedAt: expect.any(String),
      resolvedAt: null,
      answers: [],
    });
    // The same request again (a retry after a lost answer): the same question, no second email.
    const again = await ask(offerId, 'tom', { area: 'technical', text: 'Which BC versions do you support?' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(res.body);
    const sent = await emails(offerId);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      to: 'ann@contoso.com',
      step: 'marketing-technical-validation',
      transition: 'question',
    });
    expect(sent[0]!.body).toContain('Which BC versions do you support?');
    expect(sent[0]!.body).toContain(PORTAL(offerId));
    expect(sent[0]!.body).not.toContain('/status');
  });

  it('lists questions newest first, with answers oldest first, to the owner and reviewers only', async () => {
    const offerId = await inReview();
    const first = await ask(offerId, 'mia', { area: 'marketing', text: 'Is the logo final?' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await ask(offerId, 'tom', { area: 'technical', text: 'Is the app signed?' });
    await answer(offerId, first.body.questionId, 'ann', 'Yes.');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await answer(offerId, first.body.questionId, 'mia', 'Thanks, then please upload it again.');
    for (const person of ['ann', 'mia', 'tom', 'root'] as const) {
      const res = await list(offerId, person);
      expect(res.status).toBe(200);
      expect(res.body.questions.map((q: { questionId: string }) => q.questionId)).toEqual([
        second.body.questionId,
        first.body.questionId,
      ]);
      expect(res.body.questions[1].answers).toEqual([
        { by: 'ann@contoso.com', at: expect.any(String), text: 'Yes.' },
        {
          by: 'mia@marketplace.example',
          at: expect.any(String),
          text: 'Thanks, then please upload it again.',
        },
      ]);
    }
    expect((await list(offerId, 'bob')).status).toBe(403);
  });

  it('asking: only a reviewer of that area (or Admin), only in step 7 (409 not_in_review)', async () => {
    const offerId = await inReview();
    const publisher = await ask(offerId, 'ann', { area: 'technical', text: 'May I?' });
    expect(publisher.status).toBe(403);
    const otherArea = await ask(offerId, 'mia', { area: 'technical', text: 'Not my area' });
    expect(otherArea.status).toBe(403);
    expect(otherArea.body.error.code).toBe('forbidden');
    expect((await ask(offerId, 'root', { area: 'technical', text: 'Admin asks' })).status).toBe(201);
    for (const [state, step] of [
      ['Running', 'appsource-packaging'],
      ['WaitingForPublisher', 'publisher-signoff'],
      ['Running', 'publish'],
      ['Live', 'live'],
    ] as const) {
      await seedStatus(services, offerId, (s) => ({ ...s, state, currentStep: step }));
      const res = await ask(offerId, 'tom', { area: 'technical', text: `In ${step}?` });
      expect([step, res.status, res.body.error?.code]).toEqual([step, 409, 'not_in_review']);
    }
  });

  it('answering: the owner or a reviewer; a publisher answer mails the asker, a reviewer answer the publisher', async () => {
    const offerId = await inReview();
    const q = (await ask(offerId, 'tom', { area: 'technical', text: 'Signed?' })).body;
    const byOwner = await answer(offerId, q.questionId, 'ann', 'Yes, with our certificate.');
    expect(byOwner.status).toBe(201);
    expect(byOwner.body.answers).toEqual([
      { by: 'ann@contoso.com', at: expect.any(String), text: 'Yes, with our certificate.' },
    ]);
    const byReviewer = await answer(offerId, q.questionId, 'mia', 'Marketing agrees.');
    expect(byReviewer.status).toBe(201);
    // Repeated: stored and mailed once.
    expect(
      (await answer(offerId, q.questionId, 'ann', 'Yes, with our certificate.')).body.answers,
    ).toHaveLength(2);
    expect((await answer(offerId, q.questionId, 'bob', 'Not mine')).status).toBe(403);
    const answers = (await emails(offerId)).filter((n) => n.transition === 'answer');
    expect(answers.map((n) => [n.to, n.step])).toEqual(
      expect.arrayContaining([
        ['tom@marketplace.example', 'marketing-technical-validation'],
        ['ann@contoso.com', 'marketing-technical-validation'],
      ]),
    );
    expect(answers).toHaveLength(2);
    const toAsker = answers.find((n) => n.to === 'tom@marketplace.example')!;
    expect(toAsker.body).toContain('Yes, with our certificate.');
    expect(toAsker.body).toContain(PORTAL(offerId));
    // After step 7: 409 not_in_review.
    await seedStatus(services, offerId, (s) => ({ ...s, state: 'Running', currentStep: 'publish' }));
    const late = await answer(offerId, q.questionId, 'ann', 'Too late?');
    expect([late.status, late.body.error.code]).toEqual([409, 'not_in_review']);
  });

  it('resolving: a reviewer of the area; idempotent; the status counts open questions only in step 7', async () => {
    const offerId = await inReview();
    const a = (await ask(offerId, 'tom', { area: 'technical', text: 'One?' })).body;
    await ask(offerId, 'tom', { area: 'technical', text: 'Two?' });
    await ask(offerId, 'mia', { area: 'marketing', text: 'Three?' });
    expect((await status(offerId)).body.openQuestions).toBe(3);
    expect((await status(offerId, 'mia')).body.openQuestions).toBe(3);
    expect((await resolve(offerId, a.questionId, 'ann')).status).toBe(403);
    expect((await resolve(offerId, a.questionId, 'mia')).status).toBe(403);
    const done = await resolve(offerId, a.questionId, 'tom');
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ questionId: a.questionId, resolvedAt: expect.any(String) });
    const again = await resolve(offerId, a.questionId, 'tom');
    expect(again.body.resolvedAt).toBe(done.body.resolvedAt);
    expect((await status(offerId)).body.openQuestions).toBe(2);
    await seedStatus(services, offerId, (s) => ({ ...s, state: 'Running', currentStep: 'publish' }));
    expect((await status(offerId)).body).not.toHaveProperty('openQuestions');
  });

  it('validates: texts up to 10,000 characters, not blank, known areas and question ids', async () => {
    const offerId = await inReview();
    const max = await ask(offerId, 'tom', { area: 'technical', text: 'x'.repeat(10_000) });
    expect(max.status).toBe(201);
    const long = await ask(offerId, 'tom', { area: 'technical', text: 'x'.repeat(10_001) });
    expect(long.status).toBe(400);
    expect(long.body.error.details).toEqual([{ path: 'text', message: 'must be at most 10000 characters' }]);
    expect((await ask(offerId, 'tom', { area: 'technical', text: '   ' })).status).toBe(400);
    expect((await ask(offerId, 'tom', { area: 'legal', text: 'Hm?' })).body.error.details[0].path).toBe(
      'area',
    );
    expect((await ask(offerId, 'tom', { area: 'technical', text: 'a', extra: 1 })).status).toBe(400);
    const longAnswer = await answer(offerId, max.body.questionId, 'ann', 'y'.repeat(10_001));
    expect(longAnswer.status).toBe(400);
    const unknown = await answer(offerId, 'f'.repeat(20), 'ann', 'Hello');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
    // Ids are opaque: one of another shape names no question; only an oversized one is malformed.
    const other = await resolve(offerId, 'nope', 'tom');
    expect([other.status, other.body.error.code]).toEqual([404, 'not_found']);
    const malformed = await resolve(offerId, 'x'.repeat(300), 'tom');
    expect([malformed.status, malformed.body.error.details[0].path]).toEqual([400, 'questionId']);
  });

  it('a long thread never outgrows a table row: 60 answers of 10,000 characters', async () => {
    const offerId = await inReview();
    const q = (await ask(offerId, 'tom', { area: 'technical', text: 'Tell me everything.' })).body;
    for (let i = 0; i < 60; i++) {
      const res = await answer(offerId, q.questionId, i % 2 ? 'ann' : 'tom', `${i}`.padEnd(10_000, '.'));
      expect(res.status).toBe(201);
    }
    const all = await list(offerId, 'ann');
    expect(all.body.questions[0].answers).toHaveLength(60);
  });

  it('under failing writes, repeating the request until it succeeds gives one question, one open count and one email', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('addQuestion', 'setOpen', 'outbox'), { maxLength: 4 }),
        async (failures) => {
          const offerId = await inReview();
          const pending = [...failures];
          const failing = flaky(services, pending);
          const handler = makeAskQuestion(failing);
          let res;
          for (let attempt = 0; attempt < 10; attempt++) {
            res = await ask(offerId, 'tom', { area: 'technical', text: 'Retried?' }, handler);
            if (res.status === 201) break;
            expect(res.status).toBe(500);
          }
          expect(res?.status).toBe(201);
          expect((await list(offerId, 'ann')).body.questions).toHaveLength(1);
          expect((await status(offerId)).body.openQuestions).toBe(1);
          expect((await emails(offerId)).filter((n) => n.transition === 'question')).toHaveLength(1);
        },
      ),
      { numRuns: 12 },
    );
  });
});

/** The services, with the next write named in `pending` failing once (first in, first failing). */
function flaky(s: Services, pending: string[]): Services {
  const failIf = (name: string) => {
    if (pending[0] === name) {
      pending.shift();
      throw new Error(`injected failure of ${name}`);
    }
  };
  return {
    ...s,
    questions: {
      ...s.questions,
      addQuestion: async (...args) => {
        failIf('addQuestion');
        return s.questions.addQuestion(...args);
      },
      setOpen: async (...args) => {
        failIf('setOpen');
        return s.questions.setOpen(...args);
      },
    },
    outbox: {
      ...s.outbox,
      add: async (...args) => {
        failIf('outbox');
        return s.outbox.add(...args);
      },
    },
  };
}
