import { CONTAINERS } from '../contracts/names';
import { pendingReport } from '../domain/package/report';
import type { Services } from '../services';

/** One accepted upload, committed to its own blob (shared/domain/uploadOrder.ts). */
export interface AcceptedUpload {
  /** `{offerId}/{fileName}`: the name the API answers and the report shows. */
  blobName: string;
  /** `{offerId}/uploads/{sequence}/{fileName}`: the blob that holds its bytes. */
  storedAs: string;
  etag: string;
  sequence: number;
}

/**
 * Pending for an upload, written after its bytes were committed (PUT .../package, the ingestion
 * API's copy): a refused or failed upload (nothing committed) leaves the previous report in place
 * (design.md "A refused request leaves nothing behind"), and a read after the answer never shows
 * the previous package's verdict. The trigger may have stored this upload's final report already:
 * then the Pending of the same upload is not stored (uploadOrder.ts). If the Pending cannot be
 * written, the blob is deleted again (if still this version) and the request fails, so it leaves
 * nothing behind.
 */
export async function showPending(
  services: Pick<Services, 'packageReports' | 'blobs' | 'now'>,
  offerId: string,
  upload: AcceptedUpload,
): Promise<void> {
  const { blobName, storedAs, etag, sequence } = upload;
  const pending = {
    ...pendingReport(blobName, services.now().toISOString(), etag),
    sequence,
    sequenceSource: 'upload' as const,
    storedAs,
  };
  try {
    await services.packageReports.put(offerId, pending);
  } catch (error) {
    await services.blobs
      .deleteVersion({ container: CONTAINERS.packages, name: storedAs }, etag)
      .catch(() => false); // if even that fails, the trigger validates it as the latest upload
    throw error;
  }
}
