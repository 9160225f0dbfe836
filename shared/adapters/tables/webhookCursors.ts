import type { TableClient, TransactionAction } from '@azure/data-tables';
import { TABLES } from '../../contracts/names';
import type { DeliveryCursor } from '../../webhooks/ports';
import type { StorageClients } from '../storage';
import { getEntity, isStatus } from './documents';
import { STATUS_ROW, eventSeqAction, eventSeqOf } from './offerEvents';

/**
 * Each endpoint's place in an offer's events: a row `cursor|{webhookId}` in the offer's partition
 * of OfferTimeline, beside the `status` row whose `eventSeq` numbers the events. Only the
 * endpoint's delivery instance for the offer writes it (kick only reads it).
 */
const cursorKey = (webhookId: string) => `cursor|${webhookId}`;

export interface EventsSeen {
  /** The offer's `eventSeq` when the events were read. */
  eventSeq: number;
  /** The status row's ETag then (null: no status row), for park. */
  etag: string | null;
}

export interface WebhookCursors {
  read(offerId: string, webhookId: string): Promise<DeliveryCursor>;
  /** The status row's sequence and ETag: read BEFORE the events, so park can tell if more came. */
  seen(offerId: string): Promise<EventsSeen>;
  /** Moves the cursor forward to `seq` (never back) and marks it working. */
  advance(offerId: string, webhookId: string, seq: number): Promise<void>;
  /**
   * Ends the instance's work, atomically with "no event was appended since `seen`": one
   * transaction that writes the status row's `eventSeq` unchanged under the ETag read then, and
   * the cursor (at `upTo`, parked). False when an event came meanwhile (the instance goes on).
   */
  park(offerId: string, webhookId: string, upTo: number, seen: EventsSeen): Promise<boolean>;
}

function cursorOf(row: Record<string, unknown> | undefined): DeliveryCursor {
  const delivered = Number(row?.delivered ?? 0);
  return {
    delivered: Number.isInteger(delivered) && delivered > 0 ? delivered : 0,
    parked: row?.parked === true,
  };
}

export function createWebhookCursors(storage: Pick<StorageClients, 'table'>): WebhookCursors {
  const table = (): Promise<TableClient> => storage.table(TABLES.timeline);
  return {
    async read(offerId, webhookId) {
      return cursorOf(await getEntity(await table(), offerId, cursorKey(webhookId)));
    },
    async seen(offerId) {
      const row = await getEntity(await table(), offerId, STATUS_ROW);
      return { eventSeq: eventSeqOf(row), etag: row?.etag ?? null };
    },
    async advance(offerId, webhookId, seq) {
      const t = await table();
      const current = cursorOf(await getEntity(t, offerId, cursorKey(webhookId)));
      const entity = {
        partitionKey: offerId,
        rowKey: cursorKey(webhookId),
        delivered: Math.max(current.delivered, seq),
        parked: false,
      };
      await t.upsertEntity(entity, 'Merge');
    },
    async park(offerId, webhookId, upTo, seen) {
      const t = await table();
      const current = cursorOf(await getEntity(t, offerId, cursorKey(webhookId)));
      const status =
        seen.etag === null ? undefined : { partitionKey: offerId, rowKey: STATUS_ROW, etag: seen.etag };
      const cursor = {
        partitionKey: offerId,
        rowKey: cursorKey(webhookId),
        delivered: Math.max(current.delivered, upTo),
        parked: true,
      };
      const actions: TransactionAction[] = [
        eventSeqAction(offerId, status, seen.eventSeq),
        ['upsert', cursor, 'Merge'],
      ];
      try {
        await t.submitTransaction(actions);
        return true;
      } catch (error) {
        if (isStatus(error, 412) || isStatus(error, 409)) return false;
        throw error;
      }
    },
  };
}
