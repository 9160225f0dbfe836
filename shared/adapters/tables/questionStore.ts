import type { TableClient } from '@azure/data-tables';
import type { Question, StoredAnswer } from '../../domain/questions';
import { QUESTION_CURSOR, withAnswers } from '../../domain/questions';
import type { PendingEvent, QuestionSet, QuestionStore, StoredQuestion } from '../../ports/stores';
import type { OfferEventInput } from '../../ports/offerEvents';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import {
  createChecked,
  decodeDoc,
  encodeDoc,
  getEntity,
  insertIfAbsent,
  isStatus,
  replaceChecked,
} from './documents';
import { padSubmission } from './submissionStore';

/**
 * Table ReviewQuestions, one partition per offer: a row per question (`q_{id}`), a row per answer
 * (`a_{questionId}_{answerId}`), so a long thread never outgrows one entity, and a row per
 * submission with its open question ids (`open_{submission}`), which the status reads in one
 * point read while step 7 runs. Beside them:
 * - an index row per question (`t_{inverted askedAt}_{id}`), written with the question in one
 *   transaction: a range of them is a page of questions, newest first;
 * - a row per bounded set (`set_questions_{submission}`, `set_answers_{questionId}`,
 *   `set_emails_{hour}`) holding the ids that took its places.
 */
const questionKey = (id: string) => `q_${id}`;
const answerPrefix = (questionId: string) => `a_${questionId}_`;
const openKey = (submissionId: string) => `open_${padSubmission(submissionId)}`;
/** Milliseconds until the year 2286: the inverted time sorts the newest question first. */
const TIME_SPAN = 9_999_999_999_999;
const indexKey = (q: StoredQuestion) =>
  `t_${String(TIME_SPAN - Date.parse(q.askedAt)).padStart(13, '0')}_${q.questionId}`;
const INDEX_START = 't_';
/** '`' follows '_' in code order: below it lie exactly the keys that start with `t_`. */
const INDEX_END = 't`';
const setKey = (set: QuestionSet) =>
  set.kind === 'questions'
    ? `set_questions_${padSubmission(set.submissionId)}`
    : set.kind === 'answers'
      ? `set_answers_${set.questionId}`
      : `set_emails_${set.hour}`;
const MAX_ATTEMPTS = 20;
/**
 * The outbox of webhook events (`evt_{at}_{id}`), each written with its question or answer in one
 * transaction and removed once appended to the offer's events: in time order, ahead of the
 * `open_`, `q_`, `set_` and `t_` rows.
 */
const OUTBOX_START = 'evt_';
const OUTBOX_END = 'evt`';
const outboxRow = (offerId: string, id: string, event: OfferEventInput) => ({
  partitionKey: offerId,
  rowKey: `${OUTBOX_START}${event.at}_${id}`,
  event: JSON.stringify(event),
});

interface OpenSet {
  ids: string[];
}

export function createQuestionStore(storage: StorageClients): QuestionStore {
  const table = () => storage.table(TABLES.questions);

  async function answersOf(t: TableClient, offerId: string, questionId: string): Promise<StoredAnswer[]> {
    const prefix = answerPrefix(questionId);
    const escape = (v: string) => v.replace(/'/g, "''");
    // '`' follows '_' in code order: the range holds exactly the keys that start with the prefix.
    const filter = `PartitionKey eq '${escape(offerId)}' and RowKey ge '${prefix}' and RowKey lt '${prefix.slice(0, -1)}\`'`;
    const rows: StoredAnswer[] = [];
    for await (const row of t.listEntities<Record<string, unknown>>({ queryOptions: { filter } }))
      rows.push(decodeDoc<StoredAnswer>(row));
    return rows;
  }

  /** Read-modify-write of one row under its ETag, retried when another writer came first. */
  async function change<T>(
    t: TableClient,
    offerId: string,
    rowKey: string,
    mutate: (current: T | undefined) => T | undefined,
  ): Promise<T | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const row = await getEntity(t, offerId, rowKey);
      const current = row ? decodeDoc<T>(row) : undefined;
      const next = mutate(current);
      if (next === undefined) return current;
      const entity = { partitionKey: offerId, rowKey, ...encodeDoc(next) };
      try {
        if (row?.etag) await replaceChecked(t, entity, row.etag);
        else await createChecked(t, entity);
        return next;
      } catch (error) {
        if (!isStatus(error, 412) && !isStatus(error, 409)) throw error;
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 10 * (attempt + 1)));
      }
    }
    throw new Error(`row ${rowKey} of '${offerId}' kept changing; gave up after ${MAX_ATTEMPTS} attempts`);
  }

  async function get(offerId: string, questionId: string): Promise<Question | undefined> {
    const t = await table();
    const row = await getEntity(t, offerId, questionKey(questionId));
    if (!row) return undefined;
    return withAnswers(decodeDoc<StoredQuestion>(row), await answersOf(t, offerId, questionId));
  }

  /**
   * The question row, its index row and its event, together: a question is listed exactly when it
   * exists, and its event is told exactly when it exists.
   */
  async function addQuestion(
    offerId: string,
    question: StoredQuestion,
    event: OfferEventInput,
  ): Promise<boolean> {
    const t = await table();
    const row = { partitionKey: offerId, rowKey: questionKey(question.questionId), ...encodeDoc(question) };
    const index = { partitionKey: offerId, rowKey: indexKey(question), questionId: question.questionId };
    const outbox = outboxRow(offerId, `q_${question.questionId}`, event);
    try {
      await t.submitTransaction([
        ['create', row],
        ['create', index],
        ['create', outbox],
      ]);
      return true;
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
    }
    // Asked before (a retry): the index row follows the time first stored.
    const stored = await getEntity(t, offerId, questionKey(question.questionId));
    const first = stored ? decodeDoc<StoredQuestion>(stored) : question;
    const created = stored ? false : await insertIfAbsent(t, row);
    if (created) await insertIfAbsent(t, outbox);
    await insertIfAbsent(t, { ...index, rowKey: indexKey(first) });
    return created;
  }

  return {
    addQuestion,
    get,
    async page(offerId, after, top) {
      const t = await table();
      const escape = (v: string) => v.replace(/'/g, "''");
      const from =
        after && QUESTION_CURSOR.test(after) ? `RowKey gt '${after}'` : `RowKey ge '${INDEX_START}'`;
      const filter = `PartitionKey eq '${escape(offerId)}' and ${from} and RowKey lt '${INDEX_END}'`;
      const keys: { rowKey: string; questionId: string }[] = [];
      const rows = t.listEntities<Record<string, unknown>>({
        queryOptions: { filter, select: ['RowKey', 'questionId'] },
      });
      for await (const row of rows.byPage({ maxPageSize: top + 1 })) {
        for (const entity of row)
          keys.push({ rowKey: String(entity.rowKey), questionId: String(entity.questionId) });
        if (keys.length > top) break;
      }
      const shown = keys.slice(0, top);
      const items = await Promise.all(shown.map((k) => get(offerId, k.questionId)));
      return {
        items: items.filter((q): q is Question => q !== undefined),
        next: keys.length > top ? (shown[shown.length - 1]?.rowKey ?? null) : null,
      };
    },
    async reserve(offerId, set, id, cap) {
      let granted = false;
      await change<OpenSet>(await table(), offerId, setKey(set), (current) => {
        const ids = current?.ids ?? [];
        granted = ids.includes(id) || ids.length < cap;
        return ids.includes(id) || !granted ? undefined : { ids: [...ids, id] };
      });
      return granted;
    },
    async addAnswer(offerId, answer, event) {
      const rowKey = `${answerPrefix(answer.questionId)}${answer.answerId}`;
      const outbox = outboxRow(offerId, `a_${answer.questionId}_${answer.answerId}`, event);
      try {
        await (
          await table()
        ).submitTransaction([
          ['create', { partitionKey: offerId, rowKey, ...encodeDoc(answer) }],
          ['create', outbox],
        ]);
        return true;
      } catch (error) {
        if (isStatus(error, 409)) return false;
        throw error;
      }
    },
    async pendingEvents(offerId) {
      const escape = (v: string) => v.replace(/'/g, "''");
      const filter = `PartitionKey eq '${escape(offerId)}' and RowKey ge '${OUTBOX_START}' and RowKey lt '${OUTBOX_END}'`;
      const pending: PendingEvent[] = [];
      for await (const row of (await table()).listEntities<Record<string, unknown>>({
        queryOptions: { filter },
      }))
        pending.push({ key: String(row.rowKey), event: JSON.parse(String(row.event)) as OfferEventInput });
      return pending;
    },
    async clearEvent(offerId, key) {
      try {
        await (await table()).deleteEntity(offerId, key);
      } catch (error) {
        if (!isStatus(error, 404)) throw error;
      }
    },
    async resolve(offerId, questionId, at) {
      return change<StoredQuestion>(await table(), offerId, questionKey(questionId), (current) =>
        current && !current.resolvedAt ? { ...current, resolvedAt: at } : undefined,
      );
    },
    async setOpen(offerId, submissionId, questionId, open) {
      await change<OpenSet>(await table(), offerId, openKey(submissionId), (current) => {
        const ids = current?.ids ?? [];
        if (ids.includes(questionId) === open) return undefined;
        return { ids: open ? [...ids, questionId] : ids.filter((id) => id !== questionId) };
      });
    },
    async openCount(offerId, submissionId) {
      const row = await getEntity(await table(), offerId, openKey(submissionId));
      return row ? decodeDoc<OpenSet>(row).ids.length : 0;
    },
  };
}
