import * as df from 'durable-functions';
import { ACTIVITIES, CONTAINERS } from '../shared/contracts/names';
import { StepOutcome, buildPreviewInputSchema } from '../shared/contracts/activities';
import type { Offer } from '../shared/domain/offer';
import {
  MANIFEST_ENTRY,
  PACKAGE_MISSING,
  STOREFRONT_INVALID,
  artifactEntry,
  packageEntry,
  previewBlobName,
  previewManifest,
  storefrontFindings,
} from '../shared/domain/storefront';
import type { BlobStore } from '../shared/ports/blobs';
import { PreviewEntry, PreviewPackages, createPreviewPackages } from '../shared/adapters/previewPackage';
import { loadStorefront } from '../shared/adapters/storefrontArtifacts';
import { getServices } from '../shared/services';
import { readSnapshot } from '../shared/notify/snapshot';

export interface BuildPreviewPackageDeps {
  blobs: BlobStore;
  previews: PreviewPackages;
}

/** The offer as the submission started; the orchestrator wrote it before step 1, so absence is a fault (retried). */
async function offerSnapshot(blobs: BlobStore, name: string): Promise<Offer> {
  const snapshot = await readSnapshot(blobs, name);
  if (snapshot === undefined) throw new Error(`offer snapshot '${name}' not found`);
  return snapshot as Offer;
}

/**
 * Step 5: checks the storefront (artifact formats and sizes, text lengths), then writes the
 * preview package (manifest, extension package, artifacts). The change that records its success
 * links the preview and mints its hidekey (activities/recordStepChange.ts), so no secret is ever
 * part of this outcome or of the orchestration's history.
 * The extension package is the one the orchestrator names: the copy of the version that passed
 * step 2 (never the offer's newest upload), which is also what step 8 publishes.
 */
export function makeBuildPreviewPackage(deps: BuildPreviewPackageDeps) {
  return async (rawInput: unknown): Promise<StepOutcome> => {
    const input = buildPreviewInputSchema.parse(rawInput);
    const offer = await offerSnapshot(deps.blobs, input.snapshotBlobName);
    const { logo, screenshots } = await loadStorefront(deps.blobs, offer);
    const findings = storefrontFindings(offer, { logo, screenshots });
    if (findings.length > 0)
      return {
        outcome: 'failed',
        code: STOREFRONT_INVALID,
        message: 'The storefront details need attention: fix each listed item, then press Publish again.',
        details: findings,
      };

    const packageBlobName = input.package.blobName;
    const packageCopy = { container: CONTAINERS.submissions, name: input.package.copyBlobName };
    const manifest = previewManifest({
      offer,
      submissionId: input.submissionId,
      at: input.at,
      packageBlobName,
    });
    const entries: PreviewEntry[] = [
      { path: MANIFEST_ENTRY, bytes: Buffer.from(JSON.stringify(manifest, null, 2)) },
      ...[logo, ...screenshots].flatMap((a) =>
        a?.bytes ? [{ path: artifactEntry(a.name), bytes: a.bytes }] : [],
      ),
    ];
    const target = {
      container: CONTAINERS.previews,
      name: previewBlobName(offer.offerId, input.submissionId),
    };
    try {
      await deps.previews.write({
        target,
        entries,
        packageBlob: packageCopy,
        packageEntry: packageEntry(packageBlobName),
      });
    } catch (error) {
      // Whether the package was missing is asked only when the write failed: none is read before.
      if (await deps.blobs.info(packageCopy)) throw error;
      return {
        outcome: 'failed',
        code: PACKAGE_MISSING,
        message: 'The validated extension package was not found: upload it, then press Publish again.',
        details: [],
      };
    }
    return { outcome: 'succeeded', message: 'The storefront is valid and the preview package is ready.' };
  };
}

df.app.activity(ACTIVITIES.buildPreviewPackage, {
  handler: (input: unknown) => {
    const services = getServices();
    const previews = createPreviewPackages(services.storage.blobService, services.blobs);
    return makeBuildPreviewPackage({ blobs: services.blobs, previews })(input);
  },
});
