import fc from 'fast-check';
import { makeAnswerQuestion } from '../../functions/answerQuestion';
import { makeAskQuestion } from '../../functions/askQuestion';
import { makeGetStatus } from '../../functions/getStatus';
import { makeListNotifications } from '../../functions/listNotifications';
import { makeListQuestions } from '../../functions/listQuestions';
import { makeResolveQuestion } from '../../functions/resolveQuestion';
import {
  ANSWERS_PER_QUESTION_MAX,
  QUESTION_EMAILS_PER_HOUR,
  QUESTIONS_PER_SUBMISSION_MAX,
  QUESTIONS_TOP_DEFAULT,
} from '../../shared/domain/questions';
import { Services, createServices } from '../../shared/services';
import { stalePass } from '../../reconcile/passes';
import { flushQuestionEvents } from '../../shared/actions/questionEvents';
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
const list = (offerId: string, as: Person, query?: Record<string, string>) =>
  call(r.list, request('GET', `offers/${offerId}/questions`, { as, params: { offerId }, query }));
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

  it('a full thread never outgrows a table row: the most answers a question takes, of 10,000 characters', async () => {
    const offerId = await inReview();
    const q = (await ask(offerId, 'tom', { area: 'technical', text: 'Tell me everything.' })).body;
    for (let i = 0; i < ANSWERS_PER_QUESTION_MAX; i++) {
      const res = await answer(offerId, q.questionId, i % 2 ? 'ann' : 'tom', `${i}`.padEnd(10_000, '.'));
      expect(res.status).toBe(201);
    }
    const all = await list(offerId, 'ann');
    expect(all.body.questions[0].answers).toHaveLength(ANSWERS_PER_QUESTION_MAX);
  });

  it('under failing writes, repeating the request until it succeeds gives one question, one open count and one email', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('addQuestion', 'setOpen', 'outbox', 'append', 'clearEvent'), {
          maxLength: 4,
        }),
        fc.boolean(),
        async (failures, repeat) => {
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
          // Its webhook event is told once (review finding: a failed append after the question
          // was stored lost it), whether the client repeats the request or not, once the
          // reconciler's stale pass ran.
          if (repeat) {
            let again = 0;
            for (let attempt = 0; attempt < 10 && again !== 201; attempt++)
              again = (await ask(offerId, 'tom', { area: 'technical', text: 'Retried?' }, handler)).status;
            expect(again).toBe(201);
          }
          await reconcileStale();
          const events = await services.offerEvents.after(offerId, 0, 50);
          expect(events.filter((e) => e.type === 'offer.question.asked')).toHaveLength(1);
          expect(await services.questions.pendingEvents(offerId)).toEqual([]);
        },
      ),
      { numRuns: 20 },
    );
  });
});

/**
 * Issue 28 item 9: a review thread is bounded. Questions per submission and answers per question
 * are capped (409 limit_reached), GET .../questions is paged like GET /api/offers, and question and
 * answer emails are rate-limited per offer and clock hour.
 */
describe('bounded questions (issue 28 item 9)', () => {
  /** The services on a clock that moves one second per reading, from `start`. */
  function clocked(start: string): Services {
    let ms = Date.parse(start);
    return createServices(services.settings, () => new Date((ms += 1000)));
  }

  it(`takes ${QUESTIONS_PER_SUBMISSION_MAX} questions per submission, then 409 limit_reached; a retry still answers`, async () => {
    const offerId = await inReview();
    const asked: string[] = [];
    for (let i = 0; i < QUESTIONS_PER_SUBMISSION_MAX; i++) {
      const res = await ask(offerId, i % 2 ? 'tom' : 'mia', {
        area: i % 2 ? 'technical' : 'marketing',
        text: `Question ${i}?`,
      });
      expect([i, res.status]).toEqual([i, 201]);
      asked.push(res.body.questionId);
    }
    const over = await ask(offerId, 'tom', { area: 'technical', text: 'One more?' });
    expect([over.status, over.body.error.code]).toEqual([409, 'limit_reached']);
    expect(over.body.error.message).toContain(String(QUESTIONS_PER_SUBMISSION_MAX));
    // A question already asked is the same question: a retry still gets it.
    const retry = await ask(offerId, 'tom', { area: 'technical', text: 'Question 1?' });
    expect([retry.status, retry.body.questionId]).toEqual([201, asked[1]]);
    const all = await list(offerId, 'ann', { top: '50' });
    expect(all.body.questions).toHaveLength(QUESTIONS_PER_SUBMISSION_MAX);
  });

  it(`takes ${ANSWERS_PER_QUESTION_MAX} answers per question, then 409 limit_reached; a retry still answers`, async () => {
    const offerId = await inReview();
    const q = (await ask(offerId, 'tom', { area: 'technical', text: 'Talk to me.' })).body;
    for (let i = 0; i < ANSWERS_PER_QUESTION_MAX; i++)
      expect([i, (await answer(offerId, q.questionId, i % 2 ? 'ann' : 'tom', `Answer ${i}`)).status]).toEqual(
        [i, 201],
      );
    const over = await answer(offerId, q.questionId, 'ann', 'And another thing');
    expect([over.status, over.body.error.code]).toEqual([409, 'limit_reached']);
    const retry = await answer(offerId, q.questionId, 'ann', 'Answer 1');
    expect([retry.status, retry.body.answers]).toEqual([201, expect.any(Array)]);
    expect(retry.body.answers).toHaveLength(ANSWERS_PER_QUESTION_MAX);
  });

  it('pages GET .../questions newest first with top and continuation, every question once', async () => {
    const s = clocked('2026-12-07T10:00:00.000Z');
    const handlers = routes(s);
    const offerId = await inReview();
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await ask(offerId, 'tom', { area: 'technical', text: `Paged ${i}?` }, handlers.ask);
      ids.unshift(res.body.questionId); // newest first
    }
    const pageOf = async (query: Record<string, string>) =>
      call(
        handlers.list,
        request('GET', `offers/${offerId}/questions`, { as: 'ann', params: { offerId }, query }),
      );
    const seen: string[] = [];
    const sizes: number[] = [];
    let continuation: string | null = null;
    do {
      const res = await pageOf({ top: '10', ...(continuation ? { continuation } : {}) });
      expect(res.status).toBe(200);
      sizes.push(res.body.questions.length);
      seen.push(...res.body.questions.map((q: { questionId: string }) => q.questionId));
      continuation = res.body.continuation;
    } while (continuation);
    expect(sizes).toEqual([10, 10, 5]);
    expect(seen).toEqual(ids);
    const first = await pageOf({});
    expect(first.body.questions).toHaveLength(QUESTIONS_TOP_DEFAULT);
    expect(first.body.continuation).toEqual(expect.any(String));
    const bad = await pageOf({ top: '0', continuation: 'bm90LW91cnM' });
    expect([bad.status, bad.body.error.details.map((d: { path: string }) => d.path).sort()]).toEqual([
      400,
      ['continuation', 'top'],
    ]);
    expect((await pageOf({ top: '51' })).status).toBe(400);
  });

  it(`mails at most ${QUESTION_EMAILS_PER_HOUR} questions and answers per offer and hour; the rest are stored`, async () => {
    const s = clocked('2026-12-07T11:00:00.000Z');
    const handlers = routes(s);
    const offerId = await inReview();
    const asked: string[] = [];
    for (let i = 0; i < QUESTION_EMAILS_PER_HOUR + 2; i++)
      asked.push(
        (await ask(offerId, 'tom', { area: 'technical', text: `Mailed ${i}?` }, handlers.ask)).body
          .questionId,
      );
    await answer(offerId, asked[0]!, 'ann', 'Within the hour, over the rate', handlers.answer);
    const mailed = (await emails(offerId)).filter(
      (n) => n.transition === 'question' || n.transition === 'answer',
    );
    expect(mailed).toHaveLength(QUESTION_EMAILS_PER_HOUR);
    // Every question is stored and counted as open, mailed or not.
    expect((await list(offerId, 'ann', { top: '50' })).body.questions).toHaveLength(
      QUESTION_EMAILS_PER_HOUR + 2,
    );
    expect((await status(offerId)).body.openQuestions).toBe(QUESTION_EMAILS_PER_HOUR + 2);
    // The next hour has its own emails (the answer's time is what counts).
    const later = clocked('2026-12-07T12:00:00.000Z');
    await answer(offerId, asked[1]!, 'ann', 'The next hour', routes(later).answer);
    const after = (await emails(offerId)).filter((n) => n.transition === 'answer');
    expect(after).toHaveLength(1);
  });
});

/** One run of the reconciler's stale pass over every marked offer (no durable client here). */
async function reconcileStale(): Promise<void> {
  const pass = stalePass(
    {
      offerIndex: services.offerIndex,
      watch: services.activeSubmissions,
      flushEvents: (offerId) => flushQuestionEvents(services, offerId),
    },
    { keepFreshMs: 0 },
  );
  await pass.run({ now: new Date(), realNow: new Date(), log: () => undefined });
}

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
      clearEvent: async (...args) => {
        failIf('clearEvent');
        return s.questions.clearEvent(...args);
      },
    },
    offerEvents: {
      ...s.offerEvents,
      append: async (...args) => {
        failIf('append');
        return s.offerEvents.append(...args);
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
