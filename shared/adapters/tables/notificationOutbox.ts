import type { Notification, NotificationOutbox } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import {
  decodeDoc,
  encodeDoc,
  getEntity,
  insertIfAbsent,
  isStatus,
  listPrefix,
  replaceChecked,
  safeKey,
} from './documents';

/** An email's row in its offer's timeline partition. */
const rowKey = (key: string) => `mail|${safeKey(key)}`;

/** The row of one email, as a step change writes it in its transaction. */
export function notificationEntity(n: Notification) {
  return { partitionKey: n.offerId, rowKey: rowKey(n.key), ...encodeDoc(n) };
}

/** The outbox: every email the product sends is a row here first, keyed for de-duplication. */
export function createNotificationOutbox(storage: StorageClients): NotificationOutbox {
  const table = () => storage.table(TABLES.timeline);
  return {
    async add(n) {
      return insertIfAbsent(await table(), notificationEntity(n));
    },
    async get(offerId, key) {
      const row = await getEntity(await table(), offerId, rowKey(key));
      return row && decodeDoc<Notification>(row);
    },
    async setStatus(offerId, key, status) {
      const t = await table();
      const row = await getEntity(t, offerId, rowKey(key));
      if (!row) return;
      const next = { ...decodeDoc<Notification>(row), status };
      await replaceChecked(t, { partitionKey: offerId, rowKey: rowKey(key), ...encodeDoc(next) });
    },
    async changeStatus(offerId, key, from, to) {
      const t = await table();
      const row = await getEntity(t, offerId, rowKey(key));
      if (!row || decodeDoc<Notification>(row).status !== from) return false;
      const next = { ...decodeDoc<Notification>(row), status: to };
      try {
        await replaceChecked(t, { partitionKey: offerId, rowKey: rowKey(key), ...encodeDoc(next) }, row.etag);
        return true;
      } catch (error) {
        if (isStatus(error, 412)) return false;
        throw error;
      }
    },
    async list(offerId) {
      const all = (await listPrefix(await table(), offerId, 'mail|')).map((row) =>
        decodeDoc<Notification>(row),
      );
      return all.sort((a, b) => a.sentAt.localeCompare(b.sentAt));
    },
  };
}
