/* global URLSearchParams */
/* The All offers tab: every offer the caller may see, paged with `continuation`, filtered by state. */
import { api, OFFER_ID } from './api.js';
import { $, el, clear, cell, chip, label, liveText, time, showView, STEP_TITLES } from './dom.js';
import { showPageError } from './errors.js';

const STATES = [
  ['', 'All states'],
  ['NotStarted', 'Not started'],
  ['Running', 'Running'],
  ['WaitingForPublisher', 'Waiting for publisher'],
  ['WaitingForReview', 'Waiting for review'],
  ['Failed', 'Failed'],
  ['Canceled', 'Canceled'],
  ['Live', 'Live'],
];
const COLUMNS = ['Name', 'Offer id', 'Publisher', 'State', 'Current step', 'Last change'];

let continuation = null;
let shown = 0;
let generation = 0;
let filterValue = '';

function offerRow(offer) {
  const id = String(offer.offerId || '');
  const link = OFFER_ID.test(id)
    ? el('a', { href: `#/offers/${id}`, text: offer.name || id })
    : el('span', { text: offer.name || id });
  return el('tr', { dataset: { offerId: id } }, [
    cell('Name', [link]),
    cell('Offer id', id),
    cell('Publisher', offer.publisherId || ''),
    cell('State', [chip(offer.state, liveText(offer.state, offer.liveVersion))]),
    cell('Current step', offer.currentStep ? STEP_TITLES[offer.currentStep] || offer.currentStep : '—'),
    cell('Last change', [time(offer.updatedAt)]),
  ]);
}

function layout() {
  const filter = el(
    'select',
    { id: 'state-filter' },
    STATES.map(([value, text]) => el('option', { value, text })),
  );
  filter.value = filterValue;
  filter.addEventListener('change', () => {
    filterValue = filter.value;
    load(false);
  });
  const more = el('button', { type: 'button', id: 'offers-more', className: 'secondary', hidden: true }, [
    'Load more',
  ]);
  more.addEventListener('click', () => load(true));
  return el('section', { id: 'offers-view', 'aria-labelledby': 'offers-heading' }, [
    el('h1', { id: 'offers-heading', tabindex: '-1', text: 'All offers' }),
    el('div', { className: 'toolbar' }, [
      el('label', { for: 'state-filter', text: 'Filter by state' }),
      filter,
      el(
        'button',
        { type: 'button', id: 'offers-refresh', className: 'secondary', onclick: () => load(false) },
        ['Refresh'],
      ),
    ]),
    el('p', { id: 'offers-summary', className: 'muted', role: 'status' }),
    el('div', { className: 'table-wrap' }, [
      el('table', { id: 'offers-table' }, [
        el('caption', { className: 'visually-hidden', text: 'Offers' }),
        el('thead', null, [
          el(
            'tr',
            null,
            COLUMNS.map((c) => el('th', { scope: 'col', text: c })),
          ),
        ]),
        el('tbody'),
      ]),
    ]),
    el('p', { className: 'more' }, [more]),
  ]);
}

/** Shows the first page of All offers (`more` false) or appends the next one. */
async function load(more) {
  const summary = $('offers-summary');
  const tbody = $('offers-table').querySelector('tbody');
  const mine = more ? generation : ++generation;
  const params = new URLSearchParams();
  if (filterValue) params.set('state', filterValue);
  if (more && continuation) params.set('continuation', continuation);
  if (!more) summary.textContent = 'Loading offers…';
  $('offers-more').disabled = true;
  try {
    const query = params.toString() ? `?${params}` : '';
    const body = await api('GET', `/offers${query}`);
    if (mine !== generation || !tbody.isConnected) return;
    // The filter is also applied here, so the table is right even where the API ignores it.
    const offers = (body && Array.isArray(body.offers) ? body.offers : []).filter(
      (o) => !filterValue || o.state === filterValue,
    );
    showPageError(null);
    if (!more) {
      clear(tbody);
      shown = 0;
    }
    for (const offer of offers) tbody.append(offerRow(offer));
    shown += offers.length;
    // An absent continuation (an older API) means there is nothing more, like null.
    continuation =
      body && typeof body.continuation === 'string' && body.continuation ? body.continuation : null;
    $('offers-more').hidden = continuation === null;
    const where = filterValue ? ` in state ${label(filterValue)}` : '';
    summary.textContent =
      shown === 0
        ? filterValue
          ? `No offers in state ${label(filterValue)}.`
          : 'No offers yet.'
        : `${shown} offer${shown === 1 ? '' : 's'}${where}${continuation ? ', more to load' : ''}.`;
  } catch (error) {
    if (mine !== generation) return;
    if (!more) clear(tbody);
    summary.textContent = '';
    showPageError(error);
  } finally {
    if ($('offers-more')) $('offers-more').disabled = false;
  }
}

/** Back to "All states": the filter belongs to the person who chose it. */
export function resetOffersFilter() {
  filterValue = '';
}

export function showOffers() {
  showView('All offers', layout());
  return load(false);
}
