import { createEmailSender } from '../../shared/adapters/email';
import { startFakeAcs } from '../support/fakeAcs';

describe('ACS email sender', () => {
  it('sends through the real client and keys a repeated send by its Operation-Id', async () => {
    const acs = await startFakeAcs();
    try {
      const sender = createEmailSender({
        ACS_EMAIL_CONNECTION_STRING: acs.connectionString,
        ACS_EMAIL_SENDER: 'DoNotReply@marketplace.example.com',
      });
      const message = {
        to: 'ann@contoso.com',
        subject: 'Live',
        text: 'Your offer is live.',
        idempotencyKey: '3|live|succeeded',
      };
      await sender!.send(message);
      // A retry after a lost answer sends the same notification again: still one email.
      await sender!.send(message);
      await sender!.send({ ...message, idempotencyKey: '3|publish|succeeded', subject: 'Publishing' });
      expect(acs.accepted.map((e) => e.subject)).toEqual(['Live', 'Publishing']);
      expect(acs.protocolErrors).toEqual([]);
    } finally {
      await acs.close();
    }
  });

  it('is absent when no ACS setting is given, so the outbox is the only delivery', () => {
    expect(createEmailSender({ ACS_EMAIL_SENDER: 'DoNotReply@marketplace.example.com' })).toBeUndefined();
  });
});
