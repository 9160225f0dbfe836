import type { Offer } from '../../domain/offer';
import { ConcurrentUpdateError, OfferStore } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import {
  createChecked,
  decodeDoc,
  encodeDoc,
  getEntity,
  insertIfAbsent,
  isStatus,
  listAll,
  replaceChecked,
} from './documents';
import { nextRevision, Revised, REVISION, revisionOf } from './revisions';

const ROW = 'offer';
const MAX_ATTEMPTS = 20;

/** The offer store, plus the revision the lists compare (revisions.ts). */
export interface RevisedOfferStore extends OfferStore {
  getRevised(offerId: string): Promise<Revised<Offer>>;
}

export function createOfferStore(storage: StorageClients): RevisedOfferStore {
  const table = () => storage.table(TABLES.offers);
  const entityOf = (offer: Offer, revision: number) => ({
    partitionKey: offer.offerId,
    rowKey: ROW,
    ...encodeDoc(offer),
    [REVISION]: revision,
  });
  return {
    async get(offerId) {
      const row = await getEntity(await table(), offerId, ROW);
      return row && decodeDoc<Offer>(row);
    },
    async getRevised(offerId) {
      const row = await getEntity(await table(), offerId, ROW);
      return { doc: row && decodeDoc<Offer>(row), revision: revisionOf(row) };
    },
    // Last writer wins, as an upsert would; written under the ETag only so the revision rises.
    async put(offer) {
      const t = await table();
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const existing = await getEntity(t, offer.offerId, ROW);
        try {
          if (existing) await replaceChecked(t, entityOf(offer, nextRevision(existing)), existing.etag);
          else await createChecked(t, entityOf(offer, 1));
          return { created: !existing };
        } catch (error) {
          if (!isStatus(error, 412) && !isStatus(error, 409)) throw error;
          await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
        }
      }
      throw new ConcurrentUpdateError(`offer '${offer.offerId}' kept changing; gave up`);
    },
    async create(offer) {
      return insertIfAbsent(await table(), entityOf(offer, 1));
    },
    async list() {
      return (await listAll(await table())).map((row) => decodeDoc<Offer>(row));
    },
  };
}
