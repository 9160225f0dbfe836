/* global document, window, URL, URLSearchParams, createImageBitmap */
/*
 * The Editor (the seed's first tab): every offer field of api.md, storefront images uploaded and
 * shown as thumbnails, the package with upload progress and its report, "Save" (PUT the draft)
 * and "Publish" (the email dialog). Findings of POST .../check, and the details of a failed step
 * 1, 3 or 5, are shown beside the field they name.
 */
import { API, api, currentPerson, MODE, offerPath, readOrNull, reviewerOnly, upload } from './api.js';
import { $, el, clear, offerTabs, showView } from './dom.js';
import { showPageError } from './errors.js';
import { errorSentence, fieldMessage, submissionLine } from './words.js';
import { checkbox, field, listValue, showWarnings } from './forms.js';
import {
  packageReport,
  renderPackageReport,
  safeFileName,
  uploadPackageFile,
  waitForReport,
} from './package.js';
import { defaultEmail, publishWithDialog } from './publish.js';

/* Steps whose failure details name offer fields (design.md, "Warnings next to the field"). */
const FIELD_STEPS = ['validate-prerequisites', 'test-drive-validation', 'appsource-packaging'];
const MAX_SCREENSHOTS = 5;
/* Step 5's image rules (design.md), checked when a picture is chosen rather than at Publish. */
const IMAGE_RULES = {
  logo: { width: 216, height: 216, types: ['image/png'], words: 'a 216x216 PNG' },
  screenshots: {
    width: 1280,
    height: 720,
    types: ['image/png', 'image/jpeg'],
    words: 'a 1280x720 PNG or JPEG',
  },
};

let offerId = null;
let generation = 0;
/** Editor state the controls do not hold: image names, thumbnails, what was loaded, findings. */
let images = { logo: null, screenshots: [] };
let thumbnails = new Map();
let checkFindings = [];
let stepFindings = [];
/** Fields the last Save refused (kept out of the draft), and pictures refused when chosen. */
let refusedFindings = [];
let imageFindings = [];
/** Check findings are shown once asked for (Check, a failed step), not on a new, empty offer. */
let checkShown = false;
let loadedOffer = null;
let lastStatus = null;
let packageUploading = false;

export function stopEditor() {
  generation++;
  for (const url of thumbnails.values()) URL.revokeObjectURL(url);
  thumbnails = new Map();
}

const F = {};

function group(legend, hint, children) {
  return el('fieldset', { className: 'group' }, [
    el('legend', { text: legend }),
    hint ? el('p', { className: 'hint', text: hint }) : null,
    el('div', { className: 'fields' }, children),
  ]);
}

function imageField(key, labelText, path, multiple) {
  const list = el('ul', {
    className: 'thumbnails',
    id: `${key}-thumbnails`,
  });
  const progress = el('p', { className: 'muted', role: 'status', id: `${key}-upload-message` });
  const wrapper = field(labelText, path, {
    type: 'file',
    accept: 'image/png,image/jpeg',
    multiple,
    wide: true,
    hint: multiple
      ? `PNG or JPEG, 1280x720 pixels, up to ${MAX_SCREENSHOTS}. Each is uploaded when chosen.`
      : 'PNG, 216x216 pixels. Uploaded when chosen.',
    after: [progress, list],
  });
  wrapper.control.addEventListener('change', () => uploadImages(key, wrapper.control));
  F[key] = wrapper;
  return wrapper;
}

function layout(id) {
  F.name = field('Name', 'name', { hint: 'The listing title, at most 50 characters on the storefront.' });
  F.summary = field('Summary', 'summary', { kind: 'textarea', rows: 2, hint: 'At most 100 characters.' });
  F.description = field('Description', 'description', { kind: 'textarea', rows: 6, wide: true });
  F.categories = field('Categories', 'categories', {
    hint: 'Up to three, separated by commas, e.g. Sales, Finance.',
  });
  F.supportUrl = field('Support URL', 'supportUrl', { type: 'url', inputmode: 'url' });
  F.privacyPolicyUrl = field('Privacy policy URL', 'privacyPolicyUrl', { type: 'url', inputmode: 'url' });
  F.eulaUrl = field('EULA URL', 'eulaUrl', { type: 'url', inputmode: 'url' });
  F.appId = field('App id', 'app.id', { hint: 'The id of app.json, a GUID.' });
  F.appName = field('App name', 'app.name');
  F.appPublisher = field('App publisher', 'app.publisher');
  F.appVersion = field('App version', 'app.version', { hint: 'Four numbers, such as 1.2.0.0.' });
  F.testDrive = checkbox('Offer a Test Drive', 'testDrive');
  F.instanceUrl = field('Test Drive URL', 'testDrive.instanceUrl', { type: 'url', inputmode: 'url' });
  F.maxConcurrent = field('Concurrent Test Drives', 'testDrive.maxConcurrent', {
    type: 'number',
    inputmode: 'numeric',
  });
  F.durationHours = field('Test Drive length in hours', 'testDrive.durationHours', {
    type: 'number',
    inputmode: 'numeric',
  });
  F.userManualUrl = field('User manual URL', 'testDrive.userManualUrl', { type: 'url', inputmode: 'url' });
  F.leadType = field('Lead destination', 'leadDestination', {
    kind: 'select',
    options: [
      ['', 'None'],
      ['azureTable', 'Azure table'],
      ['https', 'HTTPS endpoint'],
    ],
  });
  const secretHint = 'Write-only: a stored secret is never shown, only ***. Leave *** to keep it.';
  F.connectionString = field('Connection string', 'leadDestination.connectionString', {
    type: 'password',
    hint: secretHint,
    wide: true,
  });
  F.tableName = field('Table name', 'leadDestination.tableName');
  F.leadUrl = field('Endpoint URL', 'leadDestination.url', { type: 'url', inputmode: 'url' });
  F.leadSecret = field('Signing secret', 'leadDestination.secret', { type: 'password', hint: secretHint });
  F.affixes = field('Mandatory affixes', 'mandatoryAffixes', {
    hint: 'As in AppSourceCop.json: 2-8 characters each, separated by commas. Leave empty for none.',
  });
  F.leadType.control.addEventListener('change', showLeadFields);
  const fromPackage = el('button', {
    type: 'button',
    id: 'app-from-package',
    className: 'secondary',
    hidden: true,
    text: 'Copy from the package',
    onclick: copyFromPackage,
  });

  const form = el('form', { id: 'editor-form', novalidate: true }, [
    group('Listing', null, [
      F.name,
      F.summary,
      F.description,
      F.categories,
      F.supportUrl,
      F.privacyPolicyUrl,
      F.eulaUrl,
    ]),
    group('App identity', 'As in the package’s app.json: the automated validation compares them.', [
      F.appId,
      F.appName,
      F.appPublisher,
      F.appVersion,
      el('div', { className: 'field wide' }, [fromPackage]),
    ]),
    group('Storefront images', null, [
      imageField('logo', 'Logo', 'storefront.logo', false),
      imageField('screenshots', 'Screenshots', 'storefront.screenshots', true),
    ]),
    group('Test Drive', null, [
      F.testDrive,
      F.instanceUrl,
      F.maxConcurrent,
      F.durationHours,
      F.userManualUrl,
    ]),
    group('Lead destination', 'Where the leads of the listing go; step 4 sends a test lead there.', [
      F.leadType,
      F.connectionString,
      F.tableName,
      F.leadUrl,
      F.leadSecret,
    ]),
    group('Package rules', null, [F.affixes]),
    el('div', { className: 'action-bar' }, [
      el('button', { type: 'submit', id: 'save', text: 'Save' }),
      el('button', {
        type: 'button',
        id: 'check',
        className: 'secondary',
        text: 'Check',
        onclick: runCheckNow,
      }),
      el('button', { type: 'button', id: 'publish', text: 'Publish', onclick: publish }),
      el('p', { id: 'editor-message', role: 'status', className: 'muted' }),
    ]),
  ]);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    save(true).catch(() => undefined);
  });

  F.package = field('Package', 'package', {
    type: 'file',
    accept: '.app,.zip',
    id: 'package-file',
    wide: true,
    hint: 'The .app, or a .zip with app.json.',
  });
  // Local mode: a newcomer without an .app of their own gets the sample `npm run sample` writes.
  const sample =
    MODE === 'local'
      ? el('p', { id: 'sample-package', className: 'hint' }, [
          'No .app of your own yet? ',
          el('a', {
            id: 'sample-package-link',
            href: `${API}/sample-package`,
            download: '',
            text: 'Download a sample package',
            onclick: (event) => (event.currentTarget.href = sampleHref()),
          }),
          ', upload it here, then press “Copy from the package”.',
        ])
      : null;
  const packageForm = el('form', { id: 'package-form', className: 'stack', novalidate: true }, [
    F.package,
    sample,
    el('div', { className: 'buttons' }, [
      el('button', { type: 'submit', id: 'package-upload', text: 'Upload package' }),
    ]),
    el('progress', {
      id: 'package-progress',
      max: '1',
      value: '0',
      hidden: true,
      'aria-label': 'Package upload',
    }),
    el('p', { id: 'package-message', role: 'status', className: 'muted' }),
  ]);
  packageForm.addEventListener('submit', (event) => {
    event.preventDefault();
    uploadPackage();
  });

  return el('section', { id: 'editor-view', 'aria-labelledby': 'editor-heading' }, [
    el('p', { className: 'back' }, [el('a', { href: '#/offers', text: '← All offers' })]),
    el('h1', { id: 'editor-heading', tabindex: '-1', text: id }),
    el('p', { className: 'muted offer-id' }, ['Offer id ', el('span', { id: 'editor-offer-id', text: id })]),
    offerTabs(id, 'edit', reviewerOnly()),
    el('p', { id: 'editor-readonly', className: 'note', hidden: true }, [
      'You are reviewing this offer: it is shown read-only. Decide on the ',
      el('a', { href: `#/offers/${id}`, text: 'Status tab' }),
      '.',
    ]),
    el('p', { id: 'editor-submission', className: 'muted', role: 'status' }),
    el('div', { id: 'editor-warnings', className: 'warning-summary', tabindex: '-1', hidden: true }),
    form,
    el('section', { id: 'package-panel', className: 'panel' }, [
      el('h2', { id: 'package-heading', text: 'Package' }),
      packageForm,
      el('div', { id: 'package-report', 'aria-live': 'polite' }),
    ]),
  ]);
}

function showLeadFields() {
  const type = F.leadType.control.value;
  F.connectionString.hidden = type !== 'azureTable';
  F.tableName.hidden = type !== 'azureTable';
  F.leadUrl.hidden = type !== 'https';
  F.leadSecret.hidden = type !== 'https';
}

function set(wrapper, value) {
  wrapper.control.value = value === undefined || value === null ? '' : String(value);
}

function fill(offer) {
  loadedOffer = offer;
  set(F.name, offer.name);
  set(F.summary, offer.summary);
  set(F.description, offer.description);
  set(F.categories, (offer.categories || []).join(', '));
  set(F.supportUrl, offer.supportUrl);
  set(F.privacyPolicyUrl, offer.privacyPolicyUrl);
  set(F.eulaUrl, offer.eulaUrl);
  const app = offer.app || {};
  set(F.appId, app.id);
  set(F.appName, app.name);
  set(F.appPublisher, app.publisher);
  set(F.appVersion, app.version);
  const td = offer.testDrive || {};
  F.testDrive.control.checked = Boolean(td.enabled);
  set(F.instanceUrl, td.instanceUrl);
  set(F.maxConcurrent, td.maxConcurrent);
  set(F.durationHours, td.durationHours);
  set(F.userManualUrl, td.userManualUrl);
  const lead = offer.leadDestination || {};
  set(F.leadType, lead.type || '');
  set(F.connectionString, lead.connectionString);
  set(F.tableName, lead.tableName);
  set(F.leadUrl, lead.url);
  set(F.leadSecret, lead.secret);
  set(F.affixes, (offer.mandatoryAffixes || []).join(', '));
  images = {
    logo: (offer.storefront && offer.storefront.logo) || null,
    screenshots: ((offer.storefront && offer.storefront.screenshots) || []).slice(),
  };
  showLeadFields();
  renderThumbnails();
}

function text(wrapper) {
  const value = wrapper.control.value.trim();
  return value === '' ? undefined : value;
}

function number(wrapper) {
  const value = text(wrapper);
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
}

/** Drops the undefined members, and the object itself when nothing is left. */
function compact(object) {
  const out = {};
  for (const [k, v] of Object.entries(object)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The draft as the controls hold it: only what is filled in (a draft may be incomplete). */
function collect() {
  const categories = listValue(F.categories.control.value);
  const affixes = listValue(F.affixes.control.value);
  const leadType = F.leadType.control.value;
  let leadDestination;
  if (leadType === 'azureTable')
    leadDestination = {
      type: 'azureTable',
      connectionString: text(F.connectionString),
      tableName: text(F.tableName),
    };
  else if (leadType === 'https')
    leadDestination = { type: 'https', url: text(F.leadUrl), secret: text(F.leadSecret) };
  const testDriveFields = compact({
    instanceUrl: text(F.instanceUrl),
    maxConcurrent: number(F.maxConcurrent),
    durationHours: number(F.durationHours),
    userManualUrl: text(F.userManualUrl),
  });
  const testDrive =
    F.testDrive.control.checked || testDriveFields
      ? { enabled: F.testDrive.control.checked, ...(testDriveFields || {}) }
      : undefined;
  return (
    compact({
      name: text(F.name),
      summary: text(F.summary),
      description: text(F.description),
      categories: categories.length > 0 ? categories : undefined,
      supportUrl: text(F.supportUrl),
      privacyPolicyUrl: text(F.privacyPolicyUrl),
      eulaUrl: text(F.eulaUrl),
      app: compact({
        id: text(F.appId),
        name: text(F.appName),
        publisher: text(F.appPublisher),
        version: text(F.appVersion),
      }),
      storefront: compact({
        logo: images.logo || undefined,
        screenshots: images.screenshots.length > 0 ? images.screenshots.slice() : undefined,
      }),
      testDrive,
      leadDestination: leadDestination ? compact(leadDestination) : undefined,
      mandatoryAffixes: affixes.length > 0 ? affixes : undefined,
      // Not edited here (the Publish dialog sets it): kept as stored, since a PUT replaces the draft.
      notificationEmail: (loadedOffer && loadedOffer.notificationEmail) || undefined,
    }) || {}
  );
}

/* ---------- warnings ---------- */

function redrawWarnings() {
  const seen = new Set();
  const all = [];
  const shownChecks = checkShown ? checkFindings : [];
  for (const f of [...refusedFindings, ...imageFindings, ...stepFindings, ...shownChecks]) {
    const key = `${f.path}\u0000${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    all.push(f);
  }
  showWarnings($('editor-view'), $('editor-warnings'), all);
}

/** POST .../check: findings without publishing. A route this API does not have yet shows nothing. */
async function runCheck() {
  const id = offerId;
  try {
    const body = await api('POST', offerPath(id, '/check'));
    if (id !== offerId) return;
    checkFindings = (body && Array.isArray(body.findings) ? body.findings : []).map((f) => ({
      path: f.path,
      message: f.message,
      severity: f.severity,
    }));
  } catch {
    checkFindings = [];
  }
  redrawWarnings();
}

async function runCheckNow() {
  say('Checking…');
  checkShown = true;
  await runCheck();
  const count = $('editor-warnings').hidden ? 0 : $('editor-warnings').querySelectorAll('li').length;
  say(
    count === 0
      ? 'Check: nothing to fix. Press Publish when you are ready.'
      : `Check: ${count} thing${count === 1 ? '' : 's'} to fix before Publish, listed at the top and beside each field.`,
  );
  if (count > 0) $('editor-warnings').focus();
}

/** The failed step's details, when the current submission failed at step 1, 3 or 5. */
function stepFindingsOf(status) {
  const error = status && status.state === 'Failed' ? status.error : null;
  if (!error || !FIELD_STEPS.includes(error.step)) return [];
  return (Array.isArray(error.details) ? error.details : []).map((d) => ({
    path: d.path,
    message: d.message,
  }));
}

function say(message) {
  const node = $('editor-message');
  if (node) node.textContent = message;
}

/** One line on the submission, linking to the Status tab. */
function renderSubmission(status) {
  const line = $('editor-submission');
  clear(line);
  if (!status || !status.submissionId) return;
  line.append(
    `${submissionLine(status)} `,
    el('a', { href: `#/offers/${offerId}`, text: 'See the Status tab' }),
  );
}

/** Who may change the offer: a publisher or Admin; a reviewer reads it (in Azure, a reviewer is who may review). */
function editable(status) {
  const who = currentPerson();
  if (who) return who.roles.some((r) => r === 'Publisher' || r === 'Admin');
  return !(status && Array.isArray(status.actions) && status.actions.includes('review'));
}

/* ---------- save and publish ---------- */

const LIST_AT = /\[\d+\].*$/;

/** The top-level part of the draft a refused path belongs to: `testDrive` for `testDrive.durationHours`. */
function refusedKey(path) {
  const parts = String(path || '')
    .replace(LIST_AT, '')
    .split('.')
    .filter(Boolean);
  if (parts.length === 0 || parts[0].startsWith('(')) return null;
  if (parts[0] === 'testDrive' || parts[0] === 'leadDestination') return [parts[0]];
  return parts;
}

/** The draft with each refused field back at its stored value, so the rest can be saved. */
function withoutRefused(draft, details) {
  const out = JSON.parse(JSON.stringify(draft));
  for (const d of details) {
    const parts = refusedKey(d.path);
    if (!parts) return null;
    let target = out;
    let stored = loadedOffer || {};
    for (const part of parts.slice(0, -1)) {
      if (typeof target[part] !== 'object' || target[part] === null) target[part] = {};
      target = target[part];
      stored = stored && typeof stored === 'object' ? stored[part] : undefined;
    }
    const last = parts[parts.length - 1];
    const before = stored && typeof stored === 'object' ? stored[last] : undefined;
    if (before === undefined) delete target[last];
    else target[last] = before;
  }
  return out;
}

/**
 * PUT the draft. A field the API refuses does not lose the others: the draft is saved with that
 * field as it was stored, and the refusal is shown beside it. Throws when nothing could be saved.
 */
async function save(announce) {
  const saveButton = $('save');
  saveButton.disabled = true;
  say('Saving…');
  const draft = collect();
  let refused = [];
  try {
    let stored;
    try {
      stored = await api('PUT', offerPath(offerId), draft);
    } catch (error) {
      const details = error.status === 400 ? error.details || [] : [];
      const rest = details.length > 0 ? withoutRefused(draft, details) : null;
      if (!rest) throw error;
      refused = details;
      stored = await api('PUT', offerPath(offerId), rest);
    }
    loadedOffer = stored || loadedOffer;
    if (loadedOffer) showOfferName(loadedOffer);
    showPageError(null);
    refusedFindings = refused.map((d) => ({
      path: d.path,
      message: `Not saved: ${fieldMessage(d.path, d.message)}`,
    }));
    stepFindings = stepFindingsOf(lastStatus);
    // What the upload lines asked for is done now.
    for (const key of ['logo', 'screenshots'])
      if ($(`${key}-upload-message`)) $(`${key}-upload-message`).textContent = '';
    const n = refused.length;
    if (n > 0)
      say(
        `Saved, except ${n} field${n === 1 ? '' : 's'}: fix ${n === 1 ? 'it' : 'them'} where marked and press Save again.`,
      );
    else if (announce) say(`Saved at ${new Date().toLocaleTimeString()}.`);
    else say('Saved.');
    if (checkShown) await runCheck();
    else redrawWarnings();
    if (n > 0) $('editor-warnings').focus();
    return { stored, refused };
  } catch (error) {
    const details = error.details || [];
    if (details.length > 0) {
      refusedFindings = details.map((d) => ({
        path: d.path,
        message: `Not saved: ${fieldMessage(d.path, d.message)}`,
      }));
      redrawWarnings();
      say('Not saved: fix the fields marked below and press Save again.');
      $('editor-warnings').focus();
    } else say(`Not saved: ${errorSentence(error, 'the offer could not be stored; try again in a moment.')}`);
    throw error;
  } finally {
    saveButton.disabled = false;
  }
}

async function publish() {
  const id = offerId;
  const accepted = await publishWithDialog(id, {
    email: defaultEmail(loadedOffer, lastStatus),
    title: (loadedOffer && loadedOffer.name) || id,
    beforePublish: async () => {
      const { refused } = await save(false);
      if (refused.length > 0)
        throw new Error('Some fields were not saved: close this, fix them where marked, then publish.');
    },
  });
  if (!accepted || id !== offerId) return;
  // The Status tab follows the submission; a failure's details come back here beside their fields.
  window.location.hash = `#/offers/${id}`;
}

/* ---------- images ---------- */

function renderThumbnails() {
  const draw = (key, names, removable) => {
    const list = $(`${key}-thumbnails`);
    if (!list) return;
    clear(list);
    names.forEach((name, index) => {
      const url = thumbnails.get(name);
      const alt = key === 'logo' ? `Logo ${name}` : `Screenshot ${index + 1}, ${name}`;
      list.append(
        el('li', { className: 'thumbnail' }, [
          url
            ? el('img', { src: url, alt, width: key === 'logo' ? 72 : 128, height: 72 })
            : // Stored images cannot be read back through the API: the name stands for the picture.
              el('span', { className: 'placeholder', 'aria-hidden': 'true', text: 'uploaded' }),
          el('span', { className: 'thumb-name', text: name }),
          removable
            ? el('button', {
                type: 'button',
                className: 'secondary small',
                text: `Remove screenshot ${index + 1}`,
                onclick: () => {
                  images.screenshots.splice(index, 1);
                  renderThumbnails();
                  say('Screenshot removed: press Save to keep the change.');
                },
              })
            : null,
        ]),
      );
    });
  };
  draw('logo', images.logo ? [images.logo] : [], false);
  draw('screenshots', images.screenshots, true);
}

/** Uploads the chosen images (PUT .../artifacts/{name}) and names them in the draft. */
async function uploadImages(key, input) {
  const files = Array.from(input.files || []);
  if (files.length === 0) return;
  const message = $(`${key}-upload-message`);
  const room = key === 'logo' ? 1 : MAX_SCREENSHOTS - images.screenshots.length;
  const chosen = files.slice(0, Math.max(0, room));
  const failures = [];
  const path = key === 'logo' ? 'storefront.logo' : 'storefront.screenshots';
  imageFindings = imageFindings.filter((f) => f.path !== path);
  let uploaded = 0;
  for (const [index, file] of chosen.entries()) {
    const name = safeFileName(file.name, `${key}-${index + 1}.png`);
    const wrong = await imageProblem(key, file);
    if (wrong) {
      imageFindings.push({ path, message: `${name} was not uploaded: ${wrong}` });
      failures.push(name);
      continue;
    }
    message.textContent = `Uploading ${name}…`;
    try {
      await upload(
        offerPath(offerId, `/artifacts/${encodeURIComponent(name)}`),
        file,
        { 'content-type': file.type || 'application/octet-stream' },
        (fraction) => (message.textContent = `Uploading ${name}: ${Math.round(fraction * 100)}%`),
        true,
      );
      const previous = thumbnails.get(name);
      if (previous) URL.revokeObjectURL(previous);
      thumbnails.set(name, URL.createObjectURL(file));
      if (key === 'logo') images.logo = name;
      else if (!images.screenshots.includes(name)) images.screenshots.push(name);
      uploaded++;
    } catch (error) {
      imageFindings.push({
        path,
        message: `${name} was not uploaded: ${errorSentence(error, 'try again in a moment.')}`,
      });
      failures.push(name);
    }
  }
  input.value = '';
  renderThumbnails();
  redrawWarnings();
  const skipped = files.length - chosen.length;
  const parts = [];
  if (uploaded > 0)
    parts.push(`Uploaded ${uploaded}: press Save to keep ${uploaded === 1 ? 'it' : 'them'} in the draft.`);
  if (failures.length > 0)
    parts.push(
      `${failures.length} not uploaded: see the note beside ${key === 'logo' ? 'Logo' : 'Screenshots'}.`,
    );
  if (skipped > 0) parts.push(`${skipped} not uploaded: at most ${MAX_SCREENSHOTS} screenshots.`);
  message.textContent = parts.join(' ');
}

/** Why a chosen picture breaks step 5's rule (type, pixel size), or null when it fits. */
async function imageProblem(key, file) {
  const rule = IMAGE_RULES[key];
  const what = key === 'logo' ? 'the logo' : 'each screenshot';
  if (file.type && !rule.types.includes(file.type))
    return `${what} must be ${rule.words}. Choose another picture.`;
  let size;
  try {
    const bitmap = await createImageBitmap(file);
    size = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
  } catch {
    return `it is not a picture this page can read; ${what} must be ${rule.words}.`;
  }
  if (size.width !== rule.width || size.height !== rule.height)
    return `it is ${size.width}x${size.height} pixels, and ${what} must be ${rule.width}x${rule.height}. Choose another picture.`;
  return null;
}

/** The sample .app for this offer's app identity as the Editor holds it (a fresh app id when none). */
function sampleHref() {
  const params = new URLSearchParams();
  const given = {
    appId: text(F.appId),
    name: text(F.appName),
    publisher: text(F.appPublisher),
    version: text(F.appVersion),
  };
  if (given.appId && /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(given.appId))
    params.set('appId', given.appId);
  if (given.name) params.set('name', given.name);
  if (given.publisher) params.set('publisher', given.publisher);
  if (given.version && /^\d+\.\d+\.\d+\.\d+$/.test(given.version)) params.set('version', given.version);
  const query = params.toString();
  return `${API}/sample-package${query ? `?${query}` : ''}`;
}

/* ---------- package ---------- */

let lastReport = null;

function showReport(report) {
  lastReport = report;
  renderPackageReport($('package-report'), report);
  const manifest = report && report.manifest;
  $('app-from-package').hidden = !(manifest && (manifest.id || manifest.name));
}

/** Fills the app identity from the package's manifest (app.json), which step 2 compares it with. */
function copyFromPackage() {
  const manifest = (lastReport && lastReport.manifest) || {};
  set(F.appId, manifest.id);
  set(F.appName, manifest.name);
  set(F.appPublisher, manifest.publisher);
  set(F.appVersion, manifest.version);
  say('App identity copied from the package: press Save to keep it.');
}

async function uploadPackage() {
  const input = $('package-file');
  const file = input.files && input.files[0];
  const message = $('package-message');
  const progress = $('package-progress');
  if (!file) {
    message.textContent = 'Choose the .app or .zip to upload.';
    input.focus();
    return;
  }
  const id = offerId;
  const button = $('package-upload');
  button.disabled = true;
  packageUploading = true;
  progress.hidden = false;
  progress.value = 0;
  try {
    message.textContent = `Uploading ${file.name}…`;
    const blobName = await uploadPackageFile(id, file, (fraction) => {
      progress.value = fraction;
      message.textContent = `Uploading ${file.name}: ${Math.round(fraction * 100)}%`;
    });
    progress.value = 1;
    message.textContent = `Uploaded ${file.name}. Validating…`;
    const report = await waitForReport(id, blobName, () => id === offerId);
    if (id !== offerId) return;
    if (report) {
      showReport(report);
      message.textContent =
        report.state === 'Passed'
          ? `${file.name} passed the validation.`
          : `${file.name} did not pass the validation: see the findings below.`;
      if (checkShown) await runCheck();
    } else
      message.textContent = `Uploaded ${file.name}; the validation is still running. Open the Editor again later to see its report.`;
    input.value = '';
  } catch (error) {
    message.textContent = `Not uploaded: ${errorSentence(error, 'try again in a moment.')}`;
  } finally {
    packageUploading = false;
    progress.hidden = true;
    button.disabled = false;
  }
}

/* ---------- the view ---------- */

export async function showEditor(id) {
  stopEditor();
  offerId = id;
  lastStatus = null;
  loadedOffer = null;
  checkFindings = [];
  stepFindings = [];
  refusedFindings = [];
  imageFindings = [];
  checkShown = false;
  lastReport = null;
  images = { logo: null, screenshots: [] };
  const mine = generation;
  delete document.documentElement.dataset.editorOffer;
  showView(`Editor: ${id}`, layout(id));
  let offer;
  try {
    offer = await readOrNull(offerPath(id));
  } catch (error) {
    if (mine === generation) showPageError(error);
    return;
  }
  if (mine !== generation) return;
  if (!offer) {
    showPageError(new Error(`There is no offer ${id}. Press New offer to create it.`));
    $('editor-form').hidden = true;
    $('package-panel').hidden = true;
    return;
  }
  fill(offer);
  showOfferName(offer);
  const [status, report] = await Promise.all([
    api('GET', offerPath(id, '/status')).catch(() => null),
    packageUploading ? Promise.resolve(undefined) : packageReport(id),
  ]);
  if (mine !== generation) return;
  lastStatus = status;
  renderSubmission(status);
  if (report !== undefined) showReport(report);
  if (!editable(status)) showReadOnly();
  stepFindings = stepFindingsOf(status);
  // A new, empty offer is not a list of faults: the findings wait for Check, or for a submission.
  checkShown = Boolean(status && status.submissionId);
  if (checkShown) await runCheck();
  else {
    redrawWarnings();
    say('Fill in the offer and upload the package; Check lists what is still missing before Publish.');
  }
  if (mine === generation) document.documentElement.dataset.editorOffer = id;
}

/** The offer's name heads the page; the id stays beside it. */
function showOfferName(offer) {
  const name = typeof offer.name === 'string' && offer.name.trim() ? offer.name.trim() : null;
  $('editor-heading').textContent = name || `New offer ${offerId}`;
  document.title = `${name || offerId} · Editor · Offer publishing`;
}

/** A reviewer reads the offer: every control disabled, no Save, Check, Publish or upload. */
function showReadOnly() {
  const view = $('editor-view');
  for (const set of view.querySelectorAll('fieldset.group')) set.disabled = true;
  for (const id of ['package-form', 'app-from-package']) if ($(id)) $(id).hidden = true;
  const bar = view.querySelector('.action-bar');
  if (bar) bar.hidden = true;
  $('editor-readonly').hidden = false;
}
