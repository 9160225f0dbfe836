/*
 * Publish, from the Editor or the Status tab: a dialog asks for the notification email (the seed's
 * pop-up), then POST .../publish. The Editor saves the draft first, so what is published is what
 * the publisher sees.
 */
import { api, offerPath } from './api.js';
import { askInDialog } from './dialogs.js';

/** Resolves to the publish answer ({submissionId, statusUrl}), or null when the dialog was closed. */
export async function publishWithDialog(offerId, { email, beforePublish } = {}) {
  let accepted = null;
  const confirmed = await askInDialog({
    title: `Publish ${offerId}`,
    text: 'Publishing starts at step 1, Validate Prerequisites. Every step is reported to this address.',
    inputLabel: 'Notification email',
    type: 'email',
    value: email || '',
    confirmText: 'Publish',
    confirm: async (notificationEmail) => {
      if (beforePublish) await beforePublish();
      accepted = await api('POST', offerPath(offerId, '/publish'), { notificationEmail });
    },
  });
  return confirmed ? accepted || {} : null;
}
