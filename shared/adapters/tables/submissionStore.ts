import type { SubmissionRecord, SubmissionStore } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import {
  decodeDoc,
  deleteIfUnchanged,
  encodeDoc,
  getEntity,
  insertIfAbsent,
  listPartition,
  upsertChecked,
} from './documents';

/** Submission ids are counters; padded row keys keep them in order. */
export const padSubmission = (id: string) => id.padStart(10, '0');

export function createSubmissionStore(storage: StorageClients): SubmissionStore {
  const table = () => storage.table(TABLES.submissions);
  const entityOf = (record: SubmissionRecord) => ({
    partitionKey: record.offerId,
    rowKey: padSubmission(record.submissionId),
    ...encodeDoc(record),
  });
  return {
    async put(record) {
      await upsertChecked(await table(), entityOf(record));
    },
    async create(record) {
      if (await insertIfAbsent(await table(), entityOf(record))) return record;
      const stored = await getEntity(await table(), record.offerId, padSubmission(record.submissionId));
      return stored ? decodeDoc<SubmissionRecord>(stored) : record;
    },
    async get(offerId, submissionId) {
      const row = await getEntity(await table(), offerId, padSubmission(submissionId));
      return row && decodeDoc<SubmissionRecord>(row);
    },
    async removeIfUnchanged(expected) {
      const row = await getEntity(await table(), expected.offerId, padSubmission(expected.submissionId));
      if (!row || JSON.stringify(decodeDoc<SubmissionRecord>(row)) !== JSON.stringify(expected)) return false;
      return deleteIfUnchanged(await table(), row);
    },
    async list(offerId) {
      return (await listPartition(await table(), offerId)).map((row) => decodeDoc<SubmissionRecord>(row));
    },
  };
}
