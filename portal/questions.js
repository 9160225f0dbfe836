/* global document */
/*
 * Questions during step 7 (api.md "Questions during review"): reviewers ask, the publisher (or a
 * reviewer) answers, a reviewer of the area resolves. Shown on the Status tab while step 7 runs,
 * and afterwards as long as there are questions to read.
 */
import { api, currentPerson, offerPath } from './api.js';
import { el, clear, time } from './dom.js';
import { errorSentence } from './words.js';

const REVIEW_STEP = 'marketing-technical-validation';
const AREA_OF_ROLE = { MarketingReviewer: 'marketing', TechnicalReviewer: 'technical' };

/** The areas the caller may ask about: by role locally; in Azure the API decides (both offered). */
function askableAreas(status) {
  const who = currentPerson();
  if (!who) return (status.actions || []).includes('review') ? ['marketing', 'technical'] : [];
  if (who.roles.includes('Admin')) return ['marketing', 'technical'];
  return who.roles.map((r) => AREA_OF_ROLE[r]).filter(Boolean);
}

function isReviewer() {
  const who = currentPerson();
  return !who || who.roles.some((r) => r === 'Admin' || AREA_OF_ROLE[r]);
}

/** A small form: one labelled textarea and one button; `submit(text)` posts it. */
function textForm(idBase, labelText, buttonText, submit, extra) {
  const message = el('p', { className: 'muted', role: 'status', id: `${idBase}-message` });
  const area = el('textarea', { id: `${idBase}-text`, rows: 2, required: true });
  const button = el('button', { type: 'submit', text: buttonText });
  const form = el('form', { className: 'stack question-form', novalidate: true }, [
    ...(extra || []),
    el('label', { for: area.id, text: labelText }),
    area,
    el('div', { className: 'buttons' }, [button]),
    message,
  ]);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = area.value.trim();
    if (!text) {
      message.textContent = `Write the ${labelText.toLowerCase()} first.`;
      area.focus();
      return;
    }
    button.disabled = true;
    try {
      await submit(text);
      area.value = '';
      message.textContent = `${buttonText}: sent.`;
    } catch (error) {
      message.textContent = `${buttonText}: ${errorSentence(error)}`;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function questionItem(offerId, q, index, reload) {
  const headingId = `question-${index}-heading`;
  const answers = Array.isArray(q.answers) ? q.answers : [];
  const resolved = Boolean(q.resolvedAt);
  const children = [
    el('h3', { id: headingId }, [
      `Question ${index + 1} · ${q.area === 'technical' ? 'Technical' : 'Marketing'}`,
      resolved ? ' · resolved' : '',
    ]),
    el('p', { className: 'muted' }, [`${q.askedBy || 'A reviewer'}, `, time(q.askedAt)]),
    el('p', { className: 'question-text', text: q.text || '' }),
    answers.length > 0
      ? el(
          'ul',
          { className: 'answers', 'aria-label': `Answers to question ${index + 1}` },
          answers.map((a) =>
            el('li', null, [
              el('p', { className: 'muted' }, [`${a.by || ''}, `, time(a.at)]),
              el('p', { text: a.text || '' }),
            ]),
          ),
        )
      : el('p', { className: 'muted', text: 'No answer yet.' }),
  ];
  if (!resolved) {
    const id = encodeURIComponent(String(q.questionId || ''));
    const who = currentPerson();
    // The one who asked waits for the answer; another reviewer may add to it.
    const asker = Boolean(who) && who.name === q.askedBy;
    const answerLabel =
      who && isReviewer() ? `Reply to question ${index + 1}` : `Your answer to question ${index + 1}`;
    if (!asker)
      children.push(
        textForm(`answer-${index}`, answerLabel, 'Answer', async (text) => {
          await api('POST', offerPath(offerId, `/questions/${id}/answers`), { text });
          await reload();
        }),
      );
    if (isReviewer())
      children.push(
        el('button', {
          type: 'button',
          className: 'secondary',
          text: `Resolve question ${index + 1}`,
          onclick: async (event) => {
            event.currentTarget.disabled = true;
            await api('POST', offerPath(offerId, `/questions/${id}/resolve`)).catch(() => undefined);
            await reload();
          },
        }),
      );
  }
  return el('li', null, [el('article', { 'aria-labelledby': headingId }, children)]);
}

/** Draws the questions panel; `questions` is the GET answer, or null when the route gave nothing. */
export function renderQuestions(panel, { offerId, status, questions, reload }) {
  const list = questions && Array.isArray(questions.questions) ? questions.questions : [];
  const inReview = status.currentStep === REVIEW_STEP && status.state === 'WaitingForReview';
  const inStep7 = status.currentStep === REVIEW_STEP;
  const show = questions !== null && (inStep7 || list.length > 0);
  // A form being typed into is not redrawn by the periodic refresh.
  if (panel.contains(document.activeElement) && panel.dataset.count === String(list.length)) return;
  panel.dataset.count = String(list.length);
  panel.hidden = !show;
  clear(panel);
  if (!show) return;
  panel.append(el('h2', { id: 'questions-heading', text: 'Questions' }));
  const areas = inReview || inStep7 ? askableAreas(status) : [];
  if (areas.length > 0) {
    const select = el(
      'select',
      { id: 'question-area' },
      areas.map((a) => el('option', { value: a, text: a === 'technical' ? 'Technical' : 'Marketing' })),
    );
    const extra =
      areas.length > 1 ? [el('label', { for: 'question-area', text: 'Area of the question' }), select] : [];
    panel.append(
      textForm(
        'ask',
        'Question for the publisher',
        'Ask',
        async (text) => {
          const area = areas.length > 1 ? select.value : areas[0];
          await api('POST', offerPath(offerId, '/questions'), { area, text });
          await reload();
        },
        extra,
      ),
    );
  }
  if (list.length === 0) panel.append(el('p', { className: 'muted', text: 'No questions so far.' }));
  else
    panel.append(
      el(
        'ol',
        { className: 'questions' },
        list.map((q, i) => questionItem(offerId, q, i, reload)),
      ),
    );
}
