import { app, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { BlobClient, BlobGetPropertiesResponse } from '@azure/storage-blob';
import { z } from 'zod';
import { CONTAINERS, EVENTS, FUNCTIONS } from '../shared/contracts/names';
import type { PackageReportEvent } from '../shared/contracts/orchestration';
import { blobSource, cachedSource, technicalContext, validatePackage } from '../shared/adapters/package';
import type { BlobSource } from '../shared/adapters/package/blobSource';
import { isStatus } from '../shared/adapters/tables/documents';
import { internalFailureReport, pendingReport, type PackageReport } from '../shared/domain/package';
import { isActive } from '../shared/domain/states';
import { instanceIdFor } from '../shared/domain/transitions';
import {
  issuedSequence,
  parseUploadBlobName,
  storedBlobOf,
  tooLargeReport,
} from '../shared/domain/uploadOrder';
import { getServices, Services } from '../shared/services';
import {
  Attempts,
  MAX_VALIDATION_ATTEMPTS,
  attemptsUsedUp,
  startAttempts,
} from '../shared/actions/validationAttempts';

type Deps = Pick<
  Services,
  'storage' | 'offers' | 'statuses' | 'packageReports' | 'blobs' | 'appCatalog' | 'now' | 'settings'
>;

/** Failed tries per blob version before the report is settled (shared/actions/validationAttempts.ts). */
export { MAX_VALIDATION_ATTEMPTS };

/** The part of the durable client this trigger uses (undefined where the host gives none). */
export interface ReportEvents {
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
}

/** One uploaded version of a package blob, in upload order. */
interface Upload {
  offerId: string;
  /** The name shown and answered: `{offerId}/{fileName}`. */
  blobName: string;
  /** The blob holding the bytes: the upload's own blob, or where a direct upload landed. */
  storedAs: string;
  etag: string;
  /** Last-Modified from storage: shown, not compared (one-second resolution). */
  uploadedAt: string;
  /** The upload's place in the offer's order (shared/domain/uploadOrder.ts). */
  sequence: number;
  sequenceSource: 'upload' | 'event';
}

const OFFER_ID = /^[a-z0-9][a-z0-9-]{2,49}$/;
const PACKAGES_SUBJECT = `/blobServices/default/containers/${CONTAINERS.packages}/blobs/`;

/** The part of a `Microsoft.Storage.BlobCreated` event (EventGridSchema) this trigger reads. */
const blobCreatedSchema = z.object({
  eventType: z.literal('Microsoft.Storage.BlobCreated'),
  subject: z.string().startsWith(PACKAGES_SUBJECT),
});

/** `packages/{offerId}/{fileName}` from the event's subject; undefined for any other event or blob. */
export function packageBlobOf(event: unknown): { offerId: string; blobName: string } | undefined {
  const parsed = blobCreatedSchema.safeParse(event);
  if (!parsed.success) return undefined;
  const blobName = parsed.data.subject.slice(PACKAGES_SUBJECT.length);
  const slash = blobName.indexOf('/');
  const offerId = blobName.slice(0, slash);
  // Only `{offerId}/{fileName}` with an offer id as api.md spells them (they key table rows).
  if (!OFFER_ID.test(offerId) || slash === blobName.length - 1) return undefined;
  return { offerId, blobName };
}

/**
 * Validates a package uploaded for `packages/{offerId}/{fileName}` (an upload through the app lands
 * in its own blob `{offerId}/uploads/{sequence}/{fileName}`, a direct SDK upload at that name) and
 * stores the report, then tells the offer's active submission. Started from the blob's BlobCreated event alone (Event Grid in
 * Azure, the local host's blob polling locally): no host binding reads the package, and the
 * handler reads it with ranged reads (central directory and manifest only). A blob over the size
 * limit is never read: it gets a Failed `package.too-large` report and is deleted. Events come at
 * least once: a receipt per blob version makes a repeat store nothing and raise nothing.
 *
 * Latest upload wins: each report carries its upload's sequence and the store keeps the latest
 * (compared under the row's ETag), whatever order validations finish in; an upload's own blob is
 * deleted once its report can no longer be the stored one (storeFinal).
 *
 * Never Pending forever and never lost: whatever throws is retried by the trigger, and on the last
 * failed try the report is settled Failed (`internal`) instead of being thrown away. Only failed
 * tries count, never deliveries (Event Grid delivers again when an answer takes over 30 s):
 * shared/actions/validationAttempts.ts. A report stored but not announced is announced again on
 * the next attempt, and step 2 reads the stored report again before it gives up waiting.
 */
export function validatePackageBlob(given: Deps, events: () => ReportEvents | undefined) {
  return async (event: unknown, context: InvocationContext): Promise<void> => {
    const target = packageBlobOf(event);
    if (!target) return; // another event type or container: the subscription's filter let it through
    const { offerId, blobName } = target;
    const client = given.storage.blobService.getContainerClient(CONTAINERS.packages).getBlobClient(blobName);
    const properties = await propertiesOf(client);
    if (!properties?.etag) return; // deleted since: nothing to validate
    const etag = properties.etag;
    // The receipt, the upload counter, the attempts and the stored report: one query, read first.
    const packageReports = await given.packageReports.withFirstReads(offerId, blobName, etag);
    const deps: Deps = { ...given, packageReports };
    if (await deps.packageReports.wasHandled(offerId, blobName, etag)) return;
    const order = await orderOf(deps, offerId, blobName, etag, properties.metadata);
    if (!order) {
      context.warn(`${blobName} names an upload sequence the app never issued; not validated.`);
      return;
    }
    const upload: Upload = {
      offerId,
      storedAs: blobName,
      etag,
      uploadedAt: (properties.lastModified ?? new Date(0)).toISOString(),
      ...order,
    };
    const attempts = await startAttempts(deps.packageReports, upload, deps.now);
    try {
      const size = properties.contentLength ?? 0;
      const stored =
        size > deps.settings.MAX_PACKAGE_BYTES
          ? await refuseTooLarge(deps, upload, size)
          : await validateOrSettle(deps, client, { ...upload, size }, attempts, context);
      // A report of an older upload was not stored: the latest one's trigger tells the submission.
      if (stored) await announceOrRetry(deps, events, context, upload, attempts);
      // The receipt ends this version's tries: a later delivery stops at it and never reads the
      // attempts again, so this try's row need not be marked done (one write less).
      await deps.packageReports.markHandled(offerId, blobName, etag);
    } catch (error) {
      await attempts.fail().catch(() => undefined); // a lost mark: the try reads as died, later
      throw error;
    } finally {
      attempts.close();
    }
  };
}

async function propertiesOf(client: BlobClient): Promise<BlobGetPropertiesResponse | undefined> {
  try {
    return await client.getProperties();
  } catch (error) {
    if (isStatus(error, 404)) return undefined;
    throw error;
  }
}

/**
 * An upload's own blob (`{offerId}/uploads/{sequence}/{file}`) has the number it was accepted with,
 * if the app issued it; a blob elsewhere (a direct SDK upload) has the number of its metadata, or
 * one taken now for this version.
 */
async function orderOf(
  deps: Deps,
  offerId: string,
  blobName: string,
  etag: string,
  metadata: Record<string, string> | undefined,
): Promise<Pick<Upload, 'blobName' | 'sequence' | 'sequenceSource'> | undefined> {
  const own = parseUploadBlobName(blobName);
  if (!own) return { blobName, ...(await sequenceOf(deps, offerId, blobName, etag, metadata)) };
  if (own.sequence > (await deps.packageReports.currentSequence(offerId))) return undefined;
  return { blobName: own.shownAs, sequence: own.sequence, sequenceSource: 'upload' };
}

/** The sequence the app issued for this upload, or (none usable) one taken now for this version. */
async function sequenceOf(
  deps: Deps,
  offerId: string,
  blobName: string,
  etag: string,
  metadata: Record<string, string> | undefined,
): Promise<Pick<Upload, 'sequence' | 'sequenceSource'>> {
  const issued = issuedSequence(metadata, await deps.packageReports.currentSequence(offerId));
  if (issued !== undefined) return { sequence: issued, sequenceSource: 'upload' };
  const sequence = await deps.packageReports.sequenceOfVersion(offerId, blobName, etag);
  return { sequence, sequenceSource: 'event' };
}

/**
 * Validates and stores the report, counting failed tries only (shared/actions/validationAttempts.ts).
 * A try that throws is thrown while the delivery can still be answered (Event Grid retries it),
 * and tried again here once it cannot; the last failure allowed settles the report as Failed
 * (`internal`) instead, and so does a delivery that finds the attempts used up (tries whose
 * process died never reached a catch).
 */
async function validateOrSettle(
  deps: Deps,
  client: BlobClient,
  upload: Upload & { size: number },
  attempts: Attempts,
  context: InvocationContext,
): Promise<boolean> {
  const stored = await deps.packageReports.get(upload.offerId);
  // An earlier attempt stored this version's report and then failed to announce it: announce only.
  if (isFinalFor(stored, upload)) return true;
  if (attemptsUsedUp(attempts)) {
    context.error(
      `Validation of ${upload.storedAs} failed ${attempts.failures} time(s)${attempts.crashed ? ', its process died' : ''}; settling its report as Failed.`,
    );
    return settleInternal(deps, upload);
  }
  for (;;) {
    try {
      // The properties the trigger read are the blob's (every read is conditional on that ETag).
      const source = await blobSource(client, { size: upload.size, etag: upload.etag });
      return await validateAndStore(deps, source, upload, isPendingFor(stored, upload));
    } catch (error) {
      const failures = await attempts.fail();
      if (failures >= MAX_VALIDATION_ATTEMPTS) {
        context.error(
          `Validation of ${upload.storedAs} failed on try ${failures}; settling its report as Failed: ${String(error)}`,
        );
        return settleInternal(deps, upload);
      }
      if (!attempts.pastAnswer()) throw error;
      context.warn(
        `Validation of ${upload.storedAs} failed (try ${failures}); trying again: ${String(error)}`,
      );
      await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** failures, 30_000)));
      await attempts.retry();
    }
  }
}

/** The Pending this upload's route stored (PUT .../package, the ingestion API): shown already. */
function isPendingFor(report: PackageReport | undefined, upload: Upload): boolean {
  return (
    report?.state === 'Pending' &&
    report.blobName === upload.blobName &&
    report.etag === upload.etag &&
    report.sequence === upload.sequence &&
    report.sequenceSource === upload.sequenceSource &&
    storedBlobOf(report) === upload.storedAs
  );
}

function isFinalFor(report: PackageReport | undefined, upload: Upload): boolean {
  return (
    report?.blobName === upload.blobName &&
    report.etag === upload.etag &&
    report.sequence === upload.sequence &&
    report.state !== 'Pending'
  );
}

/** What every report of this upload carries: its place in the order and the blob holding it. */
function uploadFields(
  upload: Upload,
): Pick<PackageReport, 'uploadedAt' | 'sequence' | 'sequenceSource' | 'storedAs'> {
  return {
    uploadedAt: upload.uploadedAt,
    sequence: upload.sequence,
    sequenceSource: upload.sequenceSource,
    ...(upload.storedAs !== upload.blobName ? { storedAs: upload.storedAs } : {}),
  };
}

/** Validates and stores the report; false when a later upload's report is (or will be) the stored one. */
async function validateAndStore(
  deps: Deps,
  source: BlobSource,
  upload: Upload,
  pendingShown: boolean,
): Promise<boolean> {
  const { offerId, blobName, etag } = upload;
  if (!pendingShown) {
    const pending = { ...pendingReport(blobName, deps.now().toISOString(), etag), ...uploadFields(upload) };
    await deps.packageReports.put(offerId, pending);
  }
  const [offer, status] = await Promise.all([deps.offers.get(offerId), deps.statuses.get(offerId)]);
  const expected = {
    app: offer?.app,
    lastLiveVersion: status?.lastLiveVersion,
    mandatoryAffixes: offer?.mandatoryAffixes,
  };
  const technical = technicalContext(deps, offerId, status);
  const report = await validatePackage(
    cachedSource(source),
    expected,
    blobName,
    deps.now().toISOString(),
    technical,
  );
  // A direct upload overwritten meanwhile: the newer version has its own event.
  if (!(await isCurrentVersion(deps, upload.storedAs, etag))) return false;
  return storeFinal(deps, upload, { ...report, ...uploadFields(upload) });
}

/**
 * Stores a final report (latest upload wins) and keeps container `packages` to the blobs reports
 * can still name: an upload's own blob whose report lost is deleted, and once an upload's own blob
 * holds the stored report, so are the own blobs of every earlier upload (their reports can never
 * win again: between uploads of the app the sequence alone decides). A direct upload's blob is the
 * publisher's and is never deleted here. A step 2 copying a blob deleted meanwhile reads the report
 * again (activities/readPackageReport.ts).
 */
async function storeFinal(deps: Deps, upload: Upload, report: PackageReport): Promise<boolean> {
  const stored = await deps.packageReports.put(upload.offerId, report);
  if (!stored) await deleteOwnBlob(deps, upload.storedAs, upload.etag);
  else if (upload.storedAs !== upload.blobName) await deleteEarlierUploads(deps, upload);
  return stored;
}

/** Deletes an upload's own blob, if it is still that version (a lost delete only costs storage). */
async function deleteOwnBlob(deps: Deps, storedAs: string, etag: string): Promise<void> {
  if (!parseUploadBlobName(storedAs)) return;
  await deps.blobs.deleteVersion({ container: CONTAINERS.packages, name: storedAs }, etag).catch(() => false);
}

async function deleteEarlierUploads(deps: Deps, upload: Upload): Promise<void> {
  if (upload.sequence <= 1) return; // the offer's first upload: no earlier one to delete
  const own = await deps.blobs.list(CONTAINERS.packages, `${upload.offerId}/uploads/`);
  const earlier = own.filter((b) => (parseUploadBlobName(b.name)?.sequence ?? Infinity) < upload.sequence);
  for (const blob of earlier) await deleteOwnBlob(deps, blob.name, blob.etag);
}

/**
 * A blob over the limit (only an upload URL or a direct upload can make one: the API route
 * refuses it with 413) is never read. Its report is stored first and the blob deleted after, so a
 * failure between the two is retried and never leaves a deleted package without its report.
 */
async function refuseTooLarge(deps: Deps, upload: Upload, size: number): Promise<boolean> {
  const report = tooLargeReport({
    ...upload,
    size,
    limit: deps.settings.MAX_PACKAGE_BYTES,
    now: deps.now().toISOString(),
  });
  const stored = await deps.packageReports.put(upload.offerId, { ...report, ...uploadFields(upload) });
  await deps.blobs.deleteVersion({ container: CONTAINERS.packages, name: upload.storedAs }, upload.etag);
  return stored;
}

/** Stores the `internal` report, unless this version's final report is already stored. */
async function settleInternal(deps: Deps, upload: Upload): Promise<boolean> {
  if (isFinalFor(await deps.packageReports.get(upload.offerId), upload)) return true;
  const report = internalFailureReport({ ...upload, now: deps.now().toISOString() });
  return storeFinal(deps, upload, { ...report, ...uploadFields(upload) });
}

async function isCurrentVersion(deps: Deps, blobName: string, etag: string): Promise<boolean> {
  const info = await deps.blobs.info({ container: CONTAINERS.packages, name: blobName });
  return info?.etag === etag;
}

/**
 * The report is stored before it is announced. A failed raise is thrown, so the trigger delivers
 * the event again and the next attempt announces the stored report (without validating again);
 * on the last attempt it is logged instead, and step 2 reads the stored report again when its
 * wait ends (orchestrators/publishSubmission.ts packageStep), so nothing is lost either way.
 */
async function announceOrRetry(
  deps: Deps,
  events: () => ReportEvents | undefined,
  context: InvocationContext,
  upload: Upload,
  attempts: Attempts,
): Promise<void> {
  const payload: PackageReportEvent = { blobName: upload.blobName, etag: upload.etag };
  try {
    await announce(deps, events, context, upload.offerId, payload);
  } catch (error) {
    if ((await attempts.fail()) < MAX_VALIDATION_ATTEMPTS) throw error;
    context.error(
      `The report of ${upload.blobName} is stored but the submission was not told (${String(error)}); step 2 reads it when its wait ends.`,
    );
  }
}

/** Raised to the active submission only; step 2 buffers it, a finished instance answers 404. */
async function announce(
  deps: Deps,
  events: () => ReportEvents | undefined,
  context: InvocationContext,
  offerId: string,
  payload: PackageReportEvent,
): Promise<void> {
  // Read after validation: a Publish pressed meanwhile must still hear about this report.
  const status = await deps.statuses.get(offerId);
  if (!status?.submissionId || !isActive(status.state)) return;
  const client = events();
  if (!client) {
    context.warn(
      `No durable client: submission ${status.submissionId} of ${offerId} is not told of the report.`,
    );
    return;
  }
  try {
    await client.raiseEvent(instanceIdFor(offerId, status.submissionId), EVENTS.packageReport, payload);
  } catch (error) {
    if (!/No instance with ID/.test(error instanceof Error ? error.message : String(error))) throw error;
  }
}

/** The durable client binding, when the host provides one for this invocation. */
function durableClientOf(context: InvocationContext): () => ReportEvents | undefined {
  return () => {
    try {
      return df.getClient(context);
    } catch {
      return undefined;
    }
  };
}

/**
 * An Event Grid trigger, not a blob trigger: the blob trigger's binding downloads the whole blob
 * before the handler runs (with `source: 'EventGrid'` too), which is what design.md "Validation
 * holds no package in memory" forbids. BlobCreated events of container `packages` reach it through
 * the storage account's Event Grid system topic (infra/app/package-events.bicep); locally the
 * host delivers the same event from its blob polling (devhost/blobTriggers.ts).
 */
app.eventGrid(FUNCTIONS.validatePackageBlob, {
  extraInputs: [df.input.durableClient()],
  handler: (event, context) => validatePackageBlob(getServices(), durableClientOf(context))(event, context),
});
