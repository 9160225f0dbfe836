import type { Offer } from '../../domain/offer';
import type { OfferStore } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import { summarizedOffer } from '../../domain/offerSummary';
import { decodeDoc, encodeDoc, hasDoc, insertIfAbsent, listAll, type StoredEntity } from './documents';
import { readRevised, Revised, REVISION, RowMemory, writeRevised } from './revisions';
import { RememberedRows } from './rememberedRows';

const ROW = 'offer';

/** The offer store, plus the revision the lists compare (revisions.ts). */
export interface RevisedOfferStore extends OfferStore {
  getRevised(offerId: string): Promise<Revised<Offer>>;
}

export function createOfferStore(storage: StorageClients): RevisedOfferStore {
  const table = () => storage.table(TABLES.offers);
  // The offer rows this process last read or wrote, with their ETags (rememberedRows.ts): a write
  // after a read of the same offer (Publish's notification email after the route read the offer)
  // is made under that ETag with no read first; a 412 reads and decides again. Reads always go to
  // storage. Fewer than the status rows: an offer may be large.
  const remembered = new RememberedRows<StoredEntity>(100);
  const memory = (offerId: string): RowMemory => ({
    get: () => remembered.get(offerId),
    set: (row) => remembered.set(offerId, row),
    forget: () => remembered.forget(offerId),
  });
  const getRevised = async (offerId: string) =>
    readRevised<Offer>(await table(), offerId, ROW, memory(offerId));
  return {
    getRevised,
    get: async (offerId) => (await getRevised(offerId)).doc,
    // Last writer wins, as an upsert would; written under the ETag only so the revision rises.
    async put(offer) {
      return writeRevised(
        await table(),
        offer.offerId,
        ROW,
        async (row) => ({ doc: offer, result: { created: !row } }),
        `offer '${offer.offerId}'`,
        'Replace',
        memory(offer.offerId),
      );
    },
    async create(offer) {
      const entity = { partitionKey: offer.offerId, rowKey: ROW, ...encodeDoc(offer), [REVISION]: 1 };
      remembered.forget(offer.offerId);
      return insertIfAbsent(await table(), entity);
    },
    async list() {
      return (await listAll(await table())).map((row) => decodeDoc<Offer>(row));
    },
    async updateUnlisted(offerId, mutate) {
      return writeRevised(
        await table(),
        offerId,
        ROW,
        async (row) => {
          if (!hasDoc(row)) return { result: false };
          const stored = decodeDoc<Offer>(row as StoredEntity);
          const next = mutate(stored);
          if (!next) return { result: true };
          const listed = (o: Offer) => JSON.stringify(summarizedOffer(o));
          if (listed(next) !== listed(stored)) return { result: false };
          return { doc: next, result: true };
        },
        `offer '${offerId}'`,
        'Replace',
        memory(offerId),
      );
    },
  };
}
