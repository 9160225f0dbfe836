import type { Notification, NotificationOutbox } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import {
  decodeDoc,
  encodeDoc,
  getEntity,
  insertIfAbsent,
  isStatus,
  listPartition,
  replaceChecked,
  safeKey,
} from './documents';

/** The outbox: every email the product sends is a row here first, keyed for de-duplication. */
export function createNotificationOutbox(storage: StorageClients): NotificationOutbox {
  const table = () => storage.table(TABLES.notifications);
  return {
    async add(n) {
      return insertIfAbsent(await table(), {
        partitionKey: n.offerId,
        rowKey: safeKey(n.key),
        ...encodeDoc(n),
      });
    },
    async get(offerId, key) {
      const row = await getEntity(await table(), offerId, safeKey(key));
      return row && decodeDoc<Notification>(row);
    },
    async setStatus(offerId, key, status) {
      const t = await table();
      const row = await getEntity(t, offerId, safeKey(key));
      if (!row) return;
      const next = { ...decodeDoc<Notification>(row), status };
      await replaceChecked(t, { partitionKey: offerId, rowKey: safeKey(key), ...encodeDoc(next) });
    },
    async changeStatus(offerId, key, from, to) {
      const t = await table();
      const row = await getEntity(t, offerId, safeKey(key));
      if (!row || decodeDoc<Notification>(row).status !== from) return false;
      const next = { ...decodeDoc<Notification>(row), status: to };
      try {
        await replaceChecked(
          t,
          { partitionKey: offerId, rowKey: safeKey(key), ...encodeDoc(next) },
          row.etag,
        );
        return true;
      } catch (error) {
        if (isStatus(error, 412)) return false;
        throw error;
      }
    },
    async list(offerId) {
      const all = (await listPartition(await table(), offerId)).map((row) => decodeDoc<Notification>(row));
      return all.sort((a, b) => a.sentAt.localeCompare(b.sentAt));
    },
  };
}
