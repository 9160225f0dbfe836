import { CONTAINERS } from '../contracts/names';
import type { OfferDraft } from '../domain/offer';
import { ArtifactCheck, StorefrontArtifacts, artifactBlobName } from '../domain/storefront';
import type { BlobStore } from '../ports/blobs';
import { describeImage } from './previewPackage';

export interface LoadedArtifact extends ArtifactCheck {
  bytes?: Buffer;
}

/** One storefront artifact as step 5 sees it: found or not, and what image its bytes are. */
export async function loadArtifact(blobs: BlobStore, offerId: string, name: string): Promise<LoadedArtifact> {
  // Artifacts are bounded by the upload route (MAX_ARTIFACT_BYTES), so reading them whole is fine.
  const bytes = await blobs.download({
    container: CONTAINERS.storefront,
    name: artifactBlobName(offerId, name),
  });
  if (!bytes) return { name, found: false };
  return { name, found: true, bytes, image: describeImage(bytes) };
}

/** The logo and screenshots the offer names, read from container `storefront` (step 5 and check). */
export async function loadStorefront(
  blobs: BlobStore,
  offer: OfferDraft & { offerId: string },
): Promise<StorefrontArtifacts & { logo?: LoadedArtifact; screenshots: LoadedArtifact[] }> {
  const logoName = offer.storefront?.logo;
  const [logo, screenshots] = await Promise.all([
    logoName ? loadArtifact(blobs, offer.offerId, logoName) : undefined,
    Promise.all(
      (offer.storefront?.screenshots ?? []).map((name) => loadArtifact(blobs, offer.offerId, name)),
    ),
  ]);
  return { logo, screenshots };
}
