import type { OfferEventInput } from './offerEvents';
import type { Offer } from '../domain/offer';
import type { OfferStatus, ReviewDecision, SubmissionError } from '../domain/status';
import type { SubmissionState } from '../domain/states';
import type { StepId } from '../domain/steps';
import type { Transition } from '../domain/states';
import type { LeadRecord } from '../domain/leads';
import type { PackageReport } from '../domain/package/report';
import type { ListView, Page } from '../domain/offerSummary';
import type { Question, StoredAnswer } from '../domain/questions';

/**
 * What the application needs from storage. Adapters implement these over Azure Tables
 * (shared/adapters/tables); everything above them is storage-agnostic.
 */

export interface OfferStore {
  get(offerId: string): Promise<Offer | undefined>;
  /** Creates or replaces; `created` tells which. */
  put(offer: Offer): Promise<{ created: boolean }>;
  /** Insert-if-absent (first writer owns the id): false when the offer already exists. */
  create(offer: Offer): Promise<boolean>;
  list(): Promise<Offer[]>;
  /**
   * Replaces the stored offer with `mutate(stored)` (undefined: leave it) when that changes nothing
   * the offer lists show (name, owner, updatedAt): one read and one write under its ETag, and no
   * list refresh. Resolves false, writing nothing, when there is no offer or the lists would change.
   */
  updateUnlisted(offerId: string, mutate: (offer: Offer) => Offer | undefined): Promise<boolean>;
}

/** Thrown by `update` when a mutation keeps losing ETag races (it re-reads and retries first). */
export class ConcurrentUpdateError extends Error {}

export interface StatusStore {
  get(offerId: string): Promise<OfferStatus | undefined>;
  list(): Promise<OfferStatus[]>;
  /** Every status, a page at a time (the reconciler's daily sweep: bounded memory). */
  pages(): AsyncIterable<OfferStatus[]>;
  /**
   * Read-modify-write under the row's ETag, retried on conflict, so two writers never silently
   * overwrite each other. `mutate` gets the current status (or `initial` when none is stored) and
   * returns the next one, or undefined for "no change". It may throw a DomainError to refuse.
   */
  update(
    offerId: string,
    mutate: (current: OfferStatus) => OfferStatus | undefined,
    initial: () => OfferStatus,
  ): Promise<OfferStatus>;
}

export interface SubmissionRecord {
  offerId: string;
  submissionId: string;
  instanceId: string;
  state: SubmissionState;
  notificationEmail: string;
  startedAt: string;
  endedAt: string | null;
  error: SubmissionError | null;
  /** Blob name of the offer snapshot the submission started with. */
  snapshotBlobName?: string;
}

export interface SubmissionStore {
  put(record: SubmissionRecord): Promise<void>;
  /** Writes the record only if there is none; resolves with the record stored afterwards. */
  create(record: SubmissionRecord): Promise<SubmissionRecord>;
  get(offerId: string, submissionId: string): Promise<SubmissionRecord | undefined>;
  /**
   * Deletes the record of a submission that never started (a refused Publish's undo), only while
   * it is exactly `expected`: one the reconciler has since ended is kept. False when gone or changed.
   */
  removeIfUnchanged(expected: SubmissionRecord): Promise<boolean>;
  /** Oldest first. */
  list(offerId: string): Promise<SubmissionRecord[]>;
}

export interface HistoryEvent {
  offerId: string;
  submissionId: string;
  step: StepId;
  state: Transition;
  at: string;
  message?: string;
  actor?: string;
  /** A repeated transition of one step (an Admin moving step 8's date): numbered from 1. */
  revision?: number;
}

export interface HistoryStore {
  /** Idempotent by (submission, step, transition): returns false when the row already existed. */
  append(event: HistoryEvent): Promise<boolean>;
  /** In order of occurrence. */
  list(offerId: string): Promise<HistoryEvent[]>;
}

export type NotificationStatus = 'Queued' | 'Sent' | 'Failed' | 'OutboxOnly';

export interface Notification {
  offerId: string;
  submissionId: string;
  /** De-duplication key, e.g. `${submissionId}|${step}|${transition}`. */
  key: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  step: StepId | null;
  transition: string;
  sentAt: string;
  status: NotificationStatus;
}

export interface NotificationOutbox {
  /** Insert-if-absent by key: returns false when this notification was already recorded. */
  add(notification: Notification): Promise<boolean>;
  get(offerId: string, key: string): Promise<Notification | undefined>;
  setStatus(offerId: string, key: string, status: NotificationStatus): Promise<void>;
  /**
   * Moves a row from status `from` to `to` under its ETag: false when the row is absent, not in
   * `from`, or another writer changed it first (so only one caller wins a claim).
   */
  changeStatus(
    offerId: string,
    key: string,
    from: NotificationStatus,
    to: NotificationStatus,
  ): Promise<boolean>;
  list(offerId: string): Promise<Notification[]>;
}

export interface DecisionStore {
  /** Insert-if-absent per (offer, submission, area): returns false when already decided. */
  add(offerId: string, submissionId: string, decision: ReviewDecision): Promise<boolean>;
  /**
   * Deletes the area's decision if it is still this one (same reviewer and time, row unchanged):
   * the undo of a decision that was never delivered. False when another one stands or none.
   */
  remove(offerId: string, submissionId: string, decision: ReviewDecision): Promise<boolean>;
  list(offerId: string, submissionId: string): Promise<ReviewDecision[]>;
}

/** The latest package validation report per offer (latest upload wins) and a receipt per validated blob version. */
export interface PackageReportStore {
  get(offerId: string): Promise<PackageReport | undefined>;
  /**
   * Stores the report unless the stored one is of a later upload (compared by upload sequence
   * under the row's ETag, shared/domain/uploadOrder.ts); false when it was not stored.
   */
  put(offerId: string, report: PackageReport): Promise<boolean>;
  /** Takes the offer's next upload sequence number (1, 2, ...), once per accepted upload. */
  nextSequence(offerId: string): Promise<number>;
  /** The last number taken (0 before any). */
  currentSequence(offerId: string): Promise<number>;
  /**
   * The number of a blob version that carries none of its own: taken once, on the first call for
   * that version, and the same on every later call (a retried trigger keeps its place).
   */
  sequenceOfVersion(offerId: string, blobName: string, etag: string): Promise<number>;
  /** Whether this blob version (name and ETag) was already validated and announced. */
  wasHandled(offerId: string, blobName: string, etag: string): Promise<boolean>;
  /** Insert-if-absent receipt: false when this blob version was already handled. */
  markHandled(offerId: string, blobName: string, etag: string): Promise<boolean>;
  /** The attempts at validating this blob version so far (one row per delivery that started one). */
  attempts(offerId: string, blobName: string, etag: string): Promise<ValidationAttempt[]>;
  /** Writes (or rewrites) one attempt's row. */
  recordAttempt(offerId: string, blobName: string, etag: string, attempt: ValidationAttempt): Promise<void>;
  /**
   * This store, with what the package trigger reads first about one blob version (its receipt, the
   * offer's upload counter, its attempts, the stored report) read in one query: the first read of
   * each is answered from it, any later one from storage again.
   */
  withFirstReads(offerId: string, blobName: string, etag: string): Promise<PackageReportStore>;
}

/**
 * One attempt at validating a blob version (functions/validatePackageBlob.ts): `running` while its
 * invocation lives (it renews `aliveUntil`), then `failed` or `done`. A `running` attempt whose
 * `aliveUntil` passed died with its process (a crash).
 */
export interface ValidationAttempt {
  attemptId: string;
  state: 'running' | 'failed' | 'done';
  aliveUntil: string;
}

export interface LeadStore {
  get(offerId: string, leadId: string): Promise<LeadRecord | undefined>;
  /** Creates or replaces the lead's row (state moves Delivering -> Delivered or Failed). */
  put(record: LeadRecord): Promise<void>;
  list(offerId: string): Promise<LeadRecord[]>;
}

/**
 * The read models of "All offers" (api.md): every offer and offers by state for reviewers and
 * Admin, and each publisher's own offers. Derived from the Offers and OfferStatus rows, rewritten
 * by every write of either (so they follow the status in the same request or activity).
 */
/** A status its writer just stored, with the revision it stored it at: the refresh need not read it. */
export interface KnownStatus {
  status: OfferStatus;
  revision: number;
}

export interface OfferIndex {
  /**
   * Makes the offer's rows match its stored offer and status (read here). Idempotent; safe to run
   * concurrently with other writers of the same offer: rows never go back to an older offer or
   * status, whichever writer lands last. A no-op when the offer does not exist. Resolves true
   * when it had to write (the rows did not match what is stored).
   */
  refresh(offerId: string, known?: KnownStatus): Promise<boolean>;
  /** One page of a view in offerId order, starting after `after`. Costs the rows it returns. */
  page(view: ListView, after: string | undefined, top: number): Promise<Page>;
  /**
   * Indexes offers stored before the index existed, once per storage account (a marker row
   * records it); later calls cost one point read per process, then nothing.
   */
  ensureBackfilled(): Promise<void>;
}

/**
 * The submissions the reconciler watches (its cost follows this list, not the marketplace): a row
 * per offer written BEFORE its status turns active and removed only after the submission ended
 * and the offer's derived rows were written. `stale` lists offers whose derived rows a failed
 * write may have left behind.
 */
export interface ActiveSubmissions {
  /** Upsert: (re)marks the offer as having an active submission since `since`. */
  mark(offerId: string, submissionId: string, since: string): Promise<void>;
  list(): Promise<WatchEntry[]>;
  /** Removes the row if it is still the one read (false when it changed meanwhile or is gone). */
  remove(entry: WatchEntry): Promise<boolean>;
  /** Removes the offer's row if it names this submission (after the submission ended). */
  clear(offerId: string, submissionId: string): Promise<void>;
  /** Upsert; resolves with the row as written (its ETag), so its writer can take it back. */
  markStale(offerId: string, at: string): Promise<WatchEntry>;
  listStale(): Promise<WatchEntry[]>;
  removeStale(entry: WatchEntry): Promise<boolean>;
  /** When the whole OfferStatus table was last swept for active statuses missing from the list. */
  lastSweep(): Promise<string | undefined>;
  setLastSweep(at: string): Promise<void>;
}

export interface WatchEntry {
  offerId: string;
  submissionId: string | null;
  /** The workflow clock's time of the mark. */
  since: string;
  /** The storage service's time of the last write (real time, also on the local host). */
  writtenAt: string;
  etag: string;
}

/** The time offers are stamped with: the same clock the workflow runs on. */
export interface Clock {
  now(): Promise<Date>;
}

export interface QuestionPage {
  items: Question[];
  next: string | null;
}

/** The bounded sets of the question table: their places are ids. */
export type QuestionSet =
  | { kind: 'questions'; submissionId: string }
  | { kind: 'answers'; questionId: string }
  | { kind: 'emails'; hour: string };

/** A question as stored: api.md's fields without the answers (they are rows of their own). */
export type StoredQuestion = Omit<Question, 'answers'>;

/**
 * Questions during review. Every write is idempotent (ids derive from the content), so a
 * repeated request completes what an earlier attempt left undone and never adds a second row.
 */
/** A webhook event waiting in the questions' outbox, in the partition of what it tells. */
export interface PendingEvent {
  /** The outbox row; also the append's key, so the event is appended once. */
  key: string;
  event: OfferEventInput;
}

export interface QuestionStore {
  /**
   * Insert-if-absent: false when this question was already stored. Its webhook event is written
   * in the same transaction, to the outbox (pendingEvents), never after it.
   */
  addQuestion(offerId: string, question: StoredQuestion, event: OfferEventInput): Promise<boolean>;
  /** The outbox's events, oldest first. */
  pendingEvents(offerId: string): Promise<PendingEvent[]>;
  /** Removes one from the outbox (once appended to the offer's events). */
  clearEvent(offerId: string, key: string): Promise<void>;
  /** The question with its answers (oldest first). */
  get(offerId: string, questionId: string): Promise<Question | undefined>;
  /**
   * One page of the offer's questions with their answers, newest first: `top` of them after the
   * `after` cursor of the previous page; `next` is the cursor of the next page, or null.
   */
  page(offerId: string, after: string | undefined, top: number): Promise<QuestionPage>;
  /**
   * Takes one of `cap` places of a bounded set (a submission's questions, a question's answers,
   * an hour's emails) for `id`: true when `id` holds one (also from an earlier attempt), false
   * when the set is full. One conditional write per new id, so concurrent writers never overfill.
   */
  reserve(offerId: string, set: QuestionSet, id: string, cap: number): Promise<boolean>;
  /** Insert-if-absent: false when this answer was already stored. Its event as addQuestion's. */
  addAnswer(offerId: string, answer: StoredAnswer, event: OfferEventInput): Promise<boolean>;
  /** Sets resolvedAt unless already set; returns the question as stored afterwards. */
  resolve(offerId: string, questionId: string, at: string): Promise<StoredQuestion | undefined>;
  /** Keeps the set of a submission's open questions: one point read answers the count. */
  setOpen(offerId: string, submissionId: string, questionId: string, open: boolean): Promise<void>;
  openCount(offerId: string, submissionId: string): Promise<number>;
}
