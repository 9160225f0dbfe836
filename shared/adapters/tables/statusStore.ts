import type { OfferStatus } from '../../domain/status';
import type { StatusStore } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import { decodeDoc, hasDoc, listRowKey, type StoredEntity } from './documents';
import { RememberedRows } from './rememberedRows';
import { readRevised, Revised, RowMemory, writeRevised } from './revisions';

/** The offer's status row in its timeline partition: also the partition's sentinel (timeline.ts). */
export const STATUS_ROW = 'status';
const ROW = STATUS_ROW;

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
    /** Learns the revision written (not called when nothing was). */
    written?: (revision: number) => void,
  ): Promise<OfferStatus>;
}

/** The status rows this process last read or wrote: shared by the status store and the timeline. */
export type RememberedStatusRows = RememberedRows<StoredEntity>;

/** One offer's status row in `rows` (rememberedRows.ts). */
export function statusRowMemory(
  rows: RememberedStatusRows | undefined,
  offerId: string,
): RowMemory | undefined {
  if (!rows) return undefined;
  return {
    get: () => rows.get(offerId),
    set: (row) => rows.set(offerId, row),
    forget: () => rows.forget(offerId),
  };
}

export function createStatusStore(
  storage: StorageClients,
  remembered?: RememberedStatusRows,
): HookedStatusStore {
  const table = () => storage.table(TABLES.timeline);
  const getRevised = async (offerId: string) =>
    readRevised<OfferStatus>(await table(), offerId, ROW, statusRowMemory(remembered, offerId));
  return {
    getRevised,
    get: async (offerId) => (await getRevised(offerId)).doc,
    async *pages() {
      const filter = `RowKey eq '${ROW}'`;
      const pages = (await table())
        .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
        .byPage({
          maxPageSize: 100,
        });
      for await (const page of pages) yield page.filter(hasDoc).map((row) => decodeDoc<OfferStatus>(row));
    },
    async list() {
      return (await listRowKey(await table(), ROW)).filter(hasDoc).map((row) => decodeDoc<OfferStatus>(row));
    },
    async update(
      offerId,
      mutate,
      initial,
      beforeWrite?: BeforeStatusWrite,
      written?: (revision: number) => void,
    ) {
      return writeRevised(
        await table(),
        offerId,
        ROW,
        async (row) => {
          const current = hasDoc(row) ? decodeDoc<OfferStatus>(row as StoredEntity) : initial();
          const next = mutate(current);
          if (!next) return { result: current };
          await beforeWrite?.(current, next);
          return { doc: next, result: next };
        },
        `status of '${offerId}'`,
        'Merge',
        statusRowMemory(remembered, offerId),
        written,
      );
    },
  };
}
