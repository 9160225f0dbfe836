/*
 * Publish, from the Editor or the Status tab: a dialog asks for the notification email (the seed's
 * pop-up), pre-filled with the offer's notificationEmail, else the last one used, else the
 * signed-in name when it is an email; then POST .../publish. The Editor saves the draft first, so
 * what is published is what the publisher sees.
 */
import { api, currentPerson, offerPath } from './api.js';
import { askInDialog } from './dialogs.js';
import { errorSentence, fieldMessage } from './words.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The address the dialog offers first. */
export function defaultEmail(offer, status) {
  const who = currentPerson();
  const candidates = [offer && offer.notificationEmail, status && status.notificationEmail, who && who.name];
  return candidates.find((c) => typeof c === 'string' && EMAIL.test(c)) || '';
}

/** Resolves to the publish answer ({submissionId, statusUrl}), or null when the dialog was closed. */
export async function publishWithDialog(offerId, { email, title, beforePublish } = {}) {
  let accepted = null;
  const confirmed = await askInDialog({
    title: `Publish ${title || offerId}`,
    text: 'Publishing starts at step 1, Validate Prerequisites. Every step is reported to this address.',
    inputLabel: 'Notification email',
    type: 'email',
    value: email || '',
    confirmText: 'Publish',
    confirm: async (notificationEmail) => {
      if (beforePublish) await beforePublish();
      try {
        accepted = await api('POST', offerPath(offerId, '/publish'), { notificationEmail });
      } catch (error) {
        // The refused field is the one in this dialog: its message, in words, beside it.
        const detail = (error.details || []).find((d) => /notificationEmail/.test(d.path || ''));
        if (detail || error.status === 400)
          throw new Error(fieldMessage('notificationEmail', detail ? detail.message : 'valid email address'));
        if (error.code === 'submission_active')
          throw new Error('A submission is already running: follow it on the Status tab.');
        throw new Error(errorSentence(error, 'Publishing did not start: try again in a moment.'));
      }
    },
  });
  return confirmed ? accepted || {} : null;
}
