/* global document, window */
/*
 * The portal's entry module: the router, the "Sign in as" picker (local mode) and "New offer".
 * Views, each in its own module:
 *   #/offers                          All offers          (offers-view.js)
 *   #/offers/{offerId}                Status              (status-view.js)
 *   #/offers/{offerId}/edit           Editor              (editor-view.js)
 *   #/offers/{offerId}/preview?hidekey=K   Preview        (preview-view.js)
 *   #/webhooks                        Webhooks            (webhooks-view.js, when the page has it)
 * Any other fragment (the skip link's #main) is not a page: the view stays as it is.
 * Emails link to #/offers/{offerId} (api.md, "Notifications read back").
 */
import {
  api,
  API,
  currentIdentityKey,
  currentPerson,
  MODE,
  OFFER_ID,
  offerPath,
  readOrNull,
  setIdentity,
} from './api.js';
import { $ } from './dom.js';
import { askInDialog } from './dialogs.js';
import { showPageError } from './errors.js';
import { showEditor, stopEditor } from './editor-view.js';
import { resetOffersFilter, showOffers } from './offers-view.js';
import { showPreview, stopPreview } from './preview-view.js';
import { showStatus, stopStatus } from './status-view.js';

const ROUTE = /^#\/offers\/([^/?]+)(?:\/(edit|preview))?(?:\?(.*))?$/;

/** The Webhooks page is its own module (portal/webhooks-view.js); the portal function says whether it is there. */
const HAS_WEBHOOKS = document.documentElement.dataset.webhooks === 'on';

async function showWebhooks() {
  const view = $('view');
  view.replaceChildren();
  document.title = 'Webhooks · Offer publishing';
  try {
    const module = await import('./webhooks-view.js');
    await module.renderWebhooks(view, api, { apiBase: API });
  } catch (error) {
    showPageError(error);
  }
}

function route() {
  // Only #/… is a page; #main (the skip link) and other fragments leave the view alone.
  if (window.location.hash && !window.location.hash.startsWith('#/')) return null;
  stopStatus();
  stopEditor();
  stopPreview();
  showPageError(null);
  delete document.documentElement.dataset.statusOffer;
  const match = ROUTE.exec(window.location.hash);
  const offerId = match ? decodeURIComponent(match[1]) : null;
  const nav = $('nav-offers');
  const hooks = $('nav-webhooks');
  nav.removeAttribute('aria-current');
  hooks.removeAttribute('aria-current');
  if (HAS_WEBHOOKS && window.location.hash === '#/webhooks') {
    hooks.setAttribute('aria-current', 'page');
    return showWebhooks();
  }
  if (offerId && OFFER_ID.test(offerId)) {
    if (match[2] === 'edit') return showEditor(offerId);
    if (match[2] === 'preview') return showPreview(offerId, match[3]);
    return showStatus(offerId);
  }
  nav.setAttribute('aria-current', 'page');
  return showOffers();
}

/** Who may create offers: a publisher (or Admin); in Azure the API decides. */
function showNewOffer() {
  const who = currentPerson();
  $('new-offer').hidden = Boolean(who) && !who.roles.some((r) => r === 'Publisher' || r === 'Admin');
}

/** "New offer" asks for the offer id, creates an empty draft (PUT) and opens it in the Editor. */
async function newOffer() {
  let created = null;
  await askInDialog({
    title: 'New offer',
    text: 'The offer id names the offer in every link and email; it cannot be changed later.',
    inputLabel: 'Offer id',
    hint: 'Lower-case letters, digits and hyphens, 3 to 50 characters, such as contoso-sales.',
    confirmText: 'Create',
    confirm: async (value) => {
      const id = value.toLowerCase();
      if (!OFFER_ID.test(id))
        throw new Error(
          'Use 3 to 50 lower-case letters, digits and hyphens, starting with a letter or digit.',
        );
      // PUT replaces a draft: never overwrite an offer that exists.
      if (await readOrNull(offerPath(id)))
        throw new Error(`An offer ${id} exists already: open it from All offers.`);
      await api('PUT', offerPath(id), {});
      created = id;
    },
  });
  if (created) window.location.hash = `#/offers/${created}/edit`;
}

function focusView() {
  // Focus moves to the new view's heading for screen readers; it is not a control, so it draws no outline.
  const heading = document.querySelector('#view h1');
  (heading || $('main')).focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

function start() {
  if (MODE === 'local') {
    const picker = $('sign-in-as');
    picker.value = currentIdentityKey();
    picker.addEventListener('change', () => {
      setIdentity(picker.value);
      // Another person starts from All offers unfiltered: a publisher has no review queue.
      resetOffersFilter();
      showNewOffer();
      route();
    });
    $('identity').hidden = false;
  }
  showNewOffer();
  $('nav-webhooks').hidden = !HAS_WEBHOOKS;
  $('new-offer').addEventListener('click', newOffer);
  // The skip link moves focus to the content; it is not a page to route to.
  document.querySelector('.skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    $('main').focus();
  });
  window.addEventListener('hashchange', async () => {
    if (window.location.hash && !window.location.hash.startsWith('#/')) return;
    await Promise.resolve(route()).catch(() => undefined);
    focusView();
  });
  route();
}

start();
