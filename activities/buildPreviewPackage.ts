import { randomBytes } from 'node:crypto';
import * as df from 'durable-functions';
import { ACTIVITIES, CONTAINERS } from '../shared/contracts/names';
import { StepActivityInput, StepOutcome, buildPreviewInputSchema } from '../shared/contracts/activities';
import type { Offer } from '../shared/domain/offer';
import { notStartedStatus } from '../shared/domain/status';
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
import type { StatusStore } from '../shared/ports/stores';
import { PreviewEntry, PreviewPackages, createPreviewPackages } from '../shared/adapters/previewPackage';
import { loadStorefront } from '../shared/adapters/storefrontArtifacts';
import { getServices } from '../shared/services';
import { readSnapshot } from '../shared/notify/snapshot';

export interface BuildPreviewPackageDeps {
  blobs: BlobStore;
  statuses: StatusStore;
  previews: PreviewPackages;
}

/** The offer as the submission started; the orchestrator wrote it before step 1, so absence is a fault (retried). */
async function offerSnapshot(blobs: BlobStore, name: string): Promise<Offer> {
  const snapshot = await readSnapshot(blobs, name);
  if (snapshot === undefined) throw new Error(`offer snapshot '${name}' not found`);
  return snapshot as Offer;
}

/**
 * Stores the preview's blob and a hidekey in the status of this submission. A retry keeps the
 * key already minted for this preview, so the link the owner may have seen stays valid.
 */
async function recordPreview(
  statuses: StatusStore,
  input: StepActivityInput,
  blobName: string,
): Promise<boolean> {
  const status = await statuses.update(
    input.offerId,
    (current) => {
      if (current.submissionId !== input.submissionId) return undefined;
      if (current.hidekey && current.previewBlobName === blobName) return undefined;
      return { ...current, hidekey: randomBytes(32).toString('base64url'), previewBlobName: blobName };
    },
    () => notStartedStatus(input.offerId, input.at),
  );
  return status.submissionId === input.submissionId && status.previewBlobName === blobName;
}

/**
 * Step 5: checks the storefront (artifact formats and sizes, text lengths), then writes the
 * preview package (manifest, extension package, artifacts) and mints the preview's hidekey.
 * The extension package is the one the orchestrator names: the copy of the version that passed
 * step 2 (never the offer's newest upload), which is also what step 8 publishes.
 * The hidekey goes to the status only; it is never part of the outcome.
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
    if (!(await recordPreview(deps.statuses, input, target.name)))
      return {
        outcome: 'failed',
        code: 'submission_superseded',
        message: 'This submission is no longer the offer’s current one; its preview was not linked.',
        details: [],
      };
    return { outcome: 'succeeded', message: 'The storefront is valid and the preview package is ready.' };
  };
}

df.app.activity(ACTIVITIES.buildPreviewPackage, {
  handler: (input: unknown) => {
    const services = getServices();
    const previews = createPreviewPackages(services.storage.blobService);
    return makeBuildPreviewPackage({ blobs: services.blobs, statuses: services.statuses, previews })(input);
  },
});
