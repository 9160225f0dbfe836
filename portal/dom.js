/* global document, setTimeout */
/*
 * Small DOM helpers shared by every view. Text from the API is always written with textContent,
 * never as HTML, so nothing an offer contains can run in the page.
 */

export const $ = (id) => document.getElementById(id);

/** An element with properties (`text`, `className`, `dataset`, attributes) and children (nodes or strings). */
export function el(tag, props, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'className') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children || []) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
}

export const STATE_LABELS = {
  NotStarted: 'Not started',
  InProgress: 'In progress',
  Waiting: 'Waiting',
  Succeeded: 'Succeeded',
  Skipped: 'Skipped',
  Failed: 'Failed',
  Canceled: 'Canceled',
  Running: 'Running',
  WaitingForPublisher: 'Waiting for publisher',
  WaitingForReview: 'Waiting for review',
  Live: 'Live',
};

export function label(state) {
  return STATE_LABELS[state] || String(state || '');
}

/* Titles of the step ids, for views that get only an id (the All offers list); the status carries its own. */
export const STEP_TITLES = {
  'validate-prerequisites': 'Validate Prerequisites',
  'automated-validation': 'Automated Application Validation',
  'test-drive-validation': 'Test Drive Validation',
  'lead-management': 'Lead Management Validation and Registration',
  'appsource-packaging': 'AppSource Packaging',
  'publisher-signoff': 'Publisher Sign-off',
  'marketing-technical-validation': 'Marketing and Technical Validation',
  publish: 'Publish Application with the Service',
  live: 'Live',
};
export const STEP_ORDER = Object.keys(STEP_TITLES);

/*
 * State icons as SVG paths (16x16, drawn with the text colour): glyphs such as U+23F8 are missing
 * from common Linux fonts and render as empty boxes. Every icon sits beside the state's word.
 */
const STATE_ICONS = {
  NotStarted: { stroke: 'M8 2.5a5.5 5.5 0 1 0 0 11a5.5 5.5 0 1 0 0-11z' },
  InProgress: { fill: 'M5 3l8 5l-8 5z' },
  Waiting: { fill: 'M4 3h3v10h-3zM9 3h3v10h-3z' },
  Succeeded: { stroke: 'M3 8.5l3.5 3.5l6.5-7.5' },
  Skipped: { stroke: 'M2.5 8h10M9 4.5l3.5 3.5l-3.5 3.5' },
  Failed: { stroke: 'M4 4l8 8M12 4l-8 8' },
  Canceled: { stroke: 'M8 2.5a5.5 5.5 0 1 0 0 11a5.5 5.5 0 1 0 0-11zM4.2 11.8l7.6-7.6' },
};
const STEP_STATES = Object.keys(STATE_ICONS);
const SVG = 'http://www.w3.org/2000/svg';

export function knownStepState(state) {
  return STEP_STATES.includes(state) ? state : 'NotStarted';
}

/* Submission states and history transitions are drawn with the colours of the step state they resemble. */
const SUBMISSION_COLOUR = {
  NotStarted: 'NotStarted',
  Running: 'InProgress',
  WaitingForPublisher: 'Waiting',
  WaitingForReview: 'Waiting',
  Failed: 'Failed',
  Canceled: 'Canceled',
  Live: 'Succeeded',
};
const TRANSITION_COLOUR = {
  started: 'InProgress',
  waiting: 'Waiting',
  succeeded: 'Succeeded',
  skipped: 'Skipped',
  failed: 'Failed',
  canceled: 'Canceled',
};

/** A state in its colour; `text` replaces the state's word (e.g. "Live 1.2.0.0 · update failed"). */
export function chip(state, text) {
  const colour = SUBMISSION_COLOUR[state] || TRANSITION_COLOUR[state] || knownStepState(state);
  return el('span', { className: `state-chip ${colour}`, text: text || label(state) });
}

export function icon(state) {
  const shape = STATE_ICONS[state] || STATE_ICONS.NotStarted;
  const svg = document.createElementNS(SVG, 'svg');
  for (const [k, v] of Object.entries({
    viewBox: '0 0 16 16',
    width: '16',
    height: '16',
    'aria-hidden': 'true',
    focusable: 'false',
    class: 'icon',
  }))
    svg.setAttribute(k, v);
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', shape.fill || shape.stroke);
  path.setAttribute('fill', shape.fill ? 'currentColor' : 'none');
  path.setAttribute('stroke', shape.fill ? 'none' : 'currentColor');
  path.setAttribute('stroke-width', '2');
  path.setAttribute('stroke-linecap', 'round');
  path.setAttribute('stroke-linejoin', 'round');
  svg.append(path);
  return svg;
}

export function time(iso) {
  if (!iso) return el('span', { className: 'muted', text: '—' });
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return el('span', { text: String(iso) });
  return el('time', { datetime: date.toISOString(), text: date.toLocaleString() });
}

/** A table cell that names its column, so a phone can show each row as a small card. */
export function cell(columnLabel, content) {
  const props = { dataset: { label: columnLabel } };
  if (typeof content === 'string') return el('td', { ...props, text: content });
  return el('td', props, content);
}

/**
 * The live version beside the submission's state, as the list and the status say it:
 * "Live 1.2.0.0" when live, "Live 1.2.0.0 · update failed" when an update did not make it.
 */
export function liveText(state, liveVersion) {
  if (!liveVersion) return null;
  const live = `Live ${liveVersion}`;
  if (state === 'Failed') return `${live} · update failed`;
  if (state === 'Canceled') return `${live} · update canceled`;
  if (state === 'Running' || state === 'WaitingForPublisher' || state === 'WaitingForReview')
    return `${live} · update in progress`;
  return live;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The main region's content: one view at a time, with the page title and a heading to land on. */
export function showView(title, ...children) {
  const view = $('view');
  clear(view);
  view.append(...children);
  document.title = `${title} · Offer publishing`;
}

/** The tabs of one offer (the seed's Editor and Status tabs), the current one marked for screen readers. */
export function offerTabs(offerId, current, readOnly) {
  const tabs = [
    // A reviewer reads the offer there; it is no editor for them.
    ['edit', readOnly ? 'Offer' : 'Editor', `#/offers/${offerId}/edit`],
    ['status', 'Status', `#/offers/${offerId}`],
  ];
  return el(
    'nav',
    { className: 'offer-tabs', 'aria-label': `Offer ${offerId}` },
    tabs.map(([key, text, href]) =>
      el('a', { href, text, 'aria-current': key === current ? 'page' : undefined }),
    ),
  );
}
