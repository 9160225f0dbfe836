import { ErrorDetail } from './errors';
import { Transition } from './states';
import { STEPS, StepId, stepIndex } from './steps';
import { SubmissionError } from './status';
import { supportLink } from './support';

/**
 * The emails of the publishing workflow: one per step transition to the publisher, a reminder
 * while sign-off waits, and an escalation to the review team when the review SLA passes.
 * Plain text only, each with the link to the offer's page in the portal; never a hidekey or any other secret.
 */
export interface MailText {
  subject: string;
  text: string;
}

export interface MailLinks {
  /** PUBLIC_BASE_URL: links are built from it. */
  publicBaseUrl: string;
  /** SUPPORT_URL: where a publisher gets help with a failure. */
  supportUrl: string;
}

export interface TransitionMailInput {
  offerId: string;
  /** The offer's display name when the snapshot has one. */
  offerName?: string;
  submissionId: string;
  step: StepId;
  transition: Transition;
  message?: string;
  error?: SubmissionError;
}

/**
 * The offer's page in the portal (api.md "Notifications read back"): what a person opens from an
 * email. The JSON API's status route would answer a browser with 401.
 */
export function portalLink(publicBaseUrl: string, offerId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/api/portal#/offers/${encodeURIComponent(offerId)}`;
}

function stepLabel(step: StepId): string {
  const index = stepIndex(step);
  return `step ${index + 1} of ${STEPS.length}, ${STEPS[index]?.title ?? step}`;
}

function offerLabel(offerId: string, offerName?: string): string {
  return offerName ? `${offerName} (${offerId})` : offerId;
}

const HEADLINE: Record<Transition, string> = {
  started: 'started',
  waiting: 'is waiting',
  succeeded: 'succeeded',
  skipped: 'was skipped',
  failed: 'failed',
  canceled: 'was canceled',
};

/**
 * A transition in one sentence ("Step 1 of 9, Validate Prerequisites, started."): the history's
 * message when the step recorded none, since api.md gives every history event a message.
 */
export function transitionSentence(step: StepId, transition: Transition): string {
  const label = stepLabel(step);
  return `${label.charAt(0).toUpperCase()}${label.slice(1)}, ${HEADLINE[transition]}.`;
}

/**
 * What happened, after the offer's name: "step 2 of 9, … succeeded", but the last step's
 * success says the offer is live ("Live succeeded" reads as a typo to a publisher).
 */
function headline(step: StepId, transition: Transition): { subject: string; sentence: string } {
  if (step === 'live' && transition === 'succeeded') {
    const index = stepIndex(step);
    return { subject: ` is live (step ${index + 1} of ${STEPS.length})`, sentence: ' is live' };
  }
  const told = `: ${stepLabel(step)} ${HEADLINE[transition]}`;
  return { subject: told, sentence: told };
}

/** One line of a change's email per transition it covers ("Step 3 of 9, Test Drive Validation, was skipped."). */
export interface ChangeMailInput {
  offerId: string;
  offerName?: string;
  submissionId: string;
  transitions: { step: StepId; transition: Transition; message?: string }[];
  error?: SubmissionError;
}

/**
 * The one email of a step change (design.md "one email per change"): named after where the
 * submission now stands (its last transition: a failure, a wait, the start of the next step, Live),
 * and listing every transition it covers, so the steps that passed or were skipped on the way are
 * said too.
 */
export function changeEmail(input: ChangeMailInput, links: MailLinks): MailText {
  const head = input.transitions[input.transitions.length - 1];
  if (!head) throw new Error('a step change has at least one transition');
  const mail = transitionEmail({ ...input, ...head }, links);
  // A change of one step (step 1 started and failed) needs no range: its subject names the step.
  if (new Set(input.transitions.map((t) => t.step)).size === 1) return mail;
  const [first, ...rest] = mail.text.split('\n');
  const covered = input.transitions.map((t) => `  - ${transitionSentence(t.step, t.transition)}`);
  return {
    // Live says its step already ("is live (step 9 of 9)"): the range would read twice.
    subject:
      head.step === 'live'
        ? mail.subject
        : `${mail.subject} (${stepsCovered(input.transitions.map((t) => t.step))})`,
    text: [first ?? '', '', 'This message covers:', ...covered, ...rest].join('\n'),
  };
}

/** "steps 4-6" or "step 5": the range of steps a change covers, for its subject. */
function stepsCovered(steps: StepId[]): string {
  const numbers = steps.map((s) => stepIndex(s) + 1);
  const low = Math.min(...numbers);
  const high = Math.max(...numbers);
  return low === high ? `step ${low}` : `steps ${low}-${high}`;
}

export function transitionEmail(input: TransitionMailInput, links: MailLinks): MailText {
  const offer = offerLabel(input.offerId, input.offerName);
  const told = headline(input.step, input.transition);
  const subject = `${offer}${told.subject}`;
  const lines = [
    `Submission ${input.submissionId} of offer ${offer}${told.sentence}.`,
    ...(input.message ? ['', input.message] : []),
    ...(input.transition === 'failed' ? failureLines(input, links) : []),
    ...(input.step === 'publisher-signoff' && input.transition === 'waiting'
      ? [
          '',
          // The preview's link carries its hidekey, a secret: the portal's Status tab shows it to
          // the owner after sign-in, so the email sends the publisher there.
          `Review the preview from the offer's Status tab: ${portalLink(links.publicBaseUrl, input.offerId)}`,
        ]
      : []),
    ...(input.transition === 'canceled'
      ? ['', 'The submission was canceled and the offer is back at step 1. Press Publish to submit again.']
      : []),
    '',
    `Open the offer in the portal: ${portalLink(links.publicBaseUrl, input.offerId)}`,
  ];
  return { subject, text: lines.join('\n') };
}

function failureLines(input: TransitionMailInput, links: MailLinks): string[] {
  const { error } = input;
  const help = supportLink(links.supportUrl, {
    offerId: input.offerId,
    submissionId: input.submissionId,
    step: error?.step ?? input.step,
    ...(error?.code ? { code: error.code } : {}),
  });
  return [
    '',
    `What went wrong: ${error?.message ?? 'the step failed.'}`,
    ...(error?.code ? [`Error code: ${error.code}`] : []),
    ...detailLines(error?.details ?? []),
    '',
    'Fix the problems above, then press Publish again: the submission restarts at step 1.',
    `Need help? Get help with this failure: ${help}`,
  ];
}

/** Enough details to act on; the status page has all of them. */
const MAX_DETAILS_IN_MAIL = 50;

function detailLines(details: ErrorDetail[]): string[] {
  if (details.length === 0) return [];
  const shown = details.slice(0, MAX_DETAILS_IN_MAIL).map((d) => `  - ${d.path}: ${d.message}`);
  const more = details.length - shown.length;
  return ['Details:', ...shown, ...(more > 0 ? [`  ... and ${more} more on the status page`] : [])];
}

export function signoffReminderEmail(
  input: { offerId: string; offerName?: string; submissionId: string; reminder: number },
  links: MailLinks,
): MailText {
  const offer = offerLabel(input.offerId, input.offerName);
  return {
    subject: `${offer}: ${stepLabel('publisher-signoff')} is waiting for your Go Live (reminder ${input.reminder})`,
    text: [
      `Submission ${input.submissionId} of offer ${offer} is waiting for your sign-off.`,
      'Review the preview, then press Go Live to send the offer to marketing and technical validation, or Cancel.',
      '',
      `Open the offer in the portal: ${portalLink(links.publicBaseUrl, input.offerId)}`,
    ].join('\n'),
  };
}

export function reviewEscalationEmail(
  input: {
    offerId: string;
    offerName?: string;
    submissionId: string;
    waitingSince: string;
    businessDays: number;
  },
  links: MailLinks,
): MailText {
  const offer = offerLabel(input.offerId, input.offerName);
  return {
    subject: `${offer}: ${stepLabel('marketing-technical-validation')} is overdue`,
    text: [
      `Submission ${input.submissionId} of offer ${offer} has waited for marketing and technical review since ${input.waitingSince}.`,
      `No decision of both reviewers arrived within ${input.businessDays} business days. Please review it now.`,
      '',
      `Open the offer in the portal: ${portalLink(links.publicBaseUrl, input.offerId)}`,
    ].join('\n'),
  };
}
