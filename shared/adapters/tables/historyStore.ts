import type { HistoryEvent, HistoryStore } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import { TRANSITIONS } from '../../domain/states';
import { stepIndex } from '../../domain/steps';
import { decodeDoc, encodeDoc, insertIfAbsent, listPrefix } from './documents';
import { padSubmission } from './submissionStore';

/**
 * One row per transition. The row key orders rows by submission, time, step and transition, and
 * is the same when a retried activity writes the same transition again (its time comes from the
 * orchestration, which replays it identically), so the insert doubles as the de-duplication.
 * A revision (step 8's date moved again) is a row of its own after the transition's first row.
 */
export function historyRowKey(e: HistoryEvent): string {
  return `hist|${rowKey(e)}`;
}

/** The row of one transition, as a step change writes it in its transaction. */
export function historyEntity(event: HistoryEvent) {
  return { partitionKey: event.offerId, rowKey: historyRowKey(event), ...encodeDoc(event) };
}

function rowKey(e: HistoryEvent): string {
  const step = String(stepIndex(e.step)).padStart(2, '0');
  const transition = String(TRANSITIONS.indexOf(e.state)).padStart(2, '0');
  const key = `${padSubmission(e.submissionId)}-${step}-${transition}`;
  return e.revision ? `${key}-r${String(e.revision).padStart(4, '0')}` : key;
}

export function createHistoryStore(storage: StorageClients): HistoryStore {
  const table = () => storage.table(TABLES.timeline);
  return {
    async append(event) {
      return insertIfAbsent(await table(), historyEntity(event));
    },
    async list(offerId) {
      const events = (await listPrefix(await table(), offerId, 'hist|')).map((row) =>
        decodeDoc<HistoryEvent>(row),
      );
      return events.sort((a, b) =>
        a.submissionId === b.submissionId
          ? a.at.localeCompare(b.at) || rowKey(a).localeCompare(rowKey(b))
          : Number(a.submissionId) - Number(b.submissionId),
      );
    },
  };
}
