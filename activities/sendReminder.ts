import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { ACTIVITIES } from '../shared/contracts/names';
import { sendReminderInputSchema } from '../shared/contracts/activities';
import { signoffReminderEmail } from '../shared/domain/notifications';
import { isAtSignoff } from '../shared/domain/rules';
import { getServices, Services } from '../shared/services';
import { deliver, localEcho } from '../shared/notify/delivery';
import { mailLinks, offerNameOf, readSnapshot } from '../shared/notify/snapshot';

type Deps = Pick<Services, 'statuses' | 'outbox' | 'email' | 'blobs' | 'settings'>;

/** A reminder while sign-off waits; keyed by its number, so a re-run never sends it twice. */
export function sendReminder(deps: Deps) {
  return async (raw: unknown, context?: InvocationContext): Promise<void> => {
    const input = sendReminderInputSchema.parse(raw);
    const status = await deps.statuses.get(input.offerId);
    // A late timer after Go Live or Cancel reached the status: nothing to remind of.
    if (!status || status.submissionId !== input.submissionId || !isAtSignoff(status)) return;
    if (!status.notificationEmail) return;
    const snapshot = await readSnapshot(deps.blobs, input.snapshotBlobName);
    const mail = signoffReminderEmail({ ...input, offerName: offerNameOf(snapshot) }, mailLinks(deps));
    await deliver(
      {
        outbox: deps.outbox,
        email: deps.email,
        log: (m) => context?.warn(m),
        echo: localEcho(deps.settings, (line) => context?.log(line)),
      },
      {
        offerId: input.offerId,
        submissionId: input.submissionId,
        key: `${input.submissionId}|publisher-signoff|reminder-${input.reminder}`,
        to: status.notificationEmail,
        subject: mail.subject,
        text: mail.text,
        step: 'publisher-signoff',
        transition: 'reminder',
        sentAt: input.at,
      },
    );
  };
}

df.app.activity(ACTIVITIES.sendReminder, {
  handler: (input: unknown, context: InvocationContext) => sendReminder(getServices())(input, context),
});
