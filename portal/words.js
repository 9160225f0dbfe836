/* global URL */
/*
 * Words for people (design.md, "Words for people"): what the API says for a program (a route, a
 * schema library's sentence, a state name) turned into what to do in the portal. Every message a
 * view shows about a field goes through fieldMessage(); every link in an email through linkify().
 */
import { el, STEP_ORDER, STEP_TITLES } from './dom.js';

/** Field names as the Editor labels them, for paths the API names. */
const FIELD_NAMES = {
  name: 'Name',
  summary: 'Summary',
  description: 'Description',
  categories: 'Categories',
  supportUrl: 'Support URL',
  privacyPolicyUrl: 'Privacy policy URL',
  eulaUrl: 'EULA URL',
  'app.id': 'App id',
  'app.name': 'App name',
  'app.publisher': 'App publisher',
  'app.version': 'App version',
  'storefront.logo': 'Logo',
  'storefront.screenshots': 'Screenshots',
  'testDrive.instanceUrl': 'Test Drive URL',
  'testDrive.maxConcurrent': 'Concurrent Test Drives',
  'testDrive.durationHours': 'Test Drive length in hours',
  'testDrive.userManualUrl': 'User manual URL',
  leadDestination: 'Lead destination',
  'leadDestination.connectionString': 'Connection string',
  'leadDestination.tableName': 'Table name',
  'leadDestination.url': 'Endpoint URL',
  'leadDestination.secret': 'Signing secret',
  mandatoryAffixes: 'Mandatory affixes',
  notificationEmail: 'Notification email',
  package: 'Package',
};

/** What each field holds, for the sentences that need a noun ("at most 3 categories"). */
const ITEM_NOUNS = {
  categories: 'categories',
  'storefront.screenshots': 'screenshots',
  mandatoryAffixes: 'affixes',
};

/** The field a path names, as the Editor labels it: `storefront.screenshots[1]` → "Screenshots". */
export function fieldName(path) {
  const plain = String(path || '').replace(/\[\d+\]/g, '');
  if (FIELD_NAMES[plain]) return FIELD_NAMES[plain];
  if (plain.startsWith('package')) return 'Package';
  const parts = plain.split('.');
  for (let n = parts.length - 1; n > 0; n--) {
    const name = FIELD_NAMES[parts.slice(0, n).join('.')];
    if (name) return name;
  }
  return 'Offer';
}

const sentence = (text) => {
  const t = String(text || '').trim();
  if (!t) return t;
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
};

/**
 * A field-level message (a check finding, a step's detail, a refused field of a 400) in the
 * portal's words: what to do, beside the field. Known API and schema phrasings are rewritten;
 * anything else keeps its words, with routes and braces taken out.
 */
export function fieldMessage(path, message) {
  const plain = String(path || '').replace(/\[\d+\]/g, '');
  const text = String(message || '').trim();
  const nouns = ITEM_NOUNS[plain] || 'entries';
  let m;
  if (/no package was uploaded/i.test(text))
    return 'No package yet: choose your .app under Package and press Upload package.';
  if ((m = /no artifact '([^']+)' was uploaded/i.exec(text)))
    return `The image ${m[1]} is not uploaded: choose it again under ${fieldName(path)}.`;
  if ((m = /Too big: expected array to have <=?\s*(\d+) items?/i.exec(text)))
    return `Choose at most ${m[1]} ${nouns}.`;
  if ((m = /Too small: expected array to have >=?\s*(\d+) items?/i.exec(text)))
    return `Give at least ${m[1]} ${nouns}.`;
  if ((m = /Too big: expected string to have <=?\s*(\d+) characters?/i.exec(text)))
    return `Use at most ${m[1]} characters.`;
  if ((m = /Too small: expected string to have >=?\s*(\d+) characters?/i.exec(text)))
    return Number(m[1]) <= 1 ? 'Fill this in, or leave it empty.' : `Use at least ${m[1]} characters.`;
  if ((m = /Too big: expected number to be <=?\s*(\d+)/i.exec(text))) return `Use a number up to ${m[1]}.`;
  if ((m = /Too small: expected number to be >=?\s*(\d+)/i.exec(text)))
    return `Use a number from ${m[1]} up.`;
  if (/expected int/i.test(text)) return 'Use a whole number.';
  if (/Invalid (URL|url)/.test(text) || /must be an absolute https URL/i.test(text))
    return 'Enter a full web address that starts with https://.';
  if (/Invalid email|email address/i.test(text)) return 'Enter an email address, such as ann@contoso.com.';
  if (/expected string, received/i.test(text)) return 'Enter text here.';
  if (/expected number, received/i.test(text)) return 'Enter a number here.';
  if (/unknown field/i.test(text)) return 'The portal does not know this setting: leave it empty.';
  if (/^is required/i.test(text)) return 'Required to publish: fill it in.';
  if (/must be a GUID/i.test(text))
    return 'Use the id of app.json, a GUID such as 8b1c4e0a-3f5d-4c1e-9a77-2f0d5b6c7e11.';
  if (/Invalid (string|input)/i.test(text))
    return `Check ${fieldName(path)}: it is not in the expected form.`;
  // Anything else: the API's sentence, without routes or braces.
  const cleaned = text
    .replace(/;?\s*(upload it )?with (GET|PUT|POST|PATCH|DELETE) \/api\/\S+/gi, '')
    .replace(/(GET|PUT|POST|PATCH|DELETE) \/api\/\S+/gi, 'the portal')
    .replace(/[{}]/g, '')
    .replace(/\b(null|undefined)\b/g, 'none');
  return sentence(cleaned) || `Check ${fieldName(path)}.`;
}

/** An error's sentence without the "see details" the API adds for a program. */
export function errorSentence(error, fallback) {
  const text = String((error && error.message) || '').trim();
  if (!text || /see details/i.test(text) || /\/api\//.test(text) || /HTTP \d+/.test(text))
    return fallback || 'That did not work: try again in a moment.';
  return fieldMessage('', text);
}

/** The notification status of an email, in words. */
export function emailStatus(status) {
  return (
    {
      Queued: 'Being sent',
      Sent: 'Sent',
      Failed: 'Not delivered',
      OutboxOnly: 'In the outbox',
    }[status] || 'Recorded'
  );
}

/** A history or email transition, in words. */
export function transitionWord(transition) {
  return (
    {
      started: 'Started',
      waiting: 'Waiting',
      succeeded: 'Succeeded',
      skipped: 'Skipped',
      failed: 'Failed',
      canceled: 'Canceled',
      reminder: 'Reminder',
      escalation: 'Escalation',
      question: 'Question',
      answer: 'Answer',
      live: 'Live',
      decided: 'Decision',
    }[transition] || (transition ? sentence(String(transition).replace(/[-_]/g, ' ')).replace(/\.$/, '') : '')
  );
}

const URL_IN_TEXT = /https?:\/\/[^\s<>"')\]]+/g;

/** Text with its web addresses as links (emails in the portal), everything else as text. */
export function linkify(text) {
  const out = [];
  const source = String(text || '');
  let at = 0;
  for (const match of source.matchAll(URL_IN_TEXT)) {
    const href = match[0].replace(/[.,;:]+$/, '');
    if (match.index > at) out.push(source.slice(at, match.index));
    let safe = null;
    try {
      const url = new URL(href);
      if (url.protocol === 'https:' || url.protocol === 'http:') safe = url.href;
    } catch {
      safe = null;
    }
    out.push(safe ? el('a', { href: safe, text: href, rel: 'noopener noreferrer' }) : href);
    at = match.index + href.length;
  }
  if (at < source.length) out.push(source.slice(at));
  return out;
}

/**
 * The "Get help" link: SUPPORT_URL with the offer, submission, step and error code as query
 * parameters, named as shared/domain/support.ts names them (offer, submission, step, error).
 */
export function supportHref(supportUrl, { offerId, submissionId, step, code }) {
  const url = new URL(supportUrl);
  const params = [
    ['offer', offerId],
    ['submission', submissionId],
    ['step', step],
    ['error', code],
  ];
  for (const [name, value] of params) if (value) url.searchParams.set(name, String(value));
  return url.toString();
}

/** Where a submission is, in a sentence for the publisher: "Submission 2 is waiting for your Go Live." */
export function submissionLine(status) {
  const n = status.submissionId ? `Submission ${status.submissionId}` : 'The submission';
  const at = STEP_ORDER.indexOf(status.currentStep);
  const step = at >= 0 ? `step ${at + 1} of ${STEP_ORDER.length}, ${STEP_TITLES[status.currentStep]}` : '';
  switch (status.state) {
    case 'Failed': {
      const where = status.error && STEP_TITLES[status.error.step];
      return `${n} failed${where ? ` at ${where}` : ''}.`;
    }
    case 'Running':
      return `${n} is running${step ? `: ${step}` : ''}.`;
    case 'WaitingForPublisher':
      return `${n} is waiting for your Go Live.`;
    case 'WaitingForReview':
      return `${n} is with the marketplace's reviewers.`;
    case 'Canceled':
      return `${n} was canceled.`;
    case 'Live':
      return `${n} is live.`;
    default:
      return `${n} has not started.`;
  }
}
