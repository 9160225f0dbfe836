import type { TableClient } from '@azure/data-tables';
import type { Question, StoredAnswer } from '../../domain/questions';
import { newestFirst, withAnswers } from '../../domain/questions';
import type { QuestionStore, StoredQuestion } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import {
  createChecked,
  decodeDoc,
  encodeDoc,
  getEntity,
  insertIfAbsent,
  isStatus,
  listPartition,
  replaceChecked,
} from './documents';
import { padSubmission } from './submissionStore';

/**
 * Table ReviewQuestions, one partition per offer: a row per question (`q_{id}`), a row per answer
 * (`a_{questionId}_{answerId}`), so a long thread never outgrows one entity, and a row per
 * submission with its open question ids (`open_{submission}`), which the status reads in one
 * point read while step 7 runs.
 */
const questionKey = (id: string) => `q_${id}`;
const answerPrefix = (questionId: string) => `a_${questionId}_`;
const openKey = (submissionId: string) => `open_${padSubmission(submissionId)}`;
const MAX_ATTEMPTS = 20;

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

  return {
    async addQuestion(offerId, question) {
      const entity = {
        partitionKey: offerId,
        rowKey: questionKey(question.questionId),
        ...encodeDoc(question),
      };
      return insertIfAbsent(await table(), entity);
    },
    async get(offerId, questionId) {
      const t = await table();
      const row = await getEntity(t, offerId, questionKey(questionId));
      if (!row) return undefined;
      return withAnswers(decodeDoc<StoredQuestion>(row), await answersOf(t, offerId, questionId));
    },
    async list(offerId) {
      const rows = await listPartition(await table(), offerId);
      const questions: StoredQuestion[] = [];
      const answers: StoredAnswer[] = [];
      for (const row of rows) {
        if (row.rowKey?.startsWith('q_')) questions.push(decodeDoc<StoredQuestion>(row));
        else if (row.rowKey?.startsWith('a_')) answers.push(decodeDoc<StoredAnswer>(row));
      }
      return newestFirst(questions.map((q): Question => withAnswers(q, answers)));
    },
    async addAnswer(offerId, answer) {
      const rowKey = `${answerPrefix(answer.questionId)}${answer.answerId}`;
      return insertIfAbsent(await table(), { partitionKey: offerId, rowKey, ...encodeDoc(answer) });
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
