import { CONTAINERS } from '../../contracts/names';
import type { AppCatalog } from '../../domain/package';
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
    catalog: deps.appCatalog,
    ...(live ? { baseline: () => openLivePackage(deps, `${offerId}/${live}/`) } : {}),
  };
}

async function openLivePackage(deps: TechnicalDeps, prefix: string) {
  const [blob] = await deps.blobs.list(CONTAINERS.published, prefix);
  if (!blob) return undefined;
  const client = deps.storage.blobService.getContainerClient(CONTAINERS.published).getBlobClient(blob.name);
  return { source: cachedSource(await blobSource(client)), name: blob.name };
}
