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
  /* Titles of the step ids, for views that get only an id (the All offers list); the status carries its own. */
  const STEP_TITLES = {
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
  const STEP_ORDER = Object.keys(STEP_TITLES);
  /* Once step 8 has started the submission can no longer be canceled (design.md, "Cancel"). */
  const PUBLISHING_STARTED = 'Publishing has started: this submission can no longer be canceled.';
  const SVG = 'http://www.w3.org/2000/svg';

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
  const STEP_STATES = Object.keys(STATE_ICONS);

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

  /** A state in its colour; `text` replaces the state's word (e.g. "Live 1.2.0.0 · update failed"). */
  function chip(state, text) {
    const colour = SUBMISSION_COLOUR[state] || TRANSITION_COLOUR[state] || knownStepState(state);
    return el('span', { className: `state-chip ${colour}`, text: text || label(state) });
  }

  function time(iso) {
    if (!iso) return el('span', { className: 'muted', text: '—' });
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return el('span', { text: String(iso) });
    return el('time', { datetime: date.toISOString(), text: date.toLocaleString() });
  }

  function stepTitle(stepId) {
    const found = (lastStatus && lastStatus.steps ? lastStatus.steps : []).find((s) => s.id === stepId);
    if (found && found.title) return found.title;
    return STEP_TITLES[stepId] || stepId || '—';
  }

  function stepNumber(stepId) {
    const index = STEP_ORDER.indexOf(stepId);
    return index < 0 ? '' : `${index + 1} of ${STEP_ORDER.length}`;
  }

  function icon(state) {
    const shape = STATE_ICONS[state] || STATE_ICONS.NotStarted;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 16 16');
    svg.setAttribute('width', '16');
    svg.setAttribute('height', '16');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'icon');
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

  /**
   * The live version beside the submission's state, as the list and the status say it:
   * "Live 1.2.0.0" when live, "Live 1.2.0.0 · update failed" when an update did not make it.
   */
  function liveText(state, liveVersion) {
    if (!liveVersion) return null;
    const live = `Live ${liveVersion}`;
    if (state === 'Failed') return `${live} · update failed`;
    if (state === 'Canceled') return `${live} · update canceled`;
    if (state === 'Running' || state === 'WaitingForPublisher' || state === 'WaitingForReview')
      return `${live} · update in progress`;
    return live;
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

  let signingIn = false;

  /**
   * A 401 means the session is missing or expired: App Service Authentication's sign-in page
   * brings the person back here afterwards. Locally the page always sends the picked identity, so
   * the local host never answers 401 to it.
   */
  function signIn() {
    if (signingIn) return;
    signingIn = true;
    const here = window.location.pathname + window.location.search + window.location.hash;
    window.location.assign(`/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(here)}`);
  }

  function identityHeaders() {
    // In Azure, App Service Authentication supplies the identity (and strips a forged header).
    return MODE === 'local' ? { 'x-ms-client-principal': principalHeader(currentIdentityKey()) } : {};
  }

  /** One API call: the parsed body on success, an ApiError otherwise (after sending a 401 to sign in). */
  async function send(method, path, body, headers) {
    const response = await fetch(API + path, {
      method,
      headers: { accept: 'application/json', ...identityHeaders(), ...headers },
      body,
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
    if (response.status === 401) signIn();
    if (!response.ok) throw new ApiError(response.status, parsed);
    return { status: response.status, body: parsed };
  }

  async function api(method, path, body) {
    const headers = body === undefined ? {} : { 'content-type': 'application/json' };
    const result = await send(method, path, body === undefined ? undefined : JSON.stringify(body), headers);
    return result.body;
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

  /** A table cell that names its column, so a phone can show each row as a small card. */
  function cell(columnLabel, content) {
    const props = { dataset: { label: columnLabel } };
    if (typeof content === 'string') return el('td', { ...props, text: content });
    return el('td', props, content);
  }

  /* ---------- All offers ---------- */

  let offersContinuation = null;
  let offersShown = 0;
  let offersGeneration = 0;

  function offerRow(offer) {
    const id = String(offer.offerId || '');
    const link = OFFER_ID.test(id)
      ? el('a', { href: `#/offers/${id}`, text: offer.name || id })
      : el('span', { text: offer.name || id });
    const live = liveText(offer.state, offer.liveVersion);
    const stateCell = [chip(offer.state, live)];
    return el('tr', { dataset: { offerId: id } }, [
      cell('Name', [link]),
      cell('Offer id', id),
      cell('Publisher', offer.publisherId || ''),
      cell('State', stateCell),
      cell('Current step', offer.currentStep ? stepTitle(offer.currentStep) : '—'),
      cell('Last change', [time(offer.updatedAt)]),
    ]);
  }

  /** Shows the first page of All offers (`more` false) or appends the next one. */
  async function showOffers(more) {
    $('offers-view').hidden = false;
    $('status-view').hidden = true;
    delete root.dataset.statusOffer;
    document.title = 'All offers · Offer publishing';
    const filter = $('state-filter').value;
    const summary = $('offers-summary');
    const tbody = $('offers-table').querySelector('tbody');
    const generation = more ? offersGeneration : ++offersGeneration;
    const params = new URLSearchParams();
    if (filter) params.set('state', filter);
    if (more && offersContinuation) params.set('continuation', offersContinuation);
    if (!more) summary.textContent = 'Loading offers…';
    $('offers-more').disabled = true;
    try {
      const query = params.toString() ? `?${params}` : '';
      const body = await api('GET', `/offers${query}`);
      if (generation !== offersGeneration) return;
      const offers = (body && Array.isArray(body.offers) ? body.offers : []).filter(
        // The filter is also applied here, so the table is right even where the API ignores it.
        (o) => !filter || o.state === filter,
      );
      showPageError(null);
      if (!more) {
        clear(tbody);
        offersShown = 0;
      }
      for (const offer of offers) tbody.append(offerRow(offer));
      offersShown += offers.length;
      // An absent continuation (an older API) means there is nothing more, like null.
      offersContinuation =
        body && typeof body.continuation === 'string' && body.continuation ? body.continuation : null;
      $('offers-more').hidden = offersContinuation === null;
      const where = filter ? ` in state ${label(filter)}` : '';
      summary.textContent =
        offersShown === 0
          ? filter
            ? `No offers in state ${label(filter)}.`
            : 'No offers yet.'
          : `${offersShown} offer${offersShown === 1 ? '' : 's'}${where}${offersContinuation ? ', more to load' : ''}.`;
    } catch (error) {
      if (generation !== offersGeneration) return;
      if (!more) clear(tbody);
      summary.textContent = '';
      showPageError(error);
    } finally {
      $('offers-more').disabled = false;
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

  /** Estimate always; Started and Completed only once they happened (a skipped or instant step may have no start). */
  function stepTimes(step) {
    const rows = [el('dt', { text: 'Estimate' }), el('dd', { text: step.estimate || '—' })];
    if (step.startedAt) rows.push(el('dt', { text: 'Started' }), el('dd', null, [time(step.startedAt)]));
    if (step.completedAt)
      rows.push(el('dt', { text: 'Completed' }), el('dd', null, [time(step.completedAt)]));
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
            stepTimes(step),
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
          return `${title} is waiting for the promised publishing date. ${PUBLISHING_STARTED}`;
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
    // The state itself is the chip beside this text.
    const parts = [status.submissionId ? `Submission ${status.submissionId}.` : 'No submission yet.'];
    const live = liveText(status.state, status.liveVersion);
    if (live) parts.push(`${live}.`);
    if (status.currentStep)
      parts.push(`Current step: ${stepNumber(status.currentStep)}, ${stepTitle(status.currentStep)}.`);
    const current = (status.steps || []).find((s) => s.id === status.currentStep);
    const sentence = current ? stepSentence(status, current) : stepSentence(status, { state: 'NotStarted' });
    if (sentence) parts.push(sentence);
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
    // A new package matters for the next submission: offered whenever the owner may publish.
    $('package-form').hidden = !allowed('publish');
  }

  /** The package report, its findings grouped by rule, each with the paths it names. */
  function renderPackageReport(report) {
    const box = $('package-report');
    clear(box);
    if (!report || report.unavailable) {
      delete box.dataset.state;
      const text = report
        ? `The package report cannot be shown: ${report.unavailable}`
        : 'No package uploaded yet.';
      box.append(el('p', { className: 'muted', text }));
      return;
    }
    box.dataset.state = report.state || '';
    const colour =
      { Passed: 'Succeeded', Failed: 'Failed', Pending: 'InProgress' }[report.state] || 'NotStarted';
    box.append(
      el('p', null, [
        el('span', { className: `state-chip ${colour}`, text: report.state || '—' }),
        ' ',
        el('span', { className: 'break', text: report.blobName || '' }),
        report.validatedAt ? ' · validated ' : '',
        report.validatedAt ? time(report.validatedAt) : null,
      ]),
    );
    const groups = new Map();
    for (const f of Array.isArray(report.findings) ? report.findings : []) {
      const rule = String(f.rule || 'unknown');
      if (!groups.has(rule)) groups.set(rule, []);
      groups.get(rule).push(f);
    }
    if (groups.size === 0) {
      if (report.state === 'Passed') box.append(el('p', { text: 'No findings: every rule passed.' }));
      return;
    }
    const list = el('ul', { className: 'findings' });
    for (const [rule, findings] of groups) {
      const errors = findings.filter((f) => f.severity === 'error').length;
      const severity = errors > 0 ? 'error' : 'warning';
      list.append(
        el('li', { className: `finding-group ${severity}`, dataset: { rule } }, [
          el('p', { className: 'finding-rule' }, [
            el('code', { text: rule }),
            ` · ${severity} · ${findings.length} finding${findings.length === 1 ? '' : 's'}`,
          ]),
          el(
            'ul',
            null,
            findings.map((f) =>
              el('li', null, [
                f.path ? el('code', { text: f.path }) : null,
                f.path ? ': ' : '',
                String(f.message || ''),
              ]),
            ),
          ),
        ]),
      );
    }
    box.append(list);
  }

  function renderHistory(events) {
    const tbody = $('history-table').querySelector('tbody');
    clear(tbody);
    const sorted = events.slice().sort((a, b) => String(b.at).localeCompare(String(a.at)));
    for (const e of sorted) {
      tbody.append(
        el('tr', null, [
          cell('When', [time(e.at)]),
          cell('Submission', e.submissionId || ''),
          cell('Step', stepTitle(e.step)),
          cell('State', [chip(e.state)]),
          cell('Message', [e.message, e.actor ? `(${e.actor})` : ''].filter(Boolean).join(' ')),
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
          cell('Sent', [time(n.sentAt)]),
          cell('To', n.to || ''),
          cell('Subject', n.subject || ''),
          cell('Step', `${stepTitle(n.step)}${n.transition ? ` (${n.transition})` : ''}`),
          cell('Status', n.status || ''),
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

  /** The latest package report; null when none was uploaded (404); `{unavailable}` when it cannot be read. */
  async function packageReport(offerId) {
    try {
      return await api('GET', offerPath(offerId, '/package-validation'));
    } catch (error) {
      return error.status === 404 ? null : { unavailable: error.message };
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
      delete $('status-summary').dataset.text;
      clear($('steps'));
      return;
    }
    const [events, notifications, report] = await Promise.all([
      optional(offerPath(offerId, '/history'), 'events'),
      optional(offerPath(offerId, '/notifications'), 'notifications'),
      packageUploading ? Promise.resolve(undefined) : packageReport(offerId),
    ]);
    if (generation !== loadGeneration || statusOfferId !== offerId) return;
    lastStatus = status;
    showPageError(null);
    renderSteps(status);
    renderSummary(status);
    renderError(status);
    renderPreview(status);
    renderActions(status);
    if (report !== undefined) renderPackageReport(report);
    renderHistory(events);
    renderEmails(notifications);
    root.dataset.statusLoaded = String(generation);
    root.dataset.statusOffer = offerId;
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
      delete root.dataset.statusOffer;
      $('action-message').textContent = '';
      $('package-message').textContent = '';
      $('status-summary').textContent = 'Loading status…';
      delete $('status-summary').dataset.text;
      clear($('steps'));
      clear($('package-report'));
      $('error-panel').hidden = true;
      $('preview-panel').hidden = true;
      $('publish-email').value = '';
      $('review-comments').value = '';
      $('review-date').value = '';
      $('publish-form').hidden = true;
      $('review-form').hidden = true;
      $('package-form').hidden = true;
    }
    return loadStatus(offerId);
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
  async function act(button, description, method, path, body, explain) {
    const message = $('action-message');
    const offerId = statusOfferId;
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
    if (offerId) await loadStatus(offerId);
    if (failure) {
      message.textContent = `${description}: ${explain ? explain(failure) : failure.message}`;
      $('actions-panel').hidden = false;
      if (failure.details && failure.details.length > 0) showPageError(failure);
    }
  }

  /* ---------- package upload ---------- */

  let packageUploading = false;

  /** Header-safe file name: the API stores the blob under it. */
  function safeFileName(name) {
    const cleaned = String(name || 'package.app').replace(/[^A-Za-z0-9._-]+/g, '_');
    return cleaned.slice(-200) || 'package.app';
  }

  /**
   * Large packages go straight to storage through a short-lived URL (POST .../package/upload-url);
   * where that route does not answer 201, or the direct PUT fails, through PUT .../package.
   */
  async function uploadPackageFile(offerId, file) {
    const fileName = safeFileName(file.name);
    let target = null;
    try {
      const result = await send(
        'POST',
        offerPath(offerId, '/package/upload-url'),
        JSON.stringify({ fileName, size: file.size }),
        { 'content-type': 'application/json' },
      );
      if (result.status === 201 && result.body && typeof result.body.uploadUrl === 'string')
        target = result.body;
    } catch (error) {
      // Too large or not allowed is the answer for either route; anything else means "use the other route".
      if (error.status === 413 || error.status === 403 || error.status === 401) throw error;
    }
    if (target) {
      try {
        const response = await fetch(target.uploadUrl, {
          method: 'PUT',
          headers: { 'content-type': file.type || 'application/octet-stream', ...(target.headers || {}) },
          body: file,
        });
        if (response.ok) return target.blobName || `${offerId}/${fileName}`;
      } catch {
        // Storage unreachable from the page (e.g. no CORS rule): the function app takes it instead.
      }
    }
    const result = await send('PUT', offerPath(offerId, '/package'), file, {
      'content-type': 'application/octet-stream',
      'x-file-name': fileName,
    });
    return (result.body && result.body.blobName) || `${offerId}/${fileName}`;
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Validation runs in the background after an upload: poll until this blob's report is final. */
  async function waitForReport(offerId, blobName) {
    for (let attempt = 0; attempt < 120; attempt++) {
      const report = await packageReport(offerId);
      if (statusOfferId !== offerId) return null;
      if (report && !report.unavailable && report.blobName === blobName && report.state !== 'Pending')
        return report;
      await sleep(attempt < 10 ? 500 : 1500);
    }
    return null;
  }

  async function uploadPackage() {
    const input = $('package-file');
    const file = input.files && input.files[0];
    const message = $('package-message');
    if (!file) {
      message.textContent = 'Choose the .app or .zip to upload.';
      input.focus();
      return;
    }
    const offerId = statusOfferId;
    const button = $('package-upload');
    button.disabled = true;
    packageUploading = true;
    try {
      message.textContent = `Uploading ${file.name}…`;
      const blobName = await uploadPackageFile(offerId, file);
      message.textContent = `Uploaded ${blobName}. Validating…`;
      const report = await waitForReport(offerId, blobName);
      if (statusOfferId !== offerId) return;
      if (report) {
        renderPackageReport(report);
        message.textContent = `Validation of ${blobName}: ${report.state}.`;
      } else {
        message.textContent = `Uploaded ${blobName}; validation is still running. Refresh later to see the report.`;
      }
      input.value = '';
    } catch (error) {
      message.textContent = `Upload: ${error.message}`;
    } finally {
      packageUploading = false;
      button.disabled = false;
    }
  }

  function wireActions() {
    $('go-live').addEventListener('click', (event) =>
      act(event.currentTarget, 'Go Live', 'POST', offerPath(statusOfferId, '/go-live')),
    );
    $('cancel').addEventListener('click', (event) => {
      if (!window.confirm('Cancel this submission? The offer goes back to step 1.')) return;
      act(
        event.currentTarget,
        'Cancel',
        'POST',
        offerPath(statusOfferId, '/cancel'),
        undefined,
        cancelRefusal,
      );
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
    $('package-form').addEventListener('submit', (event) => {
      event.preventDefault();
      uploadPackage();
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
    return showOffers(false);
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
    $('state-filter').addEventListener('change', () => showOffers(false));
    $('offers-refresh').addEventListener('click', () => showOffers(false));
    $('offers-more').addEventListener('click', () => showOffers(true));
    wireActions();
    window.addEventListener('hashchange', () => {
      route();
      // Focus moves to the content for screen readers; it is not a control, so it draws no outline.
      $('main').focus({ preventScroll: true });
      window.scrollTo(0, 0);
    });
    route();
  }

  start();
})();
