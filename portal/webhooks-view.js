/*
 * The Webhooks page (api.md "Webhooks"): the caller's endpoints, a form to add one with its events,
 * and per endpoint ping, enable/disable, rotate the secret, delete, and the delivery log with
 * redelivery. A secret is shown once, right after it is made; every read shows "***".
 *
 *   renderWebhooks(root, api)   // api(method, path, body) from api.js
 */
import { el, clear, time } from './dom.js';

const EVENT_TYPES = [
  ['offer.submission.step-changed', 'Every step change'],
  ['offer.submission.failed', 'A submission failed'],
  ['offer.submission.canceled', 'A submission was canceled'],
  ['offer.submission.live', 'The offer is live'],
  ['offer.review.decided', 'A reviewer decided'],
  ['offer.question.asked', 'A review question was asked'],
  ['offer.question.answered', 'A review question was answered'],
];

const hookPath = (id, rest) => `/webhooks/${encodeURIComponent(id)}${rest || ''}`;

/** A status line that screen readers announce. */
function statusLine(id) {
  return el('p', { className: 'muted', role: 'status', id });
}

/** Runs `action`, telling the outcome in `line`; a button is disabled meanwhile. */
async function act(line, button, what, action) {
  if (button) button.disabled = true;
  try {
    const text = await action();
    line.textContent = text || `${what}: done.`;
  } catch (error) {
    const details = (error.details || []).map((d) => `${d.path}: ${d.message}`).join('; ');
    line.textContent = `${what}: ${error.message}${details ? ` (${details})` : ''}`;
  } finally {
    if (button) button.disabled = false;
  }
}

function addForm(api, onAdded) {
  const url = el('input', { id: 'webhook-url', type: 'url', required: true, placeholder: 'https://' });
  const all = el('input', { id: 'webhook-event-all', type: 'checkbox', checked: true });
  const boxes = EVENT_TYPES.map(([type, text], i) => {
    const box = el('input', { id: `webhook-event-${i}`, type: 'checkbox', value: type });
    return { box, row: el('div', { className: 'check' }, [box, el('label', { for: box.id, text })]) };
  });
  const offers = el('input', { id: 'webhook-offers', placeholder: 'all my offers' });
  const description = el('input', { id: 'webhook-description', maxlength: 256 });
  const secret = el('div', { id: 'webhook-secret', hidden: true });
  const line = statusLine('webhook-add-status');
  const button = el('button', { type: 'submit', text: 'Add endpoint' });
  const form = el('form', { className: 'stack', novalidate: true, 'aria-labelledby': 'webhook-add-title' }, [
    el('h2', { id: 'webhook-add-title', text: 'Add an endpoint' }),
    el('label', { for: url.id, text: 'URL (https)' }),
    url,
    el('fieldset', {}, [
      el('legend', { text: 'Events' }),
      el('div', { className: 'check' }, [all, el('label', { for: all.id, text: 'All events' })]),
      ...boxes.map((b) => b.row),
    ]),
    el('label', { for: offers.id, text: 'Offer ids (comma-separated; empty: all my offers)' }),
    offers,
    el('label', { for: description.id, text: 'Description' }),
    description,
    el('div', { className: 'buttons' }, [button]),
    line,
    secret,
  ]);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const picked = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
    const ids = offers.value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const body = {
      url: url.value.trim(),
      events: all.checked || picked.length === 0 ? ['*'] : picked,
      ...(ids.length > 0 ? { offerIds: ids } : {}),
      ...(description.value.trim() ? { description: description.value.trim() } : {}),
    };
    act(line, button, 'Add endpoint', async () => {
      const created = await api('POST', '/webhooks', body);
      showSecret(secret, created.secret);
      url.value = '';
      onAdded();
      return `Added ${created.webhookId}.`;
    });
  });
  return form;
}

/** The secret, once: the receiver needs it to verify signatures, and no read shows it again. */
function showSecret(box, secret) {
  clear(box);
  box.hidden = false;
  box.append(
    el('p', { text: 'Copy this secret now; it is not shown again:' }),
    el('code', { className: 'secret', text: secret }),
  );
}

function attemptsText(d) {
  return (d.attempts || [])
    .map((a) =>
      a.statusCode === null || a.statusCode === undefined ? a.error || 'no answer' : `HTTP ${a.statusCode}`,
    )
    .join(', ');
}

function deliveriesPanel(api, hook) {
  const body = el('tbody');
  const line = statusLine(`deliveries-status-${hook.webhookId}`);
  const more = el('button', { type: 'button', className: 'secondary', text: 'More', hidden: true });
  let continuation = null;
  const row = (d) => {
    const again = el('button', { type: 'button', className: 'secondary', text: 'Redeliver' });
    again.addEventListener('click', () =>
      act(line, again, 'Redeliver', async () => {
        await api(
          'POST',
          hookPath(hook.webhookId, `/deliveries/${encodeURIComponent(d.deliveryId)}/redeliver`),
        );
        return `Redelivery of ${d.eventId} started.`;
      }),
    );
    return el('tr', { dataset: { deliveryId: d.deliveryId } }, [
      el('td', {}, [time(d.createdAt)]),
      el('td', { text: d.type }),
      el('td', { text: d.offerId || '—' }),
      el('td', { text: d.state }),
      el('td', { text: attemptsText(d) }),
      el('td', {}, [again]),
    ]);
  };
  async function load(next) {
    const query = `?top=20${next && continuation ? `&continuation=${encodeURIComponent(continuation)}` : ''}`;
    await act(line, more, 'Deliveries', async () => {
      const page = await api('GET', hookPath(hook.webhookId, `/deliveries${query}`));
      if (!next) clear(body);
      for (const d of page.deliveries) body.append(row(d));
      continuation = page.continuation;
      more.hidden = !continuation;
      return page.deliveries.length === 0 && !next ? 'No deliveries in the last 30 days.' : ' ';
    });
  }
  more.addEventListener('click', () => load(true));
  const table = el('table', {}, [
    el('caption', { text: `Deliveries to ${hook.url}, newest first` }),
    el('thead', {}, [
      el(
        'tr',
        {},
        ['When', 'Event', 'Offer', 'State', 'Attempts', ''].map((h) => el('th', { scope: 'col', text: h })),
      ),
    ]),
    body,
  ]);
  load(false);
  return el('div', { className: 'stack' }, [table, more, line]);
}

function endpointItem(api, hook, reload) {
  const line = statusLine(`webhook-status-${hook.webhookId}`);
  const secret = el('div', { hidden: true });
  const logBox = el('div');
  const button = (text, what, action) => {
    const b = el('button', { type: 'button', className: 'secondary', text });
    b.addEventListener('click', () => act(line, b, what, action));
    return b;
  };
  const ping = button('Ping', 'Ping', async () => {
    await api('POST', hookPath(hook.webhookId, '/ping'));
    return 'Ping sent: see the deliveries.';
  });
  const toggle = button(
    hook.enabled ? 'Disable' : 'Enable',
    hook.enabled ? 'Disable' : 'Enable',
    async () => {
      await api('PATCH', hookPath(hook.webhookId), { enabled: !hook.enabled });
      reload();
    },
  );
  const rotate = button('Rotate secret', 'Rotate secret', async () => {
    const { secret: value } = await api('POST', hookPath(hook.webhookId, '/rotate-secret'));
    showSecret(secret, value);
    return 'New secret made; the old one signs beside it for 24 hours.';
  });
  const remove = button('Delete', 'Delete', async () => {
    await api('DELETE', hookPath(hook.webhookId));
    reload();
  });
  const show = button('Deliveries', 'Deliveries', async () => {
    clear(logBox);
    logBox.append(deliveriesPanel(api, hook));
    return ' ';
  });
  const events = hook.events.includes('*') ? 'all events' : hook.events.join(', ');
  const offers = hook.offerIds ? hook.offerIds.join(', ') : 'all offers';
  return el('li', { className: 'stack webhook', dataset: { webhookId: hook.webhookId } }, [
    el('h3', { text: hook.description || hook.url }),
    el('p', { text: `${hook.url} · ${events} · ${offers}` }),
    el('p', {
      className: hook.enabled ? 'muted' : 'warning',
      text: hook.enabled ? 'Enabled' : `Disabled${hook.disabledReason ? `: ${hook.disabledReason}` : ''}`,
    }),
    el('div', { className: 'buttons' }, [ping, show, toggle, rotate, remove]),
    line,
    secret,
    logBox,
  ]);
}

export async function renderWebhooks(root, api) {
  clear(root);
  const list = el('ul', { className: 'stack webhooks', 'aria-labelledby': 'webhooks-title' });
  const line = statusLine('webhooks-status');
  async function reload() {
    await act(line, null, 'Webhooks', async () => {
      const { webhooks } = await api('GET', '/webhooks');
      clear(list);
      for (const hook of webhooks) list.append(endpointItem(api, hook, reload));
      return webhooks.length === 0 ? 'No endpoints yet.' : `${webhooks.length} endpoint(s).`;
    });
  }
  root.append(
    el('h1', { id: 'webhooks-title', text: 'Webhooks' }),
    el('p', {
      text: 'Endpoints receive a signed event (CloudEvents, Standard Webhooks) for every step change and review activity of your offers.',
    }),
    addForm(api, reload),
    list,
    line,
  );
  await reload();
}
