import type { Offer } from '../../domain/offer';
import type { OfferStore } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import { decodeDoc, encodeDoc, getEntity, insertIfAbsent, listAll, upsertChecked } from './documents';

const ROW = 'offer';

export function createOfferStore(storage: StorageClients): OfferStore {
  const table = () => storage.table(TABLES.offers);
  return {
    async get(offerId) {
      const row = await getEntity(await table(), offerId, ROW);
      return row && decodeDoc<Offer>(row);
    },
    async put(offer) {
      const t = await table();
      const existing = await getEntity(t, offer.offerId, ROW);
      await upsertChecked(t, { partitionKey: offer.offerId, rowKey: ROW, ...encodeDoc(offer) });
      return { created: !existing };
    },
    async create(offer) {
      return insertIfAbsent(await table(), { partitionKey: offer.offerId, rowKey: ROW, ...encodeDoc(offer) });
    },
    async list() {
      return (await listAll(await table())).map((row) => decodeDoc<Offer>(row));
    },
  };
}
