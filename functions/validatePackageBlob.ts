import { app, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { CONTAINERS, EVENTS, FUNCTIONS } from '../shared/contracts/names';
import type { PackageReportEvent } from '../shared/contracts/orchestration';
import type { BlobClient } from '@azure/storage-blob';
import { blobSource, cachedSource, technicalContext, validatePackage } from '../shared/adapters/package';
import type { BlobSource } from '../shared/adapters/package/blobSource';
import { internalFailureReport, pendingReport } from '../shared/domain/package';
import { isActive } from '../shared/domain/states';
import { instanceIdFor } from '../shared/domain/transitions';
import { getServices, Services } from '../shared/services';

type Deps = Pick<
  Services,
  'storage' | 'offers' | 'statuses' | 'packageReports' | 'blobs' | 'appCatalog' | 'now'
>;

/**
 * Attempts per blob version before the report is settled as Failed (`internal`). Azure's blob
 * trigger makes 5 attempts (host.json queues.maxDequeueCount, default 5) before it poisons a blob,
 * as the local host does (devhost/blobTriggers.ts MAX_ATTEMPTS). The handler counts attempts
 * itself, in the report table, because the trigger does not tell it which attempt it is.
 */
export const MAX_VALIDATION_ATTEMPTS = 5;

/** The part of the durable client this trigger uses (undefined where the host gives none). */
export interface ReportEvents {
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
}

/** One uploaded version of a package blob, in upload order. */
interface Upload {
  offerId: string;
  blobName: string;
  etag: string;
  /** Last-Modified from storage: set by every upload, the API route's and a direct SDK one alike. */
  uploadedAt: string;
}

/**
 * Validates a package uploaded to `packages/{offerId}/{fileName}` and stores the report, then tells
 * the offer's active submission. The blob is read with ranged reads (central directory and
 * manifest only), never through the trigger's bytes. Blob triggers fire at least once: a receipt
 * per blob version makes a repeat store nothing and raise nothing.
 *
 * Latest upload wins: each report carries its blob's upload time and the store keeps the latest
 * (compared under the row's ETag), whatever order validations finish in.
 *
 * Never Pending forever: whatever throws is retried by the trigger, and on the last attempt the
 * report is settled Failed with an `internal` finding instead of being thrown to the poison queue.
 */
export function validatePackageBlob(deps: Deps, events: () => ReportEvents | undefined) {
  return async (_bytes: unknown, context: InvocationContext): Promise<void> => {
    const offerId = String(context.triggerMetadata?.offerId ?? '');
    const blobName = `${offerId}/${String(context.triggerMetadata?.fileName ?? '')}`;
    const client = deps.storage.blobService.getContainerClient(CONTAINERS.packages).getBlobClient(blobName);
    const source = await blobSource(client);
    const etag = source.etag ?? '';
    if (await deps.packageReports.wasHandled(offerId, blobName, etag)) return;
    const uploadedAt = await uploadTimeOf(client, etag);
    if (!uploadedAt) return; // replaced since: the newer version has its own trigger
    const upload: Upload = { offerId, blobName, etag, uploadedAt };
    const attempt = await deps.packageReports.countAttempt(offerId, blobName, etag);
    let stored: boolean;
    try {
      // More attempts than allowed: earlier ones died without reaching the catch (a crash).
      if (attempt > MAX_VALIDATION_ATTEMPTS) throw new Error(`attempt ${attempt} of ${blobName}`);
      stored = await validateAndStore(deps, source, upload);
    } catch (error) {
      if (attempt < MAX_VALIDATION_ATTEMPTS) throw error;
      context.error(
        `Validation of ${blobName} failed on attempt ${attempt}; settling its report as Failed: ${String(error)}`,
      );
      stored = await settleInternal(deps, upload);
    }
    // A report of an older upload was not stored: the latest one's trigger tells the submission.
    if (stored) await announce(deps, events, context, offerId, { blobName, ...(etag ? { etag } : {}) });
    await deps.packageReports.markHandled(offerId, blobName, etag);
  };
}

/** Validates and stores the report; false when a later upload's report is (or will be) the stored one. */
async function validateAndStore(deps: Deps, source: BlobSource, upload: Upload): Promise<boolean> {
  const { offerId, blobName, etag, uploadedAt } = upload;
  await deps.packageReports.put(offerId, pendingReport(blobName, deps.now().toISOString(), etag, uploadedAt));
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
  if (!(await isCurrentVersion(deps, blobName, etag))) return false; // a newer upload has its own trigger
  return deps.packageReports.put(offerId, { ...report, uploadedAt });
}

/** Stores the `internal` report, unless this version's final report is already stored. */
async function settleInternal(deps: Deps, upload: Upload): Promise<boolean> {
  const stored = await deps.packageReports.get(upload.offerId);
  const settled =
    stored?.blobName === upload.blobName && stored.etag === upload.etag && stored.state !== 'Pending';
  if (settled) return true;
  return deps.packageReports.put(
    upload.offerId,
    internalFailureReport({ ...upload, now: deps.now().toISOString() }),
  );
}

/** The blob's Last-Modified, if it is still the version `etag` (undefined once replaced). */
async function uploadTimeOf(client: BlobClient, etag: string): Promise<string | undefined> {
  const properties = await client.getProperties();
  if (properties.etag !== etag) return undefined;
  return (properties.lastModified ?? new Date(0)).toISOString();
}

async function isCurrentVersion(deps: Deps, blobName: string, etag: string): Promise<boolean> {
  const info = await deps.blobs.info({ container: CONTAINERS.packages, name: blobName });
  return info?.etag === etag;
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

app.storageBlob(FUNCTIONS.validatePackageBlob, {
  path: `${CONTAINERS.packages}/{offerId}/{fileName}`,
  connection: 'AzureWebJobsStorage',
  // Flex Consumption only delivers blob triggers through Event Grid (infra/DEPLOY.md); the local
  // host polls the container whatever the source says.
  source: 'EventGrid',
  extraInputs: [df.input.durableClient()],
  handler: (bytes, context) => validatePackageBlob(getServices(), durableClientOf(context))(bytes, context),
});
