import type { SubmissionRecord, SubmissionStore } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import {
  decodeDoc,
  deleteIfUnchanged,
  encodeDoc,
  getEntity,
  insertIfAbsent,
  listPrefix,
  upsertChecked,
} from './documents';

/** Submission ids are counters; padded row keys keep them in order. */
export const padSubmission = (id: string) => id.padStart(10, '0');

/** A submission record's row in its offer's timeline partition. */
export const submissionRowKey = (submissionId: string) => `sub|${padSubmission(submissionId)}`;

/** The record's entity, as a step change writes it in its transaction too. */
export const submissionEntity = (record: SubmissionRecord) => ({
  partitionKey: record.offerId,
  rowKey: submissionRowKey(record.submissionId),
  ...encodeDoc(record),
});

export function createSubmissionStore(storage: StorageClients): SubmissionStore {
  const table = () => storage.table(TABLES.timeline);
  const entityOf = submissionEntity;
  return {
    async put(record) {
      await upsertChecked(await table(), entityOf(record));
    },
    async create(record) {
      if (await insertIfAbsent(await table(), entityOf(record))) return record;
      const stored = await getEntity(await table(), record.offerId, submissionRowKey(record.submissionId));
      return stored ? decodeDoc<SubmissionRecord>(stored) : record;
    },
    async get(offerId, submissionId) {
      const row = await getEntity(await table(), offerId, submissionRowKey(submissionId));
      return row && decodeDoc<SubmissionRecord>(row);
    },
    async removeIfUnchanged(expected) {
      const row = await getEntity(await table(), expected.offerId, submissionRowKey(expected.submissionId));
      if (!row || JSON.stringify(decodeDoc<SubmissionRecord>(row)) !== JSON.stringify(expected)) return false;
      return deleteIfUnchanged(await table(), row);
    },
    async list(offerId) {
      return (await listPrefix(await table(), offerId, 'sub|')).map((row) =>
        decodeDoc<SubmissionRecord>(row),
      );
    },
  };
}
