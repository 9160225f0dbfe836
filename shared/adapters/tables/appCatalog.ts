import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { AppCatalog, CatalogEntry } from '../../domain/package/technical';
import { normalizeAppId } from '../../domain/package/technical';
import type { AppIdClaim, AppIdClaims, ClaimResult, SubmissionInProgress } from '../../domain/appClaims';
import { claimKey } from '../../domain/appClaims';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import { getEntity, isStatus, listPartition, safeKey, StoredEntity } from './documents';
import { RememberedRows } from './rememberedRows';

/** The claim row of an app id's partition; offer ids never start with `~` (api.md offerId). */
const CLAIM_ROW = '~claim';
/** One row per claim of a submission in progress (row key = app id): what the reconciler walks. */
const PENDING_PARTITION = '~pending';
const MAX_ATTEMPTS = 20;

/**
 * Table AppCatalog: partition = app id, row = offer id. "Is this app id used elsewhere" and
 * "which version of this app is live" read one small partition (the offers that use that id),
 * never the whole table. The partition's `~claim` row says which offer holds the id (design.md
 * `manifest.app-id-taken`); entries show that holder as `passedAt` (a submission in progress
 * passed step 2 with it) or `liveVersion`. Rows are merged, so nothing erases a live version.
 */
export function createAppCatalog(storage: StorageClients): AppCatalog & AppIdClaims {
  const table = () => storage.table(TABLES.appCatalog);
  const claims = createClaims(table);
  return {
    ...claims,
    async entriesFor(appId) {
      const rows = await listPartition(await table(), normalizeAppId(appId));
      const claim = rows.find((r) => r.rowKey === CLAIM_ROW);
      const held = claim && toClaim(claim);
      const entries = rows.filter((r) => r.rowKey !== CLAIM_ROW).map((r) => toEntry(r, held));
      // A submission in progress holds the id before its offer has a row of its own (step 8 writes it).
      if (held?.submissionId && !entries.some((e) => e.offerId === held.offerId)) {
        entries.push({ appId: held.appId, offerId: held.offerId, passedAt: held.claimedAt });
      }
      return entries;
    },
    async recordLive(appId, offerId, version, livePackage) {
      await (await table()).upsertEntity(row(appId, offerId, { liveVersion: version, livePackage }), 'Merge');
    },
  };
}

function createClaims(table: () => Promise<TableClient>): AppIdClaims {
  /**
   * The claim rows this process wrote, with their ETags (rememberedRows.ts): a submission's step 8
   * (or its end) changes the claim its step 2 wrote with no read first, under that ETag. Only a
   * write follows from a remembered row: a decision to leave it is taken again on a fresh read,
   * and a 412 reads and decides again, as does any failed request (which forgets the row).
   */
  const written = new RememberedRows<StoredEntity>();
  /** The `alongside` rows a change wrote with its claim (the caller writes them itself otherwise). */
  const carried = new WeakSet<object>();

  /** Read-modify-write of one claim row under its ETag; `next` undefined = leave, null = delete. */
  async function change(
    appId: string,
    next: (current: AppIdClaim | undefined) => AppIdClaim | null | undefined,
    /** The claim row as the caller just read it, or as this process wrote it (`remembered`). */
    read?: { row: StoredEntity | undefined; remembered?: boolean },
    /** A row of the same partition written with the claim, in one transaction (Merge). */
    alongside?: Record<string, unknown> & { partitionKey: string; rowKey: string },
  ): Promise<AppIdClaim | undefined> {
    const t = await table();
    const key = claimKey(appId);
    written.forget(key);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const fromMemory = attempt === 0 && !!read?.remembered;
      const stored = attempt === 0 && read ? read.row : await getEntity(t, key, CLAIM_ROW);
      const current = stored && toClaim(stored);
      const wanted = next(current);
      if (wanted === undefined && fromMemory) continue; // leaving it is decided on a fresh read
      if (wanted === undefined) return current;
      try {
        let etag: string | undefined;
        if (wanted && alongside) {
          const claimWrite: TransactionAction = stored
            ? ['update', claimEntity(wanted), 'Replace', { etag: stored.etag }]
            : ['create', claimEntity(wanted)];
          const response = await t.submitTransaction([claimWrite, ['upsert', alongside, 'Merge']]);
          etag = response.subResponses.find((r) => r.rowKey === CLAIM_ROW)?.etag;
          carried.add(alongside);
        } else if (wanted === null) {
          if (stored) await t.deleteEntity(key, CLAIM_ROW, { etag: stored.etag });
        } else if (stored) {
          etag = (await t.updateEntity(claimEntity(wanted), 'Replace', { etag: stored.etag })).etag;
        } else {
          // The conditional insert: 409 if another was first.
          etag = (await t.createEntity(claimEntity(wanted))).etag;
        }
        if (wanted && etag) written.set(key, { ...claimEntity(wanted), etag } as StoredEntity);
        await syncPending(t, key, wanted);
        return wanted ?? undefined;
      } catch (error) {
        written.forget(key);
        if (!isStatus(error, 412) && !isStatus(error, 409) && !isStatus(error, 404)) throw error;
      }
    }
    throw new Error(`the claim of app id ${key} kept changing; gave up`);
  }

  function rememberedRow(appId: string): { row: StoredEntity; remembered: true } | undefined {
    const row = written.get(claimKey(appId));
    return row && { row, remembered: true };
  }

  async function read(appId: string): Promise<{ row: StoredEntity | undefined }> {
    return { row: await getEntity(await table(), claimKey(appId), CLAIM_ROW) };
  }

  async function get(appId: string): Promise<AppIdClaim | undefined> {
    const { row } = await read(appId);
    return row && toClaim(row);
  }

  return {
    get,
    async claim(appId, offerId, submissionId, at, inProgress: SubmissionInProgress): Promise<ClaimResult> {
      let refusedBy: AppIdClaim | undefined;
      // Whether another offer's pending claim is stale is read before the conditional write, so a
      // write that lost a race re-reads the row and decides again.
      for (let round = 0; round < MAX_ATTEMPTS; round++) {
        const seenRow = await read(appId);
        const current = seenRow.row && toClaim(seenRow.row);
        // Asking whether another offer's submission is in progress takes time: then the row is
        // read again by the write (as a refusal must be decided on a fresh read).
        const asks =
          !!current && current.offerId !== offerId && !current.liveSubmissionId && !!current.submissionId;
        const stale =
          !!current &&
          current.offerId !== offerId &&
          !current.liveSubmissionId &&
          !(current.submissionId && (await inProgress(current.offerId, current.submissionId)));
        refusedBy = undefined;
        const seen = current && JSON.stringify(current);
        let moved = false;
        const written = await change(
          appId,
          (now) => {
            if (JSON.stringify(now) !== seen) {
              moved = true; // changed since it was judged: judge again
              return undefined;
            }
            if (!now || stale) return fresh(appId, offerId, submissionId, at);
            if (now.offerId !== offerId) {
              refusedBy = now;
              return undefined;
            }
            if (now.submissionId === submissionId) return undefined;
            return { ...now, submissionId, claimedAt: at };
          },
          asks ? undefined : seenRow,
        );
        if (moved) continue;
        if (refusedBy) return { taken: false, holder: refusedBy };
        if (written?.offerId === offerId) return { taken: true };
      }
      throw new Error(`the claim of app id ${claimKey(appId)} kept changing; gave up`);
    },
    async release(appId, offerId, submissionId) {
      await change(
        appId,
        (now) => {
          if (!now || now.offerId !== offerId || now.submissionId !== submissionId) return undefined;
          return now.liveSubmissionId ? { ...now, submissionId: '' } : null;
        },
        rememberedRow(appId),
      );
    },
    async holdLive(appId, offerId, submissionId, at, live) {
      const entry = live && row(appId, offerId, { liveVersion: live.version, livePackage: live.livePackage });
      await change(
        appId,
        (now) => {
          if (now?.offerId === offerId && now.liveSubmissionId === submissionId && !now.submissionId)
            return undefined;
          // Going live takes the id whatever a stale claim says: step 2 of this submission held it.
          return { ...fresh(appId, offerId, '', at), liveSubmissionId: submissionId };
        },
        rememberedRow(appId),
        entry,
      );
      // Held already (a retry): the catalogue's row on its own (Merge: repeatable).
      if (entry && !carried.has(entry)) await (await table()).upsertEntity(entry, 'Merge');
    },
    async releaseLive(appId, offerId) {
      await change(appId, (now) => {
        if (!now || now.offerId !== offerId || !now.liveSubmissionId) return undefined;
        return now.submissionId ? { ...now, liveSubmissionId: '' } : null;
      });
      // The catalogue no longer lists a live version of it in that offer (dependencies, app ids).
      await (await table()).upsertEntity(row(appId, offerId, { liveVersion: '', livePackage: '' }), 'Merge');
    },
    async pending() {
      const rows = await listPartition(await table(), PENDING_PARTITION);
      return rows.map(toClaim);
    },
  };
}

/** Keeps the pending index in step with the claim row (repaired by reconcileAppClaims if this fails). */
async function syncPending(t: TableClient, key: string, claim: AppIdClaim | null): Promise<void> {
  if (claim?.submissionId) {
    await t.upsertEntity({ ...claimEntity(claim), partitionKey: PENDING_PARTITION, rowKey: key }, 'Replace');
    return;
  }
  try {
    await t.deleteEntity(PENDING_PARTITION, key);
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
  }
}

function fresh(appId: string, offerId: string, submissionId: string, at: string): AppIdClaim {
  return { appId: claimKey(appId), offerId, submissionId, liveSubmissionId: '', claimedAt: at };
}

function claimEntity(c: AppIdClaim) {
  return {
    partitionKey: claimKey(c.appId),
    rowKey: CLAIM_ROW,
    appId: claimKey(c.appId),
    offerId: c.offerId,
    submissionId: c.submissionId,
    liveSubmissionId: c.liveSubmissionId,
    claimedAt: c.claimedAt,
  };
}

function toClaim(r: StoredEntity | Record<string, unknown>): AppIdClaim {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    appId: text(r.appId) || text(r.partitionKey),
    offerId: text(r.offerId),
    submissionId: text(r.submissionId),
    liveSubmissionId: text(r.liveSubmissionId),
    claimedAt: text(r.claimedAt),
  };
}

function row(appId: string, offerId: string, values: Record<string, string>) {
  return { partitionKey: normalizeAppId(appId), rowKey: safeKey(offerId), offerId, ...values };
}

/**
 * A catalogue entry. `passedAt` says "that offer holds the id with a submission in progress" and
 * comes from the claim only: a package report that passed claims nothing (rows written by earlier
 * versions with a `passedAt` of their own are ignored).
 */
function toEntry(r: Record<string, unknown>, claim: AppIdClaim | undefined): CatalogEntry {
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const entry: CatalogEntry = { appId: String(r.partitionKey), offerId: String(r.offerId ?? r.rowKey) };
  const liveVersion = text(r.liveVersion);
  const livePackage = text(r.livePackage);
  if (liveVersion) entry.liveVersion = liveVersion;
  if (livePackage) entry.livePackage = livePackage;
  if (claim?.submissionId && claim.offerId === entry.offerId) entry.passedAt = claim.claimedAt;
  return entry;
}
