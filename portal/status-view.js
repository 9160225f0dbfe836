/* global document, window, setTimeout, clearTimeout, navigator, URL */
/*
 * The Status tab of one offer: the nine steps, what the caller may do now (Publish, Go Live,
 * Cancel submission, the reviewers' Approve / Reject), the questions of step 7, the preview link,
 * the productId with its AL-Go settings, the history and the emails sent.
 */
import { api, currentPerson, offerPath, readOrNull } from './api.js';
import {
  $,
  el,
  clear,
  cell,
  chip,
  icon,
  knownStepState,
  label,
  liveText,
  offerTabs,
  showView,
  time,
  STEP_ORDER,
  STEP_TITLES,
} from './dom.js';
import { showPageError } from './errors.js';
import { publishWithDialog } from './publish.js';
import { renderQuestions } from './questions.js';

/* Once step 8 has started the submission can no longer be canceled (design.md, "Cancel"). */
const PUBLISHING_STARTED = 'Publishing has started: this submission can no longer be canceled.';

let offerId = null;
let lastStatus = null;
let refreshTimer = null;
let generation = 0;

export function stopStatus() {
  if (refreshTimer !== null) clearTimeout(refreshTimer);
  refreshTimer = null;
  generation++;
}

function stepTitle(stepId) {
  const found = ((lastStatus && lastStatus.steps) || []).find((s) => s.id === stepId);
  return (found && found.title) || STEP_TITLES[stepId] || stepId || '—';
}

function stepNumber(stepId) {
  const index = STEP_ORDER.indexOf(stepId);
  return index < 0 ? '' : `${index + 1} of ${STEP_ORDER.length}`;
}

function table(id, columns, caption) {
  return el('div', { className: 'table-wrap' }, [
    el('table', { id }, [
      el('caption', { className: 'visually-hidden', text: caption }),
      el('thead', null, [
        el(
          'tr',
          null,
          columns.map((c) => el('th', { scope: 'col', text: c })),
        ),
      ]),
      el('tbody'),
    ]),
  ]);
}

function panel(id, heading, children, hidden = true) {
  const headingId = `${id.replace(/-panel$/, '')}-heading`;
  return el('section', { id, className: 'panel', 'aria-labelledby': headingId, hidden }, [
    el('h2', { id: headingId, text: heading }),
    ...children,
  ]);
}

function layout(id) {
  const reviewForm = el('form', { id: 'review-form', className: 'stack', hidden: true, novalidate: true }, [
    el('fieldset', null, [
      el('legend', { text: 'Review' }),
      el('label', { for: 'review-area', text: 'Area' }),
      el('select', { id: 'review-area' }, [
        el('option', { value: 'marketing', text: 'Marketing' }),
        el('option', { value: 'technical', text: 'Technical' }),
      ]),
      el('label', { for: 'review-comments' }, [
        'Comments ',
        el('span', { className: 'muted', text: '(required to reject)' }),
      ]),
      el('textarea', { id: 'review-comments', rows: 3 }),
      el('label', { for: 'review-date' }, [
        'Publishing date ',
        el('span', { className: 'muted', text: '(optional, at most 365 days ahead)' }),
      ]),
      el('input', { id: 'review-date', type: 'date' }),
      el('div', { className: 'buttons' }, [
        el('button', { type: 'submit', id: 'approve', value: 'approved', text: 'Approve' }),
        el('button', {
          type: 'submit',
          id: 'reject',
          value: 'rejected',
          className: 'danger',
          text: 'Reject',
        }),
      ]),
    ]),
  ]);
  reviewForm.addEventListener('submit', review);
  return el('section', { id: 'status-view', 'aria-labelledby': 'status-heading' }, [
    el('p', { className: 'back' }, [el('a', { href: '#/offers', text: '← All offers' })]),
    el('h1', { id: 'status-heading', tabindex: '-1' }, [
      'Status of ',
      el('span', { id: 'status-offer-id', text: id }),
    ]),
    offerTabs(id, 'status'),
    // What matters now comes first: on a phone it is the first screen.
    el(
      'div',
      {
        id: 'status-summary',
        className: 'summary',
        role: 'status',
        'aria-live': 'polite',
        'aria-atomic': 'true',
      },
      ['Loading status…'],
    ),
    panel('error-panel', 'The submission failed', [
      el('p', { id: 'error-message' }),
      el('p', { className: 'muted', id: 'error-where' }),
      el('ul', { id: 'error-details' }),
      el('p', null, [
        'Fix what is listed above in the ',
        el('a', { href: `#/offers/${id}/edit`, text: 'Editor' }),
        ' (each item is shown beside its field there) and press Publish again: the submission restarts at step 1.',
      ]),
    ]),
    panel('actions-panel', 'Actions', [
      el('div', { className: 'buttons' }, [
        el('button', { type: 'button', id: 'go-live', hidden: true, text: 'Go Live', onclick: goLive }),
        el('button', { type: 'button', id: 'publish', hidden: true, text: 'Publish', onclick: publish }),
        el('button', {
          type: 'button',
          id: 'cancel',
          className: 'danger',
          hidden: true,
          text: 'Cancel submission',
          onclick: cancel,
        }),
      ]),
      reviewForm,
      el('p', { id: 'action-message', role: 'status', className: 'muted' }),
    ]),
    panel('preview-panel', 'Preview', [
      el('p', null, [
        el('a', { id: 'preview-link', href: '#', text: 'Open the preview' }),
        ' (only you can see this link; it carries a secret key).',
      ]),
    ]),
    el('section', {
      id: 'questions-panel',
      className: 'panel',
      'aria-labelledby': 'questions-heading',
      hidden: true,
    }),
    el('h2', { id: 'steps-heading', text: 'Publishing steps' }),
    el('ol', { id: 'steps', className: 'steps', 'aria-labelledby': 'steps-heading' }),
    panel('delivery-panel', 'Deliver from AL-Go for GitHub', [el('div', { id: 'delivery' })]),
    panel(
      'history-panel',
      'History',
      [
        table(
          'history-table',
          ['When', 'Submission', 'Step', 'State', 'Message'],
          'History of the submissions',
        ),
      ],
      false,
    ),
    panel(
      'emails-panel',
      'Emails sent',
      [
        table(
          'emails-table',
          ['Sent', 'To', 'Subject', 'Step', 'Status', 'Email'],
          'Emails sent about this offer',
        ),
      ],
      false,
    ),
  ]);
}

/** How soon to look again: quickly while a step runs, slowly while it waits for a person, not at all when idle. */
function refreshDelay(status) {
  const running = status.state === 'Running' || (status.steps || []).some((s) => s.state === 'InProgress');
  if (running) return 1500;
  if (status.state === 'WaitingForPublisher' || status.state === 'WaitingForReview') return 10000;
  return null;
}

function stepDetails(step, status) {
  const rows = [el('dt', { text: 'Estimate' }), el('dd', { text: step.estimate || '—' })];
  if (step.startedAt) rows.push(el('dt', { text: 'Started' }), el('dd', null, [time(step.startedAt)]));
  if (step.completedAt) rows.push(el('dt', { text: 'Completed' }), el('dd', null, [time(step.completedAt)]));
  // Step 8 does not start before the date the reviewers promised (api.md, reviews).
  if (step.id === 'publish' && status.publishDate)
    rows.push(
      el('dt', { text: 'Promised date' }),
      el('dd', { className: 'promised-date', text: status.publishDate }),
    );
  return el('dl', null, rows);
}

function renderSteps(status) {
  const list = $('steps');
  clear(list);
  (status.steps || []).forEach((step, index) => {
    const state = knownStepState(step.state);
    const current = step.id === status.currentStep;
    list.append(
      el(
        'li',
        {
          className: `step ${state}${current ? ' current' : ''}`,
          dataset: { step: step.id, state },
          'aria-current': current ? 'step' : undefined,
        },
        [
          el('span', { className: 'step-number', text: `Step ${index + 1}` }),
          el('span', { className: 'step-title', text: step.title || stepTitle(step.id) }),
          el('span', { className: 'step-state' }, [icon(state), label(state)]),
          stepDetails(step, status),
          step.message ? el('p', { className: 'step-message', text: step.message }) : null,
        ],
      ),
    );
  });
}

/** What the current step is doing, in a sentence: "AppSource Packaging failed.", "The offer is live." */
function stepSentence(status, step) {
  const title = stepTitle(step.id);
  switch (step.state) {
    case 'Failed':
      return `${title} failed.`;
    case 'Succeeded':
      return step.id === 'live' ? 'The offer is live.' : `${title} succeeded.`;
    case 'InProgress':
      return step.id === 'publish'
        ? `${title} is in progress. ${PUBLISHING_STARTED}`
        : `${title} is in progress.`;
    case 'Waiting':
      if (step.id === 'publisher-signoff') return `${title} is waiting for your Go Live.`;
      if (step.id === 'marketing-technical-validation') return `${title} is waiting for the reviewers.`;
      if (step.id === 'publish')
        return `${title} is waiting for the promised publishing date${status.publishDate ? `, ${status.publishDate}` : ''}. ${PUBLISHING_STARTED}`;
      return `${title} is waiting.`;
    case 'Skipped':
      return `${title} was skipped.`;
    case 'Canceled':
      return `${title} was canceled.`;
    default:
      if (status.state !== 'NotStarted') return null;
      return (status.actions || []).includes('publish') ? 'Press Publish to start at step 1.' : null;
  }
}

function summaryText(status) {
  const parts = [status.submissionId ? `Submission ${status.submissionId}.` : 'No submission yet.'];
  const live = liveText(status.state, status.liveVersion);
  if (live) parts.push(`${live}.`);
  if (status.currentStep)
    parts.push(`Current step: ${stepNumber(status.currentStep)}, ${stepTitle(status.currentStep)}.`);
  const current = (status.steps || []).find((s) => s.id === status.currentStep);
  const sentence = stepSentence(status, current || { state: 'NotStarted' });
  if (sentence) parts.push(sentence);
  if (status.publishDate && !(current && current.id === 'publish'))
    parts.push(`Promised publishing date: ${status.publishDate}.`);
  if (typeof status.openQuestions === 'number' && status.openQuestions > 0)
    parts.push(`${status.openQuestions} open question${status.openQuestions === 1 ? '' : 's'}.`);
  if (status.notificationEmail) parts.push(`Emails go to ${status.notificationEmail}.`);
  return parts.join(' ');
}

function renderSummary(status) {
  const box = $('status-summary');
  const text = summaryText(status);
  // Only a change is announced: re-writing the same words would make screen readers repeat them.
  if (box.dataset.text === text) return;
  box.dataset.text = text;
  clear(box);
  box.append(chip(status.state), ' ', el('span', { text }));
}

function renderError(status) {
  const error = status.state === 'Failed' ? status.error : null;
  $('error-panel').hidden = !error;
  if (!error) return;
  $('error-message').textContent = error.message || 'The submission failed.';
  $('error-where').textContent = `Step: ${stepTitle(error.step)}${error.code ? ` · code ${error.code}` : ''}`;
  const list = $('error-details');
  clear(list);
  for (const d of Array.isArray(error.details) ? error.details : [])
    list.append(el('li', { text: d.path ? `${d.path}: ${d.message}` : String(d.message || '') }));
}

/** The preview link opens the portal's rendered preview; the key travels in the URL's fragment only. */
function renderPreview(status) {
  let hidekey = null;
  try {
    const url =
      status.preview && status.preview.url ? new URL(status.preview.url, window.location.href) : null;
    hidekey = url ? url.searchParams.get('hidekey') : null;
  } catch {
    hidekey = null;
  }
  $('preview-panel').hidden = !hidekey;
  if (hidekey) $('preview-link').href = `#/offers/${offerId}/preview?hidekey=${encodeURIComponent(hidekey)}`;
}

function renderActions(status) {
  const actions = Array.isArray(status.actions) ? status.actions : [];
  const allowed = (name) => actions.includes(name);
  $('go-live').hidden = !allowed('goLive');
  $('cancel').hidden = !allowed('cancel');
  const publishButton = $('publish');
  publishButton.hidden = !allowed('publish');
  // A live offer's next Publish is an update, not the page's main action.
  publishButton.className = status.state === 'Live' || status.liveVersion ? 'secondary' : '';
  const reviewForm = $('review-form');
  const who = currentPerson();
  if (allowed('review') && reviewForm.hidden && who) {
    if (who.roles.includes('TechnicalReviewer')) $('review-area').value = 'technical';
    if (who.roles.includes('MarketingReviewer')) $('review-area').value = 'marketing';
  }
  reviewForm.hidden = !allowed('review');
  $('actions-panel').hidden = actions.length === 0 && !$('action-message').textContent;
}

/** The productId (from GET /offers/{id}) and the AL-Go settings that deliver to it. */
function renderDelivery(offer) {
  const box = $('delivery');
  const productId = offer && typeof offer.productId === 'string' ? offer.productId : null;
  $('delivery-panel').hidden = !productId;
  clear(box);
  if (!productId) return;
  const snippet = JSON.stringify(
    { deliverToAppSource: { productId, continuousDelivery: false, includeDependencies: [] } },
    null,
    2,
  );
  const copied = el('span', { id: 'snippet-copied', role: 'status', className: 'muted' });
  box.append(
    el('p', null, ['Product id: ', el('code', { id: 'product-id', text: productId })]),
    el('p', {
      id: 'snippet-label',
      text: 'AL-Go for GitHub settings (.AL-Go/settings.json of the app’s project):',
    }),
    el(
      'pre',
      { id: 'al-go-snippet', className: 'snippet', tabindex: '0', 'aria-labelledby': 'snippet-label' },
      [el('code', { text: snippet })],
    ),
    el('div', { className: 'buttons' }, [
      el('button', {
        type: 'button',
        className: 'secondary',
        text: 'Copy settings',
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(snippet);
            copied.textContent = 'Copied.';
          } catch {
            copied.textContent = 'Copying is not allowed here: select the text and copy it.';
          }
        },
      }),
      copied,
    ]),
  );
}

function renderHistory(events) {
  const tbody = $('history-table').querySelector('tbody');
  clear(tbody);
  const sorted = events.slice().sort((a, b) => String(b.at).localeCompare(String(a.at)));
  for (const e of sorted)
    tbody.append(
      el('tr', null, [
        cell('When', [time(e.at)]),
        cell('Submission', e.submissionId || ''),
        cell('Step', stepTitle(e.step)),
        cell('State', [chip(e.state)]),
        cell('Message', [e.message, e.actor ? `(${e.actor})` : ''].filter(Boolean).join(' ')),
      ]),
    );
  if (sorted.length === 0) tbody.append(el('tr', null, [el('td', { colspan: 5, text: 'No history yet.' })]));
}

function renderEmails(notifications) {
  const tbody = $('emails-table').querySelector('tbody');
  clear(tbody);
  const sorted = notifications.slice().sort((a, b) => String(b.sentAt).localeCompare(String(a.sentAt)));
  for (const n of sorted)
    tbody.append(
      el('tr', null, [
        cell('Sent', [time(n.sentAt)]),
        cell('To', n.to || ''),
        cell('Subject', n.subject || ''),
        cell('Step', `${stepTitle(n.step)}${n.transition ? ` (${n.transition})` : ''}`),
        cell('Status', n.status || ''),
        cell(
          'Email',
          typeof n.body === 'string' && n.body
            ? [
                el('details', null, [
                  // Each disclosure says which email it opens, not only "Read".
                  el('summary', null, [
                    'Read',
                    el('span', { className: 'visually-hidden', text: `: ${n.subject || 'the email'}` }),
                  ]),
                  el('pre', { className: 'email-body', text: n.body }),
                ]),
              ]
            : '—',
        ),
      ]),
    );
  if (sorted.length === 0) tbody.append(el('tr', null, [el('td', { colspan: 6, text: 'No emails yet.' })]));
}

/** Reads for the side panels are best effort: the status itself is what the page is for. */
async function optional(path, key) {
  try {
    const body = await api('GET', path);
    return body && Array.isArray(body[key]) ? body[key] : [];
  } catch {
    return [];
  }
}

async function optionalRead(path) {
  try {
    return await readOrNull(path);
  } catch {
    return null;
  }
}

export async function loadStatus() {
  const id = offerId;
  const mine = ++generation;
  if (refreshTimer !== null) clearTimeout(refreshTimer);
  refreshTimer = null;
  let status;
  try {
    status = await api('GET', offerPath(id, '/status'));
  } catch (error) {
    if (mine !== generation) return;
    showPageError(error);
    $('status-summary').textContent = '';
    delete $('status-summary').dataset.text;
    clear($('steps'));
    return;
  }
  const [events, notifications, offer, questions] = await Promise.all([
    optional(offerPath(id, '/history'), 'events'),
    optional(offerPath(id, '/notifications'), 'notifications'),
    optionalRead(offerPath(id)),
    optionalRead(offerPath(id, '/questions')),
  ]);
  if (mine !== generation || offerId !== id || !$('steps')) return;
  lastStatus = status;
  showPageError(null);
  renderSteps(status);
  renderSummary(status);
  renderError(status);
  renderPreview(status);
  renderActions(status);
  renderQuestions($('questions-panel'), { offerId: id, status, questions, reload: loadStatus });
  renderDelivery(offer);
  renderHistory(events);
  renderEmails(notifications);
  document.documentElement.dataset.statusOffer = id;
  const delay = refreshDelay(status);
  if (delay !== null) refreshTimer = setTimeout(loadStatus, delay);
}

/** The refusal of a Cancel in words a publisher reads right: once step 8 started, publishing has started. */
function cancelRefusal(error) {
  if (error.code !== 'not_cancellable') return error.message;
  const at = lastStatus && lastStatus.currentStep ? STEP_ORDER.indexOf(lastStatus.currentStep) : -1;
  if (at >= STEP_ORDER.indexOf('publish')) return PUBLISHING_STARTED;
  if (lastStatus && ['Live', 'Failed', 'Canceled'].includes(lastStatus.state))
    return `This submission has ended (${label(lastStatus.state).toLowerCase()}): there is nothing to cancel.`;
  return error.message;
}

/** Runs one action, reports its outcome in the actions panel, and reloads the status. */
async function act(button, description, method, path, body, explainRefusal) {
  const message = $('action-message');
  button.disabled = true;
  message.textContent = `${description}…`;
  let failure = null;
  try {
    await api(method, path, body);
    message.textContent = `${description}: accepted.`;
    showPageError(null);
  } catch (error) {
    failure = error;
  } finally {
    button.disabled = false;
  }
  // A refusal is explained against the state it met, so the status is read again first.
  await loadStatus();
  if (failure && $('action-message')) {
    $('action-message').textContent =
      `${description}: ${explainRefusal ? explainRefusal(failure) : failure.message}`;
    $('actions-panel').hidden = false;
    if (failure.details && failure.details.length > 0) showPageError(failure);
  }
}

function goLive(event) {
  return act(event.currentTarget, 'Go Live', 'POST', offerPath(offerId, '/go-live'));
}

function cancel(event) {
  if (!window.confirm('Cancel this submission? The offer goes back to step 1.')) return;
  return act(event.currentTarget, 'Cancel', 'POST', offerPath(offerId, '/cancel'), undefined, cancelRefusal);
}

async function publish() {
  const accepted = await publishWithDialog(offerId, { email: lastStatus && lastStatus.notificationEmail });
  if (!accepted) return;
  $('action-message').textContent =
    `Publish: accepted${accepted.submissionId ? `, submission ${accepted.submissionId}` : ''}.`;
  await loadStatus();
}

function review(event) {
  event.preventDefault();
  const submitter = event.submitter && event.submitter.value ? event.submitter : $('approve');
  const outcome = submitter.value;
  const comments = $('review-comments').value.trim();
  if (outcome === 'rejected' && !comments) {
    $('action-message').textContent = 'Say why in the comments to reject.';
    $('review-comments').focus();
    return;
  }
  // An approval needs no comment (api.md): none typed, none sent.
  const body = comments ? { outcome, comments } : { outcome };
  if ($('review-date').value) body.publishDate = $('review-date').value;
  const area = $('review-area').value === 'technical' ? 'technical' : 'marketing';
  const verb = outcome === 'approved' ? 'Approve' : 'Reject';
  return act(submitter, `${verb} (${area})`, 'POST', offerPath(offerId, `/reviews/${area}`), body).then(
    () => {
      if ($('review-comments') && $('action-message').textContent.endsWith('accepted.'))
        $('review-comments').value = '';
    },
  );
}

export function showStatus(id) {
  stopStatus();
  offerId = id;
  lastStatus = null;
  delete document.documentElement.dataset.statusOffer;
  showView(`Status of ${id}`, layout(id));
  return loadStatus();
}
