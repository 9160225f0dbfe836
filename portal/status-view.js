/* global document, window, setTimeout, clearTimeout, navigator, URL */
/*
 * The Status tab of one offer: the nine steps, what the caller may do now (Publish, Go Live,
 * Cancel submission, the reviewers' Approve / Reject), the questions of step 7, the preview link,
 * the productId with its AL-Go settings, the history and the emails sent.
 */
import { API, api, currentPerson, offerPath, readOrNull, reviewerOnly } from './api.js';
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
import { confirmDialog } from './dialogs.js';
import { showPageError } from './errors.js';
import { defaultEmail, publishWithDialog } from './publish.js';
import { renderQuestions } from './questions.js';
import {
  emailStatus,
  errorSentence,
  fieldMessage,
  fieldName,
  linkify,
  supportHref,
  transitionWord,
} from './words.js';

/* Once step 8 has started the submission can no longer be canceled (design.md, "Cancel"). */
const PUBLISHING_STARTED = 'Publishing has started: this submission can no longer be canceled.';

const AREAS = ['marketing', 'technical'];
const AREA_NAMES = { marketing: 'Marketing', technical: 'Technical' };
const AREA_OF_ROLE = { MarketingReviewer: 'marketing', TechnicalReviewer: 'technical' };

let offerId = null;
let lastStatus = null;
let lastOffer = null;
/**
 * After Go Live or Cancel is accepted the orchestration takes a moment to move on: until the
 * status shows it, the page says what was accepted instead of the state it left.
 */
let pending = null;
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
      el('legend', { id: 'review-legend', text: 'Your review' }),
      el('div', { id: 'review-area-field', className: 'stack', hidden: true }, [
        el('label', { for: 'review-area', text: 'Area' }),
        el('select', { id: 'review-area' }),
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
    el('h1', { id: 'status-heading', tabindex: '-1', text: id }),
    el('p', { className: 'muted offer-id' }, ['Offer id ', el('span', { id: 'status-offer-id', text: id })]),
    offerTabs(id, 'status', reviewerOnly()),
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
      el('p', { id: 'error-fix' }, [
        'Fix what is listed above in the ',
        el('a', { href: `#/offers/${id}/edit`, text: 'Editor' }),
        ' (each item is shown beside its field there) and press Publish again: the submission restarts at step 1.',
      ]),
      el('p', { id: 'get-help-line' }, [
        'Stuck? ',
        el('a', {
          id: 'get-help',
          href: '#',
          rel: 'noopener noreferrer',
          target: '_blank',
          text: 'Get help',
        }),
        ' from the marketplace’s support, with this failure filled in.',
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
        el('span', { id: 'preview-note', text: '' }),
      ]),
    ]),
    panel('reviews-panel', 'Reviews', [el('ul', { id: 'reviews', className: 'reviews' })]),
    el('section', {
      id: 'questions-panel',
      className: 'panel',
      'aria-labelledby': 'questions-heading',
      hidden: true,
    }),
    el('h2', { id: 'steps-heading', text: 'Publishing steps' }),
    el('ol', { id: 'steps', className: 'steps', 'aria-labelledby': 'steps-heading' }),
    panel('delivery-panel', 'Deliver from AL-Go for GitHub', [
      el('div', { id: 'delivery', className: 'delivery-settings' }),
    ]),
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

/** The step's own message; step 7's, while it waits, says which review is still to come. */
function stepMessage(step, status) {
  if (step.id === 'marketing-technical-validation' && step.state === 'Waiting') return reviewSentence(status);
  return step.message ? fieldMessage('', step.message) : '';
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
          stepMessage(step, status)
            ? el('p', { className: 'step-message', text: stepMessage(step, status) })
            : null,
        ],
      ),
    );
  });
}

/** Each area's decision so far (api.md `reviews`): `{outcome, by, at}` or null. */
function reviewsOf(status) {
  const reviews = status && status.reviews && typeof status.reviews === 'object' ? status.reviews : {};
  const out = {};
  for (const area of AREAS) {
    const r = reviews[area];
    out[area] =
      r && typeof r === 'object' && r.outcome
        ? { outcome: r.outcome, by: r.by || r.reviewer || '', at: r.at || r.decidedAt || '' }
        : null;
  }
  return out;
}

/** Step 7 in words from the decisions so far: "Marketing approved; waiting for the technical review." */
function reviewSentence(status) {
  const reviews = reviewsOf(status);
  const decided = AREAS.filter((a) => reviews[a]);
  const waiting = AREAS.filter((a) => !reviews[a]);
  const said = decided.map(
    (a) => `${AREA_NAMES[a]} ${reviews[a].outcome === 'rejected' ? 'rejected' : 'approved'}`,
  );
  if (waiting.length === 2) return 'Waiting for the marketing and technical reviews.';
  if (waiting.length === 1) return `${said.join('; ')}; waiting for the ${waiting[0]} review.`;
  return `${said.join('; ')}.`;
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
      if (step.id === 'publisher-signoff') {
        if (reviewerOnly()) return `${title} is waiting for the publisher’s Go Live.`;
        // Go Live was given (the action is gone) but the step has not moved on yet.
        if (!(status.actions || []).includes('goLive'))
          return 'Go Live accepted: the submission moves on to Marketing and Technical Validation.';
        return `${title} is waiting for your Go Live: open the preview, then press Go Live.`;
      }
      if (step.id === 'marketing-technical-validation') return `${title}: ${reviewSentence(status)}`;
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
  if (pending) return pending.text;
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
  box.append(pending ? chip('Running', 'Moving on') : chip(status.state), ' ', el('span', { text }));
}

/** SUPPORT_URL as the portal function wrote it into the page (empty: no Get help link). */
function supportUrl() {
  return document.documentElement.dataset.supportUrl || '';
}

function renderError(status) {
  const error = status.state === 'Failed' ? status.error : null;
  $('error-panel').hidden = !error;
  if (!error) return;
  $('error-message').textContent = errorSentence(error, 'The submission failed.');
  $('error-where').textContent = `Failed at step ${stepNumber(error.step)}, ${stepTitle(error.step)}.`;
  const list = $('error-details');
  clear(list);
  for (const d of Array.isArray(error.details) ? error.details : [])
    list.append(el('li', { text: `${fieldName(d.path)}: ${fieldMessage(d.path, d.message)}` }));
  $('error-fix').hidden = reviewerOnly();
  let help = '';
  try {
    help = supportUrl()
      ? supportHref(supportUrl(), {
          offerId,
          submissionId: status.submissionId,
          step: error.step,
          code: error.code,
        })
      : '';
  } catch {
    help = '';
  }
  $('get-help-line').hidden = !help;
  if (help) $('get-help').href = help;
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
  if (!hidekey) return;
  $('preview-link').href = `#/offers/${offerId}/preview?hidekey=${encodeURIComponent(hidekey)}`;
  $('preview-note').textContent = reviewerOnly()
    ? ': the listing as the storefront will show it, the one you judge.'
    : ' (only you and the reviewers can see this link; it carries a secret key).';
}

/** Each area's decision so far, from step 7 on. */
function renderReviews(status) {
  const at = STEP_ORDER.indexOf(status.currentStep);
  const reviews = reviewsOf(status);
  const any = AREAS.some((a) => reviews[a]);
  const show =
    any ||
    (at === STEP_ORDER.indexOf('marketing-technical-validation') && status.state === 'WaitingForReview');
  $('reviews-panel').hidden = !show;
  const list = $('reviews');
  clear(list);
  if (!show) return;
  for (const area of AREAS) {
    const r = reviews[area];
    const word = r ? (r.outcome === 'rejected' ? 'Rejected' : 'Approved') : 'Pending';
    list.append(
      el('li', { dataset: { area, outcome: r ? r.outcome : 'pending' } }, [
        el('span', { className: 'review-area', text: `${AREA_NAMES[area]} review: ` }),
        chip(r ? (r.outcome === 'rejected' ? 'Failed' : 'Succeeded') : 'Waiting', word),
        r && r.by ? ` by ${r.by}` : '',
        r && r.at ? ', ' : '',
        r && r.at ? time(r.at) : '',
      ]),
    );
  }
}

/** The areas this person may decide: their own (Admin: both); in Azure the API decides. */
function ownAreas() {
  const who = currentPerson();
  if (!who || who.roles.includes('Admin')) return AREAS;
  return who.roles.map((r) => AREA_OF_ROLE[r]).filter(Boolean);
}

function renderReviewForm(status, allowed) {
  const reviews = reviewsOf(status);
  const open = ownAreas().filter((a) => !reviews[a]);
  const form = $('review-form');
  const show = allowed && open.length > 0;
  if (!show) {
    form.hidden = true;
    return;
  }
  const select = $('review-area');
  const values = Array.from(select.options).map((o) => o.value);
  if (values.join() !== open.join()) {
    clear(select);
    for (const a of open) select.append(el('option', { value: a, text: AREA_NAMES[a] }));
  }
  // One area: no choice to offer, the legend names it.
  $('review-area-field').hidden = open.length < 2;
  $('review-legend').textContent =
    open.length === 1 ? `Your review: ${AREA_NAMES[open[0]].toLowerCase()}` : 'Your review';
  form.hidden = false;
}

function renderActions(status) {
  const actions = Array.isArray(status.actions) ? status.actions : [];
  const allowed = (name) => actions.includes(name) && !pending;
  $('go-live').hidden = !allowed('goLive');
  $('cancel').hidden = !allowed('cancel');
  const publishButton = $('publish');
  publishButton.hidden = !allowed('publish');
  // A live offer's next Publish is an update, not the page's main action.
  publishButton.className = status.state === 'Live' || status.liveVersion ? 'secondary' : '';
  renderReviewForm(status, actions.includes('review'));
  $('actions-panel').hidden =
    $('go-live').hidden &&
    $('cancel').hidden &&
    publishButton.hidden &&
    $('review-form').hidden &&
    !$('action-message').textContent;
}

/** The productId (from GET /offers/{id}), the API base and the AL-Go settings that deliver to it. */
function renderDelivery(offer) {
  const box = $('delivery');
  const productId = offer && typeof offer.productId === 'string' ? offer.productId : null;
  // Delivering is the publisher's business: a reviewer has nothing to set up.
  $('delivery-panel').hidden = !productId || reviewerOnly();
  clear(box);
  if (!productId || reviewerOnly()) return;
  const apiBase = new URL(`${API}/`, window.location.href).href;
  const snippet = JSON.stringify(
    { deliverToAppSource: { productId, continuousDelivery: false, includeDependencies: [] } },
    null,
    2,
  );
  const copied = el('span', { id: 'snippet-copied', role: 'status', className: 'muted' });
  box.append(
    el('p', null, ['Product id: ', el('code', { id: 'product-id', text: productId })]),
    el('p', null, [
      'API base (BcContainerHelper’s New-BcAuthContext authority and the ingestion API): ',
      el('code', { id: 'api-base', className: 'break', text: apiBase }),
    ]),
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
  const sorted = events.slice().sort((a, b) => String(b.at).localeCompare(String(a.at)));
  const key = JSON.stringify(sorted.map((e) => [e.at, e.step, e.state, e.submissionId]));
  if (tbody.dataset.key === key) return;
  tbody.dataset.key = key;
  clear(tbody);
  for (const e of sorted)
    tbody.append(
      el('tr', null, [
        cell('When', [time(e.at)]),
        cell('Submission', e.submissionId || ''),
        cell('Step', stepTitle(e.step)),
        cell('State', [chip(e.state, transitionWord(e.state) || label(e.state))]),
        cell(
          'Message',
          [e.message ? fieldMessage('', e.message) : '', e.actor ? `(${e.actor})` : '']
            .filter(Boolean)
            .join(' '),
        ),
      ]),
    );
  if (sorted.length === 0) tbody.append(el('tr', null, [el('td', { colspan: 5, text: 'No history yet.' })]));
}

/**
 * The emails, each readable in place with its links clickable. Only a change redraws the table,
 * and an opened email stays open when it does: the page refreshes while someone reads.
 */
function renderEmails(notifications) {
  const tbody = $('emails-table').querySelector('tbody');
  const sorted = notifications.slice().sort((a, b) => String(b.sentAt).localeCompare(String(a.sentAt)));
  const keyOf = (n) => `${n.sentAt}|${n.subject}|${n.to}`;
  const key = JSON.stringify(sorted.map((n) => [keyOf(n), n.status]));
  if (tbody.dataset.key === key) return;
  tbody.dataset.key = key;
  const open = new Set(Array.from(tbody.querySelectorAll('details[open]')).map((d) => d.dataset.key));
  clear(tbody);
  for (const n of sorted)
    tbody.append(
      el('tr', null, [
        cell('Sent', [time(n.sentAt)]),
        cell('To', n.to || ''),
        cell('Subject', n.subject || ''),
        cell(
          'Step',
          `${stepTitle(n.step)}${n.transition ? ` (${transitionWord(n.transition).toLowerCase()})` : ''}`,
        ),
        cell('Status', emailStatus(n.status)),
        cell(
          'Email',
          typeof n.body === 'string' && n.body
            ? [
                el('details', { dataset: { key: keyOf(n) }, open: open.has(keyOf(n)) }, [
                  // Each disclosure says which email it opens, not only "Read".
                  el('summary', null, [
                    'Read',
                    el('span', { className: 'visually-hidden', text: `: ${n.subject || 'the email'}` }),
                  ]),
                  el('div', { className: 'email-body' }, linkify(n.body)),
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

/** The offer's name heads the page; the id stays beside it. */
function showOfferName(offer) {
  const name = offer && typeof offer.name === 'string' && offer.name.trim() ? offer.name.trim() : null;
  $('status-heading').textContent = name ? `Status of ${name}` : `Status of offer ${offerId}`;
  document.title = `${name || offerId} · Status · Offer publishing`;
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
  if (pending && (pending.done(status) || Date.now() > pending.until)) pending = null;
  lastStatus = status;
  lastOffer = offer;
  showPageError(null);
  showOfferName(offer);
  renderSteps(status);
  renderSummary(status);
  renderError(status);
  renderPreview(status);
  renderReviews(status);
  renderActions(status);
  renderQuestions($('questions-panel'), { offerId: id, status, questions, reload: loadStatus });
  renderDelivery(offer);
  renderHistory(events);
  renderEmails(notifications);
  document.documentElement.dataset.statusOffer = id;
  if (!pending) document.documentElement.dataset.statusSettled = id;
  const delay = pending ? 400 : refreshDelay(status);
  if (delay !== null) refreshTimer = setTimeout(loadStatus, delay);
}

/** The refusal of a Cancel in words a publisher reads right: once step 8 started, publishing has started. */
function cancelRefusal(error) {
  if (error.code !== 'not_cancellable') return errorSentence(error);
  const at = lastStatus && lastStatus.currentStep ? STEP_ORDER.indexOf(lastStatus.currentStep) : -1;
  if (at >= STEP_ORDER.indexOf('publish')) return PUBLISHING_STARTED;
  if (lastStatus && ['Live', 'Failed', 'Canceled'].includes(lastStatus.state))
    return `This submission has ended (${label(lastStatus.state).toLowerCase()}): there is nothing to cancel.`;
  return 'This submission cannot be canceled now: it can be canceled from Publisher Sign-off until publishing starts.';
}

/** Refusals of the other actions, in the portal's words. */
function refusal(error) {
  switch (error.code) {
    case 'not_at_signoff':
      return 'Go Live is possible only while the submission waits for your sign-off.';
    case 'not_in_review':
      return 'Decisions are taken only while the submission is in Marketing and Technical Validation.';
    case 'already_decided':
      return 'This area has been decided already for this submission.';
    case 'forbidden':
      return 'You may not do this for this offer.';
    default:
      if (error.details && error.details.length > 0)
        return error.details.map((d) => `${fieldName(d.path)}: ${fieldMessage(d.path, d.message)}`).join(' ');
      return errorSentence(error);
  }
}

/**
 * Runs one action, reports its outcome in the actions panel, and reloads the status. `after`
 * ({text, done(status)}) says what the page shows until the status reflects the action.
 */
async function act(button, description, method, path, body, explainRefusal, after) {
  const message = $('action-message');
  button.disabled = true;
  message.textContent = `${description}…`;
  let failure = null;
  try {
    await api(method, path, body);
    message.textContent = after ? after.accepted : `${description}: done.`;
    if (after) {
      pending = { text: after.text, done: after.done, until: Date.now() + 60_000 };
      // Said at once: the state the action left must not stay on screen while the status is read.
      if (lastStatus) {
        renderSummary(lastStatus);
        renderActions(lastStatus);
      }
    }
    showPageError(null);
  } catch (error) {
    failure = error;
  } finally {
    button.disabled = false;
  }
  // A refusal is explained against the state it met, so the status is read again first.
  await loadStatus();
  if (failure && $('action-message')) {
    $('action-message').textContent = `${description}: ${(explainRefusal || refusal)(failure)}`;
    $('actions-panel').hidden = false;
  }
  return !failure;
}

function goLive(event) {
  const submissionId = lastStatus && lastStatus.submissionId;
  return act(event.currentTarget, 'Go Live', 'POST', offerPath(offerId, '/go-live'), undefined, undefined, {
    accepted: 'Go Live accepted.',
    text: 'Go Live accepted: the submission moves on to Marketing and Technical Validation.',
    // The status drops the Go Live action at once; the step moves on when the orchestration has it.
    done: (s) => s.submissionId !== submissionId || s.currentStep !== 'publisher-signoff',
  });
}

async function cancel(event) {
  const button = event.currentTarget;
  const sure = await confirmDialog({
    title: 'Cancel this submission?',
    text: 'The submission stops and the offer goes back to step 1. Your draft stays as it is; press Publish to start again.',
    confirmText: 'Cancel submission',
    keepText: 'Keep the submission',
    danger: true,
  });
  if (!sure) return;
  const submissionId = lastStatus && lastStatus.submissionId;
  return act(button, 'Cancel', 'POST', offerPath(offerId, '/cancel'), undefined, cancelRefusal, {
    accepted: 'Cancel accepted.',
    text: 'Cancel accepted: the submission is being stopped.',
    done: (s) => s.submissionId !== submissionId || s.state === 'Canceled',
  });
}

async function publish() {
  const accepted = await publishWithDialog(offerId, {
    email: defaultEmail(lastOffer, lastStatus),
    title: (lastOffer && lastOffer.name) || offerId,
  });
  if (!accepted) return;
  $('action-message').textContent =
    `Publish accepted${accepted.submissionId ? `: submission ${accepted.submissionId} starts at step 1` : ''}.`;
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
    (ok) => {
      if (!ok || !$('review-comments')) return;
      $('review-comments').value = '';
      $('action-message').textContent =
        `Your ${area} decision is recorded: ${outcome === 'approved' ? 'approved' : 'rejected'}.`;
    },
  );
}

export function showStatus(id) {
  stopStatus();
  offerId = id;
  lastStatus = null;
  lastOffer = null;
  pending = null;
  delete document.documentElement.dataset.statusOffer;
  delete document.documentElement.dataset.statusSettled;
  showView(`Status of ${id}`, layout(id));
  return loadStatus();
}
