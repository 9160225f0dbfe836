import type { OfferIndex, OfferStore, StatusStore } from '../../ports/stores';

/**
 * The Offers and OfferStatus stores with the "All offers" index kept in step: every write of an
 * offer or a status (the offer upsert, recordTransition, Publish, Go Live, step 8, ...) refreshes
 * the offer's index rows before it returns. A failure after the stored write and before the
 * index write fails the caller (an activity is retried, an HTTP caller repeats), and the retried
 * write refreshes the index from what is stored, so the index heals without a separate job.
 */
export function withOfferIndex(
  stores: { offers: OfferStore; statuses: StatusStore },
  index: OfferIndex,
): { offers: OfferStore; statuses: StatusStore } {
  const { offers, statuses } = stores;
  return {
    offers: {
      get: (offerId) => offers.get(offerId),
      list: () => offers.list(),
      async put(offer) {
        const result = await offers.put(offer);
        await index.refresh(offer.offerId);
        return result;
      },
      async create(offer) {
        const created = await offers.create(offer);
        if (created) await index.refresh(offer.offerId);
        return created;
      },
    },
    statuses: {
      get: (offerId) => statuses.get(offerId),
      list: () => statuses.list(),
      async update(offerId, mutate, initial) {
        const next = await statuses.update(offerId, mutate, initial);
        await index.refresh(offerId, next);
        return next;
      },
    },
  };
}
