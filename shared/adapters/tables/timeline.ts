import type { TableClient, TransactionAction } from '@azure/data-tables';
import { TABLES } from '../../contracts/names';
import { pendingCancel } from '../../domain/rules';
import { isEnded, type EndedState } from '../../domain/states';
import type { CancelRequest, OfferStatus } from '../../domain/status';
import { applyChange, changeKey, headTransition, type StepChange } from '../../domain/stepChange';
import { instanceIdFor } from '../../domain/transitions';
import { snapshotBlobNameFor } from '../../domain/workflow';
import type { OfferEventInput } from '../../ports/offerEvents';
import type { HistoryEvent, Notification, SubmissionRecord } from '../../ports/stores';
import { ConcurrentUpdateError } from '../../ports/stores';
import type { StorageClients } from '../storage';
import {
  assertEntityFits,
  conflictPause,
  decodeDoc,
  encodeDoc,
  entitySize,
  getEntity,
  hasDoc,
  isStatus,
  mergeChecked,
  type DocEntity,
  type StoredEntity,
} from './documents';
import { historyEntity } from './historyStore';
import { eventEntity } from './offerEvents';
import { notificationEntity } from './notificationOutbox';
import { REVISION } from './revisions';
import { STATUS_ROW, statusRowMemory, type RememberedStatusRows } from './statusStore';
import { submissionEntity } from './submissionStore';

/**
 * A step change as one write (design.md "A step change is one write"), in the shape of the
 * Durable Task Framework's own tracking store (style.md): the offer's partition of OfferTimeline
 * holds its status row, submission records, history, email outbox and webhook events; the status
 * row is the sentinel. One change is one entity-group transaction: the status row replaced under
 * the ETag read before, with every row of the change beside it. A `412` means another writer
 * came first: read again and decide again. The status row keeps the keys of the changes already
 * applied, so a retried activity (or a late duplicate) finds its change there and writes nothing.
 */

/** Azure's limits of one entity-group transaction; Azurite enforces neither. */
export const AZURE_BATCH_LIMITS = { operations: 100, bytes: 4 * 1024 * 1024 } as const;
/** Keys of applied changes kept on the status row: far more than one submission's changes. */
const KEPT_CHANGE_KEYS = 50;
const MAX_ATTEMPTS = 20;

/** Columns of the status row besides its document. */
const EVENT_SEQ = 'eventSeq';
const CHANGES = 'changes';

/** What the caller builds from the status before and after the change (they depend on it). */
export interface ChangeContent {
  /** The change's email, or none (no address). */
  email?: (before: OfferStatus, after: OfferStatus) => Omit<Notification, 'status'> | undefined;
  /** The webhook events of the change. */
  events?: (before: OfferStatus, after: OfferStatus) => OfferEventInput[];
  /** The entity of one event (the webhook adapter's row format). */
  eventEntity?: (offerId: string, seq: number, event: OfferEventInput) => DocEntity;
  /** Status fields to add while writing (the offer's name, read once per submission). */
  enrich?: (status: OfferStatus) => Partial<OfferStatus>;
}

export type ChangeOutcome =
  /** The submission had ended before this change (the reconciler ended it): nothing written. */
  | { kind: 'ended'; end: EndedState }
  /** Step 8's start met an accepted Cancel: only the Cancel's `honored` mark was written. */
  | { kind: 'cancelRequested'; cancel: CancelRequest }
  /** Another submission owns the status now (a late duplicate): nothing written. */
  | { kind: 'stale'; status: OfferStatus }
  /** Written now, or found written (`already`: a retry). */
  | {
      kind: 'recorded';
      already: boolean;
      before: OfferStatus;
      after: OfferStatus;
      notification?: Omit<Notification, 'status'>;
      events: number;
      /** The status row's revision after this write (undefined when nothing was written). */
      revision?: number;
    };

export interface Timeline {
  record(change: StepChange, initial: () => OfferStatus, content: ChangeContent): Promise<ChangeOutcome>;
  /**
   * A status change that is no step change (a review decision shown on the status) with the webhook
   * events it makes, in one transaction: the events exist exactly when the change does. Resolves
   * with the status as stored and whether this call wrote it (false: `mutate` said no change).
   */
  updateWithEvents(
    offerId: string,
    mutate: (current: OfferStatus) => OfferStatus | undefined,
    events: (next: OfferStatus) => OfferEventInput[],
    initial: () => OfferStatus,
  ): Promise<{ status: OfferStatus; written: boolean }>;
}

/**
 * `remembered`: the status rows this process last read or wrote (rememberedRows.ts, shared with
 * the status store). A change is then decided on the remembered row and written under its ETag
 * without a read first; a `412` reads and decides again. Only "already applied" is answered from a
 * remembered row; every other answer that writes nothing is decided again on a fresh read.
 */
export function createTimeline(
  storage: StorageClients,
  emailConfigured: boolean,
  remembered?: RememberedStatusRows,
): Timeline {
  const table = () => storage.table(TABLES.timeline);
  const statusRow = async (t: TableClient, offerId: string, attempt: number) => {
    const memory = statusRowMemory(remembered, offerId);
    const cached = attempt === 0 ? memory?.get() : undefined;
    if (cached) return { row: cached, cached: true, memory };
    const row = await getEntity(t, offerId, STATUS_ROW);
    if (row) memory?.set(row);
    else memory?.forget();
    return { row, cached: false, memory };
  };
  return {
    async record(change, initial, content) {
      const t = await table();
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const { row, cached, memory } = await statusRow(t, change.offerId, attempt);
        const decided = decide(row, change, initial, content, emailConfigured);
        if (decided.kind !== 'write') {
          const applied = decided.outcome.kind === 'recorded' && decided.outcome.already;
          if (cached && !applied) continue; // decided on a remembered row: decide again on a fresh read
          return decided.outcome;
        }
        try {
          const after = await decided.write(t);
          if (after.etag) memory?.set(after);
          else memory?.forget();
          return decided.outcome;
        } catch (error) {
          memory?.forget();
          if (!isStatus(error, 412) && !isStatus(error, 409) && !isStatus(error, 404)) throw error;
          if (!cached) await conflictPause(attempt);
        }
      }
      throw new ConcurrentUpdateError(`status of '${change.offerId}' kept changing; gave up`);
    },
    async updateWithEvents(offerId, mutate, events, initial) {
      const t = await table();
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const { row, cached, memory } = await statusRow(t, offerId, attempt);
        const current = hasDoc(row) ? decodeDoc<OfferStatus>(row as StoredEntity) : initial();
        let next: OfferStatus | undefined;
        try {
          next = mutate(current);
        } catch (error) {
          if (!cached) throw error;
          continue; // refused on a remembered row: decide again on a fresh read
        }
        if (!next && cached) continue;
        if (!next) return { status: current, written: false };
        const made = events(next);
        const seq = Number(row?.[EVENT_SEQ] ?? 0) || 0;
        const written: DocEntity = {
          partitionKey: offerId,
          rowKey: STATUS_ROW,
          ...encodeDoc(next),
          [REVISION]: (Number(row?.[REVISION] ?? 0) || 0) + 1,
          [EVENT_SEQ]: seq + made.length,
        };
        const rows = made.map((e, i) => eventEntity(offerId, seq + i + 1, e));
        assertBatchFits([written, ...rows]);
        try {
          const response = await t.submitTransaction([
            row ? ['update', written, 'Merge', { etag: row.etag }] : ['create', written],
            ...rows.map((r): TransactionAction => ['create', r]),
          ]);
          rememberWritten(memory, row, written, response.subResponses[0]?.etag);
          return { status: next, written: true };
        } catch (error) {
          memory?.forget();
          if (!isStatus(error, 412) && !isStatus(error, 409)) throw error;
          if (!cached) await conflictPause(attempt);
        }
      }
      throw new ConcurrentUpdateError(`status of '${offerId}' kept changing; gave up`);
    },
  };
}

type Decided =
  | { kind: 'answer'; outcome: ChangeOutcome }
  /** `write` resolves with the status row as it now is (to remember). */
  | { kind: 'write'; outcome: ChangeOutcome; write: (t: TableClient) => Promise<StoredEntity> };

/** The status row after a Merge of `written` over `row`, under its new ETag (none: forget it). */
function merged(row: StoredEntity | undefined, written: DocEntity, etag: string | undefined) {
  return { ...(row ?? {}), ...written, etag: etag ?? '' } as StoredEntity;
}

function rememberWritten(
  memory: { set(row: StoredEntity): void; forget(): void } | undefined,
  row: StoredEntity | undefined,
  written: DocEntity,
  etag: string | undefined,
): void {
  if (etag) memory?.set(merged(row, written, etag));
  else memory?.forget();
}

function appliedKeys(row: StoredEntity | undefined): string[] {
  try {
    const keys = JSON.parse(String(row?.[CHANGES] ?? '[]')) as unknown;
    return Array.isArray(keys) ? keys.map(String) : [];
  } catch {
    return [];
  }
}

function decide(
  row: StoredEntity | undefined,
  change: StepChange,
  initial: () => OfferStatus,
  content: ChangeContent,
  emailConfigured: boolean,
): Decided {
  const status = hasDoc(row) ? decodeDoc<OfferStatus>(row as StoredEntity) : initial();
  const key = changeKey(change);
  const keys = appliedKeys(row);
  if (keys.includes(key)) {
    const outcome: ChangeOutcome = {
      kind: 'recorded',
      already: true,
      before: status,
      after: status,
      events: 0,
    };
    return { kind: 'answer', outcome };
  }
  if (status.submissionId !== change.submissionId)
    return { kind: 'answer', outcome: { kind: 'stale', status } };
  if (isEnded(status.state))
    return { kind: 'answer', outcome: { kind: 'ended', end: status.state as EndedState } };
  const cancel = startsPublishing(change) ? pendingCancel(status, change.submissionId) : undefined;
  if (cancel) return yieldToCancel(row, status, cancel);
  const enriched = { ...status, ...content.enrich?.(status) };
  const after = applyChange(enriched, change);
  const notification = content.email?.(status, after);
  const events = content.events?.(status, after) ?? [];
  const seq = Number(row?.[EVENT_SEQ] ?? 0) || 0;
  const revision = (Number(row?.[REVISION] ?? 0) || 0) + 1;
  const statusRow: DocEntity = {
    partitionKey: change.offerId,
    rowKey: STATUS_ROW,
    ...encodeDoc(after),
    [REVISION]: revision,
    [EVENT_SEQ]: seq + (content.eventEntity ? events.length : 0),
    [CHANGES]: JSON.stringify([...keys, key].slice(-KEPT_CHANGE_KEYS)),
  };
  const rows: DocEntity[] = [
    ...change.transitions.map((t) => historyEntity(historyEventOf(change, t))),
    submissionEntity(recordOf(after, change)),
    ...(notification
      ? [notificationEntity({ ...notification, status: emailConfigured ? 'Queued' : 'OutboxOnly' })]
      : []),
    ...(content.eventEntity
      ? events.map((e, i) => content.eventEntity!(change.offerId, seq + i + 1, e))
      : []),
  ];
  const actions: TransactionAction[] = [
    row ? ['update', statusRow, 'Merge', { etag: row.etag }] : ['create', statusRow],
    ...rows.map((r): TransactionAction => ['upsert', r, 'Replace']),
  ];
  assertBatchFits([statusRow, ...rows]);
  const outcome: ChangeOutcome = {
    kind: 'recorded',
    already: false,
    before: status,
    after,
    ...(notification ? { notification } : {}),
    events: content.eventEntity ? events.length : 0,
    revision,
  };
  const write = async (t: TableClient) => {
    const response = await t.submitTransaction(actions);
    return merged(row, statusRow, response.subResponses[0]?.etag);
  };
  return { kind: 'write', outcome, write };
}

function startsPublishing(change: StepChange): boolean {
  return change.transitions.some((t) => t.step === 'publish' && t.transition === 'started');
}

/**
 * Step 8 does not start: a Cancel accepted first stands. It is marked honored on the row, so a
 * Cancel route whose raise failed meanwhile knows its Cancel took effect (cancelSubmission.ts).
 */
function yieldToCancel(row: StoredEntity | undefined, status: OfferStatus, cancel: CancelRequest): Decided {
  const outcome: ChangeOutcome = { kind: 'cancelRequested', cancel };
  if (cancel.honored || !row) return { kind: 'answer', outcome };
  const next: OfferStatus = { ...status, cancelRequest: { ...cancel, honored: true } };
  const entity: DocEntity = {
    partitionKey: status.offerId,
    rowKey: STATUS_ROW,
    ...encodeDoc(next),
    [REVISION]: (Number(row[REVISION] ?? 0) || 0) + 1,
  };
  return {
    kind: 'write',
    outcome,
    write: async (t) => merged(row, entity, await mergeChecked(t, entity, row.etag)),
  };
}

function historyEventOf(change: StepChange, t: StepChange['transitions'][number]): HistoryEvent {
  return {
    offerId: change.offerId,
    submissionId: change.submissionId,
    step: t.step,
    state: t.transition,
    at: t.at,
    ...(t.message ? { message: t.message } : {}),
    ...(t.actor ? { actor: t.actor } : {}),
    ...(t.revision ? { revision: t.revision } : {}),
  };
}

/** The submission record as the status shows it after the change: nothing to read first. */
export function recordOf(status: OfferStatus, change: StepChange): SubmissionRecord {
  const ended = isEnded(status.state);
  return {
    offerId: change.offerId,
    submissionId: change.submissionId,
    instanceId: instanceIdFor(change.offerId, change.submissionId),
    state: status.state,
    notificationEmail: status.notificationEmail ?? '',
    startedAt: status.submittedAt ?? status.steps[0]?.startedAt ?? headTransition(change).at,
    endedAt: ended ? headTransition(change).at : null,
    error: status.error,
    snapshotBlobName: snapshotBlobNameFor(change.offerId, change.submissionId),
  };
}

/** Throws before the request when Azure would refuse the transaction (Azurite would not). */
export function assertBatchFits(entities: Record<string, unknown>[]): void {
  if (entities.length > AZURE_BATCH_LIMITS.operations)
    throw new Error(`${entities.length} operations in one transaction: Azure allows 100`);
  let bytes = 0;
  for (const entity of entities) {
    assertEntityFits(entity);
    bytes += entitySize(entity);
  }
  // Azure's count is 2 bytes a character, more than the JSON body's own; 10% for the envelope.
  if (bytes * 1.1 > AZURE_BATCH_LIMITS.bytes)
    throw new Error(`a transaction of about ${Math.round(bytes * 1.1)} bytes: Azure allows 4 MiB`);
}
