import type { ReviewDecision } from '../../domain/status';
import type { DecisionStore } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import {
  decodeDoc,
  deleteIfUnchanged,
  encodeDoc,
  getEntity,
  insertIfAbsent,
  listPartition,
} from './documents';
import { padSubmission } from './submissionStore';

/** A decision row per (submission, area): the insert is what makes "once per area" hold under races. */
export function createDecisionStore(storage: StorageClients): DecisionStore {
  const table = () => storage.table(TABLES.decisions);
  return {
    async add(offerId, submissionId, decision) {
      const rowKey = `${padSubmission(submissionId)}-${decision.area}`;
      return insertIfAbsent(await table(), { partitionKey: offerId, rowKey, ...encodeDoc(decision) });
    },
    async remove(offerId, submissionId, decision) {
      const row = await getEntity(await table(), offerId, `${padSubmission(submissionId)}-${decision.area}`);
      if (!row) return false;
      const stored = decodeDoc<ReviewDecision>(row);
      if (stored.reviewer !== decision.reviewer || stored.decidedAt !== decision.decidedAt) return false;
      return deleteIfUnchanged(await table(), row);
    },
    async list(offerId, submissionId) {
      const prefix = `${padSubmission(submissionId)}-`;
      return (await listPartition(await table(), offerId))
        .filter((row) => row.rowKey?.startsWith(prefix))
        .map((row) => decodeDoc<ReviewDecision>(row));
    },
  };
}
