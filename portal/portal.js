/* global document, window, localStorage, fetch, btoa, URLSearchParams, URL, setTimeout, clearTimeout */
/*
 * The status page: All offers and the status of one offer, over the public API only (api.md).
 * Plain script, no framework: text from the API is always written with textContent, never as HTML.
 * Routes: #/offers (All offers) and #/offers/{offerId} (status of one offer).
 */
'use strict';

(function () {
  const root = document.documentElement;
  const MODE = root.dataset.mode === 'azure' ? 'azure' : 'local';
  const API = root.dataset.apiBase || '/api';
  const OFFER_ID = /^[a-z0-9][a-z0-9-]{2,49}$/;

  /* Local mode only: the identities the picker offers, as App Service Authentication would describe them. */
  const IDENTITIES = {
    publisher: { name: 'ann@contoso.com', roles: ['Publisher'], publisherId: 'contoso' },
    marketing: { name: 'mia@marketplace.example', roles: ['MarketingReviewer'] },
    technical: { name: 'ted@marketplace.example', roles: ['TechnicalReviewer'] },
    admin: { name: 'ada@marketplace.example', roles: ['Admin'] },
  };
  const IDENTITY_KEY = 'portal.signInAs';

  const STATE_LABELS = {
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
  const STATE_SYMBOLS = {
    NotStarted: '○',
    InProgress: '▶',
    Waiting: '⏸',
    Succeeded: '✓',
    Skipped: '↷',
    Failed: '✕',
    Canceled: '⊘',
  };
  /* Submission states drawn with the colours of the step state they resemble. */
  const SUBMISSION_COLOUR = {
    NotStarted: 'NotStarted',
    Running: 'InProgress',
    WaitingForPublisher: 'Waiting',
    WaitingForReview: 'Waiting',
    Failed: 'Failed',
    Canceled: 'Canceled',
    Live: 'Succeeded',
  };
  const STEP_STATES = Object.keys(STATE_SYMBOLS);

  const $ = (id) => document.getElementById(id);

  /* ---------- small DOM helpers (text only) ---------- */

  function el(tag, props, children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [key, value] of Object.entries(props)) {
        if (value === undefined || value === null) continue;
        if (key === 'text') node.textContent = String(value);
        else if (key === 'className') node.className = value;
        else if (key === 'dataset') Object.assign(node.dataset, value);
        else node.setAttribute(key, String(value));
      }
    }
    for (const child of children || []) {
      if (child === undefined || child === null) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  function clear(node) {
    node.replaceChildren();
  }

  function label(state) {
    return STATE_LABELS[state] || String(state || '');
  }

  function knownStepState(state) {
    return STEP_STATES.includes(state) ? state : 'NotStarted';
  }

  /* History rows carry the transition (started, succeeded, ...): coloured like the step state it leads to. */
  const TRANSITION_COLOUR = {
    started: 'InProgress',
    waiting: 'Waiting',
    succeeded: 'Succeeded',
    skipped: 'Skipped',
    failed: 'Failed',
    canceled: 'Canceled',
  };

  function chip(state) {
    const colour = SUBMISSION_COLOUR[state] || TRANSITION_COLOUR[state] || knownStepState(state);
    return el('span', { className: `state-chip ${colour}`, text: label(state) });
  }

  function time(iso) {
    if (!iso) return el('span', { className: 'muted', text: '—' });
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return el('span', { text: String(iso) });
    return el('time', { datetime: date.toISOString(), text: date.toLocaleString() });
  }

  function stepTitle(stepId) {
    const found = (lastStatus && lastStatus.steps ? lastStatus.steps : []).find((s) => s.id === stepId);
    return found ? found.title : stepId || '—';
  }

  /* ---------- identity and API ---------- */

  function currentIdentityKey() {
    const stored = localStorage.getItem(IDENTITY_KEY);
    return stored && IDENTITIES[stored] ? stored : 'publisher';
  }

  function principalHeader(key) {
    const who = IDENTITIES[key];
    const claims = [{ typ: 'name', val: who.name }];
    for (const role of who.roles) claims.push({ typ: 'roles', val: role });
    if (who.publisherId) claims.push({ typ: 'publisher_id', val: who.publisherId });
    const principal = { auth_typ: 'aad', name_typ: 'name', role_typ: 'roles', claims };
    return btoa(JSON.stringify(principal));
  }

  class ApiError extends Error {
    constructor(status, body) {
      const error = (body && body.error) || {};
      super(error.message || `The request failed (HTTP ${status}).`);
      this.status = status;
      this.code = error.code || 'http_' + status;
      this.details = Array.isArray(error.details) ? error.details : [];
    }
  }

  async function api(method, path, body) {
    const headers = { accept: 'application/json' };
    // In Azure, App Service Authentication supplies the identity (and strips a forged header).
    if (MODE === 'local') headers['x-ms-client-principal'] = principalHeader(currentIdentityKey());
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(API + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
    const text = await response.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!response.ok) throw new ApiError(response.status, parsed);
    return parsed;
  }

  function offerPath(offerId, rest) {
    return `/offers/${encodeURIComponent(offerId)}${rest || ''}`;
  }

  function showPageError(error) {
    const box = $('page-error');
    clear(box);
    if (!error) {
      box.hidden = true;
      return;
    }
    box.append(el('p', { text: error.message }));
    if (error.details && error.details.length > 0) {
      box.append(
        el(
          'ul',
          null,
          error.details.map((d) => el('li', { text: d.path ? `${d.path}: ${d.message}` : d.message })),
        ),
      );
    }
    box.hidden = false;
  }

  /* ---------- All offers ---------- */

  async function showOffers() {
    $('offers-view').hidden = false;
    $('status-view').hidden = true;
    document.title = 'All offers · Offer publishing';
    const filter = $('state-filter').value;
    const summary = $('offers-summary');
    summary.textContent = 'Loading offers…';
    const tbody = $('offers-table').querySelector('tbody');
    try {
      const query = filter ? `?${new URLSearchParams({ state: filter })}` : '';
      const body = await api('GET', `/offers${query}`);
      const offers = (body && Array.isArray(body.offers) ? body.offers : []).filter(
        // The filter is also applied here, so the table is right even where the API ignores it.
        (o) => !filter || o.state === filter,
      );
      showPageError(null);
      clear(tbody);
      for (const offer of offers) {
        const id = String(offer.offerId || '');
        const link = OFFER_ID.test(id)
          ? el('a', { href: `#/offers/${id}`, text: offer.name || id })
          : el('span', { text: offer.name || id });
        tbody.append(
          el('tr', { dataset: { offerId: id } }, [
            el('td', null, [link]),
            el('td', { text: id }),
            el('td', { text: offer.publisherId || '' }),
            el('td', null, [chip(offer.state)]),
            el('td', { text: offer.currentStep || '—' }),
            el('td', null, [time(offer.updatedAt)]),
          ]),
        );
      }
      summary.textContent =
        offers.length === 0
          ? filter
            ? `No offers in state ${label(filter)}.`
            : 'No offers yet.'
          : `${offers.length} offer${offers.length === 1 ? '' : 's'}${filter ? ` in state ${label(filter)}` : ''}.`;
    } catch (error) {
      clear(tbody);
      summary.textContent = '';
      showPageError(error);
    }
  }

  /* ---------- Status of one offer ---------- */

  let lastStatus = null;
  let refreshTimer = null;
  let statusOfferId = null;
  let loadGeneration = 0;

  function stopRefresh() {
    if (refreshTimer !== null) clearTimeout(refreshTimer);
    refreshTimer = null;
  }

  /** How soon to look again: quickly while a step runs, slowly while it waits for a person, not at all when idle. */
  function refreshDelay(status) {
    const running = status.state === 'Running' || (status.steps || []).some((s) => s.state === 'InProgress');
    if (running) return 1500;
    if (status.state === 'WaitingForPublisher' || status.state === 'WaitingForReview') return 10000;
    return null;
  }

  function renderSteps(status) {
    const list = $('steps');
    clear(list);
    (status.steps || []).forEach((step, index) => {
      const state = knownStepState(step.state);
      const current = step.id === status.currentStep;
      const times = el('dl', null, [
        el('dt', { text: 'Estimate' }),
        el('dd', { text: step.estimate || '—' }),
        el('dt', { text: 'Started' }),
        el('dd', null, [time(step.startedAt)]),
        el('dt', { text: 'Completed' }),
        el('dd', null, [time(step.completedAt)]),
      ]);
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
            el('span', { className: 'step-title', text: step.title || step.id }),
            el('span', {
              className: 'step-state',
              text: `${STATE_SYMBOLS[state]} ${label(state)}`,
            }),
            times,
            step.message ? el('p', { className: 'step-message', text: step.message }) : null,
          ],
        ),
      );
    });
  }

  function summaryText(status) {
    const parts = [`Submission ${status.submissionId || '—'}: ${label(status.state)}.`];
    if (status.currentStep) parts.push(`Current step: ${stepTitle(status.currentStep)}.`);
    const current = (status.steps || []).find((s) => s.id === status.currentStep);
    if (current) parts.push(`${stepTitle(current.id)} is ${label(current.state).toLowerCase()}.`);
    if (status.notificationEmail) parts.push(`Emails go to ${status.notificationEmail}.`);
    return parts.join(' ');
  }

  function renderError(status) {
    const panel = $('error-panel');
    const error = status.state === 'Failed' ? status.error : null;
    panel.hidden = !error;
    if (!error) return;
    $('error-message').textContent = error.message || 'The submission failed.';
    $('error-where').textContent =
      `Step: ${stepTitle(error.step)}${error.code ? ` · code ${error.code}` : ''}`;
    const list = $('error-details');
    clear(list);
    for (const d of Array.isArray(error.details) ? error.details : []) {
      list.append(el('li', { text: d.path ? `${d.path}: ${d.message}` : String(d.message || '') }));
    }
  }

  function renderPreview(status) {
    const panel = $('preview-panel');
    let url = null;
    try {
      url = status.preview && status.preview.url ? new URL(status.preview.url, window.location.href) : null;
    } catch {
      url = null;
    }
    const safe = url && (url.protocol === 'https:' || url.protocol === 'http:');
    panel.hidden = !safe;
    if (safe) $('preview-link').href = url.href;
  }

  function renderActions(status) {
    const actions = Array.isArray(status.actions) ? status.actions : [];
    const allowed = (name) => actions.includes(name);
    $('go-live').hidden = !allowed('goLive');
    $('cancel').hidden = !allowed('cancel');
    const publishForm = $('publish-form');
    if (allowed('publish') && publishForm.hidden && !$('publish-email').value && status.notificationEmail) {
      $('publish-email').value = status.notificationEmail;
    }
    publishForm.hidden = !allowed('publish');
    const reviewForm = $('review-form');
    if (allowed('review') && reviewForm.hidden && MODE === 'local') {
      const who = IDENTITIES[currentIdentityKey()];
      if (who.roles.includes('TechnicalReviewer')) $('review-area').value = 'technical';
      if (who.roles.includes('MarketingReviewer')) $('review-area').value = 'marketing';
    }
    reviewForm.hidden = !allowed('review');
    $('actions-panel').hidden = actions.length === 0 && !$('action-message').textContent;
  }

  function renderHistory(events) {
    const tbody = $('history-table').querySelector('tbody');
    clear(tbody);
    const sorted = events.slice().sort((a, b) => String(b.at).localeCompare(String(a.at)));
    for (const e of sorted) {
      tbody.append(
        el('tr', null, [
          el('td', null, [time(e.at)]),
          el('td', { text: e.submissionId || '' }),
          el('td', { text: stepTitle(e.step) }),
          el('td', null, [chip(e.state)]),
          el('td', { text: [e.message, e.actor ? `(${e.actor})` : ''].filter(Boolean).join(' ') }),
        ]),
      );
    }
    if (sorted.length === 0)
      tbody.append(el('tr', null, [el('td', { colspan: 5, text: 'No history yet.' })]));
  }

  function renderEmails(notifications) {
    const tbody = $('emails-table').querySelector('tbody');
    clear(tbody);
    const sorted = notifications.slice().sort((a, b) => String(b.sentAt).localeCompare(String(a.sentAt)));
    for (const n of sorted) {
      tbody.append(
        el('tr', null, [
          el('td', null, [time(n.sentAt)]),
          el('td', { text: n.to || '' }),
          el('td', { text: n.subject || '' }),
          el('td', { text: `${stepTitle(n.step)}${n.transition ? ` (${n.transition})` : ''}` }),
          el('td', { text: n.status || '' }),
        ]),
      );
    }
    if (sorted.length === 0) tbody.append(el('tr', null, [el('td', { colspan: 5, text: 'No emails yet.' })]));
  }

  /** Reads for the side tables are best effort: the status itself is what the page is for. */
  async function optional(path, key) {
    try {
      const body = await api('GET', path);
      return body && Array.isArray(body[key]) ? body[key] : [];
    } catch {
      return [];
    }
  }

  async function loadStatus(offerId) {
    const generation = ++loadGeneration;
    stopRefresh();
    let status;
    try {
      status = await api('GET', offerPath(offerId, '/status'));
    } catch (error) {
      if (generation !== loadGeneration) return;
      showPageError(error);
      $('status-summary').textContent = '';
      clear($('steps'));
      return;
    }
    const [events, notifications] = await Promise.all([
      optional(offerPath(offerId, '/history'), 'events'),
      optional(offerPath(offerId, '/notifications'), 'notifications'),
    ]);
    if (generation !== loadGeneration || statusOfferId !== offerId) return;
    lastStatus = status;
    showPageError(null);
    renderSteps(status);
    const text = summaryText(status);
    // Only a change is announced: re-writing the same words would make screen readers repeat them.
    if ($('status-summary').textContent !== text) $('status-summary').textContent = text;
    renderError(status);
    renderPreview(status);
    renderActions(status);
    renderHistory(events);
    renderEmails(notifications);
    root.dataset.statusLoaded = String(generation);
    const delay = refreshDelay(status);
    if (delay !== null) refreshTimer = setTimeout(() => loadStatus(offerId), delay);
  }

  function showStatus(offerId) {
    $('offers-view').hidden = true;
    $('status-view').hidden = false;
    $('status-offer-id').textContent = offerId;
    document.title = `${offerId} · Offer publishing`;
    if (statusOfferId !== offerId) {
      statusOfferId = offerId;
      lastStatus = null;
      $('action-message').textContent = '';
      $('status-summary').textContent = 'Loading status…';
      $('publish-email').value = '';
      $('review-comments').value = '';
      $('review-date').value = '';
      $('publish-form').hidden = true;
      $('review-form').hidden = true;
    }
    return loadStatus(offerId);
  }

  /** Runs one action, reports its outcome in the actions panel, and reloads the status. */
  async function act(button, description, method, path, body) {
    const message = $('action-message');
    const offerId = statusOfferId;
    button.disabled = true;
    message.textContent = `${description}…`;
    try {
      await api(method, path, body);
      message.textContent = `${description}: accepted.`;
      showPageError(null);
    } catch (error) {
      message.textContent = `${description}: ${error.message}`;
      showPageError(error);
    } finally {
      button.disabled = false;
    }
    if (offerId) await loadStatus(offerId);
  }

  function wireActions() {
    $('go-live').addEventListener('click', (event) =>
      act(event.currentTarget, 'Go Live', 'POST', offerPath(statusOfferId, '/go-live')),
    );
    $('cancel').addEventListener('click', (event) => {
      if (!window.confirm('Cancel this submission? The offer goes back to step 1.')) return;
      act(event.currentTarget, 'Cancel', 'POST', offerPath(statusOfferId, '/cancel'));
    });
    $('publish-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const email = $('publish-email').value.trim();
      if (!$('publish-email').checkValidity() || !email) {
        $('action-message').textContent = 'Give the email address that should receive the notifications.';
        $('publish-email').focus();
        return;
      }
      act($('publish'), 'Publish', 'POST', offerPath(statusOfferId, '/publish'), {
        notificationEmail: email,
      });
    });
    $('review-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const submitter = event.submitter && event.submitter.value ? event.submitter : $('approve');
      const outcome = submitter.value;
      const comments = $('review-comments').value.trim();
      if (outcome === 'rejected' && !comments) {
        $('action-message').textContent = 'Say why in the comments to reject.';
        $('review-comments').focus();
        return;
      }
      const body = { outcome, comments };
      if ($('review-date').value) body.publishDate = $('review-date').value;
      const area = $('review-area').value === 'technical' ? 'technical' : 'marketing';
      act(
        submitter,
        `${outcome === 'approved' ? 'Approve' : 'Reject'} (${area})`,
        'POST',
        offerPath(statusOfferId, `/reviews/${area}`),
        body,
      );
    });
  }

  /* ---------- routing ---------- */

  function route() {
    stopRefresh();
    loadGeneration++;
    const match = /^#\/offers\/([^/]+)$/.exec(window.location.hash);
    const offerId = match ? decodeURIComponent(match[1]) : null;
    if (offerId && OFFER_ID.test(offerId)) return showStatus(offerId);
    statusOfferId = null;
    return showOffers();
  }

  function start() {
    if (MODE === 'local') {
      const picker = $('sign-in-as');
      picker.value = currentIdentityKey();
      picker.addEventListener('change', () => {
        localStorage.setItem(IDENTITY_KEY, picker.value);
        $('action-message').textContent = '';
        $('publish-form').hidden = true;
        $('review-form').hidden = true;
        route();
      });
      $('identity').hidden = false;
    }
    $('state-filter').addEventListener('change', () => showOffers());
    $('offers-refresh').addEventListener('click', () => showOffers());
    wireActions();
    window.addEventListener('hashchange', () => {
      route();
      $('main').focus();
    });
    route();
  }

  start();
})();
