import type { AppCatalog, CatalogEntry } from '../../domain/package/technical';
import { normalizeAppId } from '../../domain/package/technical';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import { listPartition, safeKey } from './documents';

/**
 * Table AppCatalog: partition = app id, row = offer id. "Is this app id used elsewhere" and
 * "which version of this app is live" read one small partition (the offers that use that id),
 * never the whole table. Rows are merged, so a passed validation never erases a live version.
 */
export function createAppCatalog(storage: StorageClients): AppCatalog {
  const table = () => storage.table(TABLES.appCatalog);
  return {
    async entriesFor(appId) {
      const rows = await listPartition(await table(), normalizeAppId(appId));
      return rows.map(toEntry);
    },
    async recordPassed(appId, offerId, at) {
      await (await table()).upsertEntity(row(appId, offerId, { passedAt: at }), 'Merge');
    },
    async recordLive(appId, offerId, version, livePackage) {
      await (await table()).upsertEntity(row(appId, offerId, { liveVersion: version, livePackage }), 'Merge');
    },
  };
}

function row(appId: string, offerId: string, values: Record<string, string>) {
  return { partitionKey: normalizeAppId(appId), rowKey: safeKey(offerId), offerId, ...values };
}

function toEntry(r: Record<string, unknown>): CatalogEntry {
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const entry: CatalogEntry = { appId: String(r.partitionKey), offerId: String(r.offerId ?? r.rowKey) };
  const liveVersion = text(r.liveVersion);
  const livePackage = text(r.livePackage);
  const passedAt = text(r.passedAt);
  if (liveVersion) entry.liveVersion = liveVersion;
  if (livePackage) entry.livePackage = livePackage;
  if (passedAt) entry.passedAt = passedAt;
  return entry;
}
