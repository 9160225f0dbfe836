import type { TableClient } from '@azure/data-tables';
import { TABLES } from '../../contracts/names';
import { ConcurrentUpdateError } from '../../ports/stores';
import {
  DELIVERY_RETENTION_MS,
  deliveryIdFor,
  type Delivery,
  type WebhookEndpoint,
} from '../../domain/webhooks';
import type { DeliveryLog, WebhookStore } from '../../webhooks/ports';
import type { StorageClients } from '../storage';
import {
  conflictPause,
  createChecked,
  decodeDoc,
  encodeDoc,
  getEntity,
  insertIfAbsent,
  isStatus,
  listAll,
  listPartition,
  replaceChecked,
  safeKey,
} from './documents';

const ownerKey = (owner: string) => `owner|${safeKey(owner)}`;
/** An endpoint's stopped offers: a partition of their own, a row per offer (no owner prefix). */
const stoppedKey = (webhookId: string) => `stopped|${safeKey(webhookId)}`;
const quoted = (value: string) => `'${value.replace(/'/g, "''")}'`;
const MAX_ATTEMPTS = 20;

/** The registry's version row, in a partition of its own ('~' sorts after every `owner|`). */
const REGISTRY = { partitionKey: '~registry', rowKey: 'version' };

/**
 * Endpoints: partition `owner|{publisherId}` (Admin's: `owner|*admin`), row key the webhook id.
 * Every write raises the registry's version after it is stored (its ETag is the version).
 */
export function createWebhookStore(storage: Pick<StorageClients, 'table'>): WebhookStore {
  const table = () => storage.table(TABLES.webhooks);
  /**
   * Best effort: the endpoint's own write has landed, so the request took effect and is answered
   * so. A raise that fails leaves other processes on their lists for at most MAX_AGE_MS
   * (shared/webhooks/directory.ts), the bound that was made for this.
   */
  const raise = async (t: TableClient) => {
    await t
      .upsertEntity({ ...REGISTRY, raisedAt: new Date().toISOString() }, 'Replace')
      .catch(() => undefined);
  };
  const entity = (e: WebhookEndpoint) => ({
    partitionKey: ownerKey(e.owner),
    rowKey: e.webhookId,
    ...encodeDoc(e),
  });
  return {
    async create(endpoint) {
      const t = await table();
      await createChecked(t, entity(endpoint));
      await raise(t);
    },
    async version() {
      return (await getEntity(await table(), REGISTRY.partitionKey, REGISTRY.rowKey))?.etag ?? '';
    },
    async get(owner, webhookId) {
      const row = await getEntity(await table(), ownerKey(owner), webhookId);
      return row && decodeDoc<WebhookEndpoint>(row);
    },
    async find(webhookId) {
      const filter = `RowKey eq ${quoted(webhookId)}`;
      for await (const row of (await table()).listEntities<Record<string, unknown>>({
        queryOptions: { filter },
      }))
        return decodeDoc<WebhookEndpoint>(row);
      return undefined;
    },
    async list(owner) {
      const rows = await listPartition(await table(), ownerKey(owner));
      return rows.map((row) => decodeDoc<WebhookEndpoint>(row));
    },
    async listAll() {
      return (await listAll(await table()))
        .filter((row) => String(row.partitionKey).startsWith('owner|'))
        .map((row) => decodeDoc<WebhookEndpoint>(row));
    },
    async update(owner, webhookId, change) {
      const t = await table();
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const row = await getEntity(t, ownerKey(owner), webhookId);
        if (!row) return undefined;
        const next = change(decodeDoc<WebhookEndpoint>(row));
        try {
          await replaceChecked(t, entity(next), row.etag);
          await raise(t);
          return next;
        } catch (error) {
          if (!isStatus(error, 412)) throw error;
          await conflictPause(attempt);
        }
      }
      throw new ConcurrentUpdateError(`webhook ${webhookId} kept changing; gave up`);
    },
    async markStopped(webhookId, offerId) {
      await (await table()).upsertEntity({ partitionKey: stoppedKey(webhookId), rowKey: offerId }, 'Replace');
    },
    async stopped(webhookId) {
      const rows = await listPartition(await table(), stoppedKey(webhookId));
      return rows.map((row) => String(row.rowKey));
    },
    async clearStopped(webhookId, offerId) {
      try {
        await (await table()).deleteEntity(stoppedKey(webhookId), offerId);
      } catch (error) {
        if (!isStatus(error, 404)) throw error;
      }
    },
    async remove(owner, webhookId) {
      try {
        const t = await table();
        await t.deleteEntity(ownerKey(owner), webhookId);
        await raise(t);
        return true;
      } catch (error) {
        if (isStatus(error, 404)) return false;
        throw error;
      }
    },
  };
}

/** The row key below which a delivery is younger than 30 days (keys count time down). */
const retentionKey = (now: Date) => deliveryIdFor(new Date(now.getTime() - DELIVERY_RETENTION_MS), '');

/** The delivery log: partition = webhook id, row key = delivery id (newest first). */
export function createDeliveryLog(storage: Pick<StorageClients, 'table'>): DeliveryLog {
  const table = () => storage.table(TABLES.webhookDeliveries);
  const row = (d: Delivery) => ({ partitionKey: d.webhookId, rowKey: d.deliveryId, ...encodeDoc(d) });
  async function get(t: TableClient, webhookId: string, deliveryId: string) {
    const found = await getEntity(t, webhookId, deliveryId);
    return found && { row: found, delivery: decodeDoc<Delivery>(found) };
  }
  return {
    async open(delivery) {
      const t = await table();
      if (await insertIfAbsent(t, row(delivery))) return delivery;
      return (await get(t, delivery.webhookId, delivery.deliveryId))?.delivery ?? delivery;
    },
    async get(webhookId, deliveryId) {
      return (await get(await table(), webhookId, deliveryId))?.delivery;
    },
    async record(webhookId, deliveryId, attempt, state, nextAttemptAt) {
      const t = await table();
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        const found = await get(t, webhookId, deliveryId);
        if (!found) return;
        const d = found.delivery;
        // An activity that ran again records its attempt once (same time, same outcome).
        const attempts = d.attempts.some((a) => a.at === attempt.at) ? d.attempts : [...d.attempts, attempt];
        try {
          await replaceChecked(t, row({ ...d, attempts, state, nextAttemptAt }), found.row.etag);
          return;
        } catch (error) {
          if (!isStatus(error, 412)) throw error;
          await conflictPause(i);
        }
      }
      throw new ConcurrentUpdateError(`delivery ${deliveryId} kept changing; gave up`);
    },
    async page(webhookId, top, after, now) {
      const lower = after ?? '';
      const filter =
        `PartitionKey eq ${quoted(webhookId)} and RowKey gt ${quoted(lower)}` +
        ` and RowKey lt ${quoted(retentionKey(now))}`;
      const deliveries: Delivery[] = [];
      const pages = (await table())
        .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
        .byPage({ maxPageSize: top + 1 });
      for await (const page of pages) {
        for (const r of page) deliveries.push(decodeDoc<Delivery>(r));
        if (deliveries.length > top) break;
      }
      const more = deliveries.length > top;
      const kept = deliveries.slice(0, top);
      return { deliveries: kept, last: more ? kept[kept.length - 1]?.deliveryId : undefined };
    },
    async purge(webhookId, now) {
      const t = await table();
      const filter = `PartitionKey eq ${quoted(webhookId)} and RowKey gt ${quoted(retentionKey(now))}`;
      for await (const old of t.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
        try {
          await t.deleteEntity(webhookId, String(old.rowKey));
        } catch (error) {
          if (!isStatus(error, 404)) throw error;
        }
      }
    },
  };
}
