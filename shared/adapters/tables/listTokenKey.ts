import { randomBytes } from 'node:crypto';
import { TABLES } from '../../contracts/names';
import type { StorageClients } from '../storage';
import { getEntity, insertIfAbsent } from './documents';

const PARTITION = 'meta';
const ROW = 'continuation-key';

/**
 * The HMAC key that signs "All offers" continuation tokens: 32 random bytes made by the first
 * instance that needs it (insert-if-absent, so every instance ends up with the same key) and kept
 * beside the index it pages. It only makes tokens tamper-evident; it guards no data of its own.
 */
export function createListTokenKey(storage: StorageClients): () => Promise<Buffer> {
  let key: Promise<Buffer> | undefined;
  const load = async (): Promise<Buffer> => {
    const table = await storage.table(TABLES.offerCatalog);
    await insertIfAbsent(table, {
      partitionKey: PARTITION,
      rowKey: ROW,
      key: randomBytes(32).toString('base64'),
    });
    const row = await getEntity(table, PARTITION, ROW);
    return Buffer.from(String(row?.key ?? ''), 'base64');
  };
  return () => {
    key ??= load().catch((error: unknown) => {
      key = undefined;
      throw error;
    });
    return key;
  };
}
