/* global document, window */
/*
 * The portal's entry module: the router, the "Sign in as" picker (local mode) and "New offer".
 * Views, each in its own module:
 *   #/offers                          All offers          (offers-view.js)
 *   #/offers/{offerId}                Status              (status-view.js)
 *   #/offers/{offerId}/edit           Editor              (editor-view.js)
 *   #/offers/{offerId}/preview?hidekey=K   Preview        (preview-view.js)
 * Emails link to #/offers/{offerId} (api.md, "Notifications read back").
 */
import {
  api,
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
import { showOffers } from './offers-view.js';
import { showPreview, stopPreview } from './preview-view.js';
import { showStatus, stopStatus } from './status-view.js';

const ROUTE = /^#\/offers\/([^/?]+)(?:\/(edit|preview))?(?:\?(.*))?$/;

function route() {
  stopStatus();
  stopEditor();
  stopPreview();
  showPageError(null);
  delete document.documentElement.dataset.statusOffer;
  const match = ROUTE.exec(window.location.hash);
  const offerId = match ? decodeURIComponent(match[1]) : null;
  const nav = $('nav-offers');
  if (offerId && OFFER_ID.test(offerId)) {
    nav.removeAttribute('aria-current');
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
        throw new Error(`An offer '${id}' exists already: open it from All offers.`);
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
      showNewOffer();
      route();
    });
    $('identity').hidden = false;
  }
  showNewOffer();
  $('new-offer').addEventListener('click', newOffer);
  window.addEventListener('hashchange', async () => {
    await Promise.resolve(route()).catch(() => undefined);
    focusView();
  });
  route();
}

start();
