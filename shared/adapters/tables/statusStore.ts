import type { OfferStatus } from '../../domain/status';
import { ConcurrentUpdateError, StatusStore } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import {
  createChecked,
  decodeDoc,
  encodeDoc,
  getEntity,
  isStatus,
  listAll,
  replaceChecked,
} from './documents';
import { nextRevision, Revised, REVISION, revisionOf } from './revisions';

const ROW = 'status';
const MAX_ATTEMPTS = 20;

/**
 * Called with the stored status and the one about to replace it, before the write (each attempt):
 * what must exist before the status says so (the reconciler's watch row) is written here.
 */
export type BeforeStatusWrite = (current: OfferStatus, next: OfferStatus) => Promise<void>;

/** The port's update, plus the hook the indexed stores use and the revision the lists compare. */
export interface HookedStatusStore extends StatusStore {
  getRevised(offerId: string): Promise<Revised<OfferStatus>>;
  update(
    offerId: string,
    mutate: (current: OfferStatus) => OfferStatus | undefined,
    initial: () => OfferStatus,
    beforeWrite?: BeforeStatusWrite,
  ): Promise<OfferStatus>;
}

export function createStatusStore(storage: StorageClients): HookedStatusStore {
  const table = () => storage.table(TABLES.status);
  return {
    async get(offerId) {
      const row = await getEntity(await table(), offerId, ROW);
      return row && decodeDoc<OfferStatus>(row);
    },
    async getRevised(offerId) {
      const row = await getEntity(await table(), offerId, ROW);
      return { doc: row && decodeDoc<OfferStatus>(row), revision: revisionOf(row) };
    },
    async list() {
      return (await listAll(await table())).map((row) => decodeDoc<OfferStatus>(row));
    },
    async update(offerId, mutate, initial, beforeWrite?: BeforeStatusWrite) {
      const t = await table();
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const row = await getEntity(t, offerId, ROW);
        const current = row ? decodeDoc<OfferStatus>(row) : initial();
        const next = mutate(current);
        if (!next) return current;
        const entity = {
          partitionKey: offerId,
          rowKey: ROW,
          ...encodeDoc(next),
          [REVISION]: nextRevision(row),
        };
        await beforeWrite?.(current, next);
        try {
          if (row?.etag) await replaceChecked(t, entity, row.etag);
          else await createChecked(t, entity);
          return next;
        } catch (error) {
          // 412: someone wrote since we read; 409: someone created it first. Read again.
          if (!isStatus(error, 412) && !isStatus(error, 409)) throw error;
          await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
        }
      }
      throw new ConcurrentUpdateError(
        `status of '${offerId}' kept changing; gave up after ${MAX_ATTEMPTS} attempts`,
      );
    },
  };
}
