import { CONTAINERS } from '../../contracts/names';
import { normalizeAppId, type AppCatalog } from '../../domain/package';
import type { OfferStatus } from '../../domain/status';
import type { BlobStore } from '../../ports/blobs';
import type { StorageClients } from '../storage';
import { blobSource } from './blobSource';
import { cachedSource } from './source';
import { TechnicalContext } from './validatePackage';

export interface TechnicalDeps {
  storage: StorageClients;
  blobs: BlobStore;
  appCatalog: AppCatalog;
  /**
   * Library apps shipped with the offer's next submission (the ingestion front door): they resolve
   * the main app's dependencies. Present on Services; absent, nothing is shipped.
   */
  ingestion?: ShippedLibraries;
}

export interface ShippedLibraries {
  shippedLibraries(offerId: string): Promise<{ id: string; version: string }[]>;
}

/** The catalogue plus the offer's shipped libraries, as if live in the offer itself. */
function withShipped(catalog: AppCatalog, offerId: string, shipped?: ShippedLibraries): AppCatalog {
  if (!shipped) return catalog;
  return {
    ...catalog,
    async entriesFor(appId) {
      const [entries, libraries] = await Promise.all([
        catalog.entriesFor(appId),
        shipped.shippedLibraries(offerId),
      ]);
      const own = libraries
        .filter((l) => normalizeAppId(l.id) === normalizeAppId(appId))
        .map((l) => ({ appId: normalizeAppId(appId), offerId, liveVersion: l.version }));
      return [...entries, ...own];
    },
  };
}

/**
 * The technical rules' view of the marketplace for one offer: the catalogue, and the offer's live
 * package (`published/{offerId}/{liveSubmissionId}/...`, written by step 8) as the baseline.
 */
export function technicalContext(
  deps: TechnicalDeps,
  offerId: string,
  status?: OfferStatus,
): TechnicalContext {
  const live = status?.liveSubmissionId;
  return {
    offerId,
    catalog: withShipped(deps.appCatalog, offerId, deps.ingestion),
    ...(live ? { baseline: () => openLivePackage(deps, `${offerId}/${live}/`) } : {}),
  };
}

async function openLivePackage(deps: TechnicalDeps, prefix: string) {
  const [blob] = await deps.blobs.list(CONTAINERS.published, prefix);
  if (!blob) return undefined;
  const client = deps.storage.blobService.getContainerClient(CONTAINERS.published).getBlobClient(blob.name);
  return { source: cachedSource(await blobSource(client)), name: blob.name };
}
