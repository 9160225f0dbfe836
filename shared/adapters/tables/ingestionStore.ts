import type { LibraryApp, ProductState } from '../../domain/ingestion';
import { ConcurrentUpdateError } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import {
  createChecked,
  decodeDoc,
  encodeDoc,
  getEntity,
  insertIfAbsent,
  isStatus,
  replaceChecked,
  safeKey,
  upsertChecked,
} from './documents';

/**
 * Table IngestionProducts, partition = productId: row `offer` is the lookup of the product's
 * offer (one point read, never a scan), row `state` the packages and package configuration of
 * the front door. Table PublisherClients, partition = Entra client id: the publisher it acts for.
 */
export interface IngestionStore {
  offerOf(productId: string): Promise<string | undefined>;
  /** Insert-if-absent: a product id names one offer for ever. */
  link(productId: string, offerId: string): Promise<void>;
  state(productId: string): Promise<ProductState | undefined>;
  /** Read-modify-write under the row's ETag; `mutate` may throw a DomainError to refuse. */
  update(
    productId: string,
    initial: () => ProductState,
    mutate: (current: ProductState) => ProductState | undefined,
  ): Promise<ProductState>;
  /** The library apps the offer's next validation resolves dependencies with (row `libraries`). */
  shippedLibraries(offerId: string): Promise<LibraryApp[]>;
  setShippedLibraries(offerId: string, libraries: LibraryApp[]): Promise<void>;
  publisherOfClient(clientId: string): Promise<string | undefined>;
  setPublisherOfClient(clientId: string, publisherId: string): Promise<void>;
}

const MAX_ATTEMPTS = 20;

export function createIngestionStore(storage: StorageClients): IngestionStore {
  const products = () => storage.table(TABLES.ingestionProducts);
  const clients = () => storage.table(TABLES.publisherClients);
  return {
    async offerOf(productId) {
      const row = await getEntity(await products(), safeKey(productId), 'offer');
      return typeof row?.offerId === 'string' ? row.offerId : undefined;
    },
    async link(productId, offerId) {
      await insertIfAbsent(await products(), { partitionKey: safeKey(productId), rowKey: 'offer', offerId });
    },
    async state(productId) {
      const row = await getEntity(await products(), safeKey(productId), 'state');
      return row && decodeDoc<ProductState>(row);
    },
    async update(productId, initial, mutate) {
      const t = await products();
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const row = await getEntity(t, safeKey(productId), 'state');
        const current = row ? decodeDoc<ProductState>(row) : initial();
        const next = mutate(current);
        if (!next) return current;
        const entity = { partitionKey: safeKey(productId), rowKey: 'state', ...encodeDoc(next) };
        try {
          if (row?.etag) await replaceChecked(t, entity, row.etag);
          else await createChecked(t, entity);
          return next;
        } catch (error) {
          if (!isStatus(error, 412) && !isStatus(error, 409)) throw error;
          await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
        }
      }
      throw new ConcurrentUpdateError(`product '${productId}' kept changing; gave up`);
    },
    async shippedLibraries(offerId) {
      const row = await getEntity(await products(), `offer~${safeKey(offerId)}`, 'libraries');
      return row ? decodeDoc<LibraryApp[]>(row) : [];
    },
    async setShippedLibraries(offerId, libraries) {
      const entity = {
        partitionKey: `offer~${safeKey(offerId)}`,
        rowKey: 'libraries',
        ...encodeDoc(libraries),
      };
      await upsertChecked(await products(), entity);
    },
    async publisherOfClient(clientId) {
      const row = await getEntity(await clients(), safeKey(clientId.toLowerCase()), 'client');
      return typeof row?.publisherId === 'string' ? row.publisherId : undefined;
    },
    async setPublisherOfClient(clientId, publisherId) {
      await upsertChecked(await clients(), {
        partitionKey: safeKey(clientId.toLowerCase()),
        rowKey: 'client',
        publisherId,
      });
    },
  };
}
