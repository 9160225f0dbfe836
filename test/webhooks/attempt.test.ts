import { randomBytes } from 'node:crypto';
import type { Offer } from '../../shared/domain/offer';
import { deliveryIdFor, newSecret } from '../../shared/domain/webhooks';
import { attemptWebhookDelivery } from '../../shared/webhooks/delivery';
import { testServices } from '../api/support';
import { completeOffer } from '../support/scenario';
import { startReceiver } from './receiver';

/** One attempt activity against real stores and a real receiver: what a repeat of it does. */
const services = testServices();

it('a repeat of an attempt that succeeded answers succeeded again without sending twice', async () => {
  const receiver = await startReceiver();
  try {
    const publisherId = `pub${randomBytes(4).toString('hex')}`;
    const offerId = `att-${randomBytes(5).toString('hex')}`;
    const now = new Date().toISOString();
    await services.offers.put({
      ...completeOffer(),
      offerId,
      publisherId,
      createdAt: now,
      updatedAt: now,
    } as unknown as Offer);
    const secret = newSecret();
    receiver.secrets.push(secret);
    const webhookId = `wh_${randomBytes(10).toString('hex')}`;
    await services.webhooks.create({
      webhookId,
      owner: publisherId,
      ownerName: 'a@example.com',
      url: receiver.url,
      events: ['*'],
      offerIds: null,
      description: null,
      enabled: true,
      secrets: [{ secret, expiresAt: null }],
      createdAt: now,
      updatedAt: now,
      failingSince: null,
      disabledReason: null,
    });
    const [event] = await services.offerEvents.append(offerId, [
      { type: 'offer.submission.live', submissionId: 's1', at: now, data: { liveVersion: '1.0.0.0' } },
    ]);
    const input = {
      webhookId,
      owner: publisherId,
      deliveryId: deliveryIdFor(new Date(), 'unit'),
      event: { offerId, seq: event!.seq, eventId: event!.eventId, type: event!.type },
      attempt: 0,
      at: now,
    };
    expect(await attemptWebhookDelivery(services, input)).toEqual({ kind: 'succeeded' });
    expect(await attemptWebhookDelivery(services, input)).toEqual({ kind: 'succeeded' });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({
      verified: true,
      id: event!.eventId,
      type: 'offer.submission.live',
    });
    expect(await services.webhookCursors.read(offerId, webhookId)).toEqual({ delivered: 1, parked: false });
    const delivery = await services.webhookDeliveries.get(webhookId, input.deliveryId);
    expect(delivery).toMatchObject({ state: 'Succeeded', attempts: [{ at: now, statusCode: 200 }] });
  } finally {
    await receiver.close();
  }
});
