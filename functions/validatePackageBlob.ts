import { app, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { CONTAINERS, EVENTS, FUNCTIONS } from '../shared/contracts/names';
import type { PackageReportEvent } from '../shared/contracts/orchestration';
import { blobSource, cachedSource, technicalContext, validatePackage } from '../shared/adapters/package';
import { pendingReport } from '../shared/domain/package';
import { isActive } from '../shared/domain/states';
import { instanceIdFor } from '../shared/domain/transitions';
import { getServices, Services } from '../shared/services';

type Deps = Pick<
  Services,
  'storage' | 'offers' | 'statuses' | 'packageReports' | 'blobs' | 'appCatalog' | 'now'
>;

/** The part of the durable client this trigger uses (undefined where the host gives none). */
export interface ReportEvents {
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
}

/**
 * Validates a package uploaded to `packages/{offerId}/{fileName}` and stores the report (latest
 * upload wins), then tells the offer's active submission. The blob is read with ranged reads
 * (central directory and manifest only), never through the trigger's bytes. Blob triggers fire
 * at least once: a receipt per blob version makes a repeat store nothing and raise nothing.
 */
export function validatePackageBlob(deps: Deps, events: () => ReportEvents | undefined) {
  return async (_bytes: unknown, context: InvocationContext): Promise<void> => {
    const offerId = String(context.triggerMetadata?.offerId ?? '');
    const blobName = `${offerId}/${String(context.triggerMetadata?.fileName ?? '')}`;
    const client = deps.storage.blobService.getContainerClient(CONTAINERS.packages).getBlobClient(blobName);
    const source = await blobSource(client);
    const etag = source.etag ?? '';
    if (await deps.packageReports.wasHandled(offerId, blobName, etag)) return;
    await deps.packageReports.put(offerId, pendingReport(blobName, deps.now().toISOString(), etag));
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
    if (!(await isCurrentVersion(deps, blobName, etag))) return; // a newer upload has its own trigger
    await deps.packageReports.put(offerId, report);
    await announce(deps, events, context, offerId, { blobName, ...(etag ? { etag } : {}) });
    await deps.packageReports.markHandled(offerId, blobName, etag);
  };
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
