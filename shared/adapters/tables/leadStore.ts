import type { LeadRecord } from '../../domain/leads';
import type { LeadStore } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import { decodeDoc, encodeDoc, getEntity, listPartition, safeKey, upsertChecked } from './documents';

/** The product's Leads table: one row per lead (PartitionKey offer, RowKey lead id). */
export function createLeadStore(storage: StorageClients): LeadStore {
  const table = () => storage.table(TABLES.leads);
  return {
    async get(offerId, leadId) {
      const row = await getEntity(await table(), safeKey(offerId), safeKey(leadId));
      return row && decodeDoc<LeadRecord>(row);
    },
    async put(record) {
      const entity = {
        partitionKey: safeKey(record.offerId),
        rowKey: safeKey(record.leadId),
        // Plain columns, so the receipt can be read in Storage Explorer without decoding the document.
        state: record.state,
        destination: record.destination,
        isTest: record.lead.isTest,
        ...encodeDoc(record),
      };
      await upsertChecked(await table(), entity);
    },
    async list(offerId) {
      return (await listPartition(await table(), safeKey(offerId))).map((row) => decodeDoc<LeadRecord>(row));
    },
  };
}
