import type { ErrorDetail } from './errors';
import { OFFER_LIMITS, OfferDraft } from './offer';

/**
 * Step 5, AppSource packaging: the storefront rules (artifact formats and pixel sizes, text
 * lengths), the preview package's layout and manifest.
 *
 * Accepted artifacts: the logo is a PNG of exactly 216x216 pixels (the only logo size this
 * marketplace accepts); 1 to 5 screenshots, each a PNG or JPEG of exactly 1280x720 pixels.
 */

export const STOREFRONT_INVALID = 'storefront_invalid';
export const PACKAGE_MISSING = 'package_missing';

export const LOGO_RULE = { types: ['png'], width: 216, height: 216 } as const;
export const SCREENSHOT_RULE = { types: ['png', 'jpg'], width: 1280, height: 720, min: 1, max: 5 } as const;

/** The media types a storefront image is uploaded with (PUT .../artifacts/{name}). */
export const ARTIFACT_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/jpg'] as const;
const MEDIA_TYPE_OF_IMAGE: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg' };

/**
 * Why these bytes cannot be a storefront image, or undefined when they are the PNG or JPEG the
 * Content-Type says. Checked at upload; the pixel sizes are step 5's rules.
 */
export function artifactImageProblem(mediaType: string, image: ImageFacts | undefined): string | undefined {
  if (!image) return 'the bytes are not a PNG or JPEG image (no image format could be read)';
  const actual = MEDIA_TYPE_OF_IMAGE[image.type];
  if (!actual) return `the bytes are a ${image.type.toUpperCase()} image; upload a PNG or JPEG`;
  if (actual !== (mediaType === 'image/jpg' ? 'image/jpeg' : mediaType))
    return `the bytes are ${actual} but Content-Type says ${mediaType}`;
  return undefined;
}

/** What image-size read from an artifact's bytes (`type` is its name: png, jpg, gif, ...). */
export interface ImageFacts {
  type: string;
  width: number;
  height: number;
}

/** An artifact named by the offer, as found in storage. */
export interface ArtifactCheck {
  name: string;
  found: boolean;
  /** Undefined when the bytes are not an image format that could be read. */
  image?: ImageFacts;
}

interface ImageRule {
  types: readonly string[];
  width: number;
  height: number;
}

const TYPE_NAMES: Record<string, string> = { png: 'PNG', jpg: 'JPEG' };
const typeList = (types: readonly string[]) => types.map((t) => TYPE_NAMES[t] ?? t).join(' or ');

function imageFindings(
  path: string,
  offerId: string,
  artifact: ArtifactCheck,
  rule: ImageRule,
): ErrorDetail[] {
  if (!artifact.found)
    return [
      {
        path,
        message: `no artifact '${artifact.name}' was uploaded; upload it with PUT /api/offers/${offerId}/artifacts/${artifact.name}`,
      },
    ];
  const image = artifact.image;
  if (!image || !rule.types.includes(image.type))
    return [
      {
        path,
        message: `must be a ${typeList(rule.types)} image (found ${image?.type ?? 'no readable image'})`,
      },
    ];
  if (image.width !== rule.width || image.height !== rule.height)
    return [
      {
        path,
        message: `must be ${rule.width}x${rule.height} pixels (found ${image.width}x${image.height})`,
      },
    ];
  return [];
}

function textFindings(offer: OfferDraft): ErrorDetail[] {
  const findings: ErrorDetail[] = [];
  for (const field of ['name', 'summary', 'description'] as const) {
    const value = offer[field];
    const limit = OFFER_LIMITS[field];
    if (!value) findings.push({ path: field, message: 'is required for the storefront' });
    else if (value.length > limit)
      findings.push({ path: field, message: `must be at most ${limit} characters (has ${value.length})` });
  }
  return findings;
}

export interface StorefrontArtifacts {
  logo?: ArtifactCheck;
  screenshots: ArtifactCheck[];
}

/** Every storefront problem, each named by its JSON path in the offer. */
export function storefrontFindings(
  offer: OfferDraft & { offerId: string },
  artifacts: StorefrontArtifacts,
): ErrorDetail[] {
  const findings = textFindings(offer);
  if (!artifacts.logo) findings.push({ path: 'storefront.logo', message: 'is required' });
  else findings.push(...imageFindings('storefront.logo', offer.offerId, artifacts.logo, LOGO_RULE));
  const count = artifacts.screenshots.length;
  if (count < SCREENSHOT_RULE.min || count > SCREENSHOT_RULE.max)
    findings.push({
      path: 'storefront.screenshots',
      message: `must list ${SCREENSHOT_RULE.min} to ${SCREENSHOT_RULE.max} screenshots (has ${count})`,
    });
  artifacts.screenshots.forEach((shot, i) =>
    findings.push(...imageFindings(`storefront.screenshots[${i}]`, offer.offerId, shot, SCREENSHOT_RULE)),
  );
  return findings;
}

/** Where the preview of a submission is written (container `previews`). */
export function previewBlobName(offerId: string, submissionId: string): string {
  return `${offerId}/${submissionId}/preview.zip`;
}

/** Storefront artifacts live in container `storefront` under `{offerId}/`. */
export function artifactBlobName(offerId: string, name: string): string {
  return `${offerId}/${name}`;
}

export const MANIFEST_ENTRY = 'manifest.json';
export const packageEntry = (blobName: string) => `package/${blobName.split('/').pop() ?? blobName}`;
export const artifactEntry = (name: string) => `storefront/${name}`;

/**
 * The preview's `manifest.json`. Built from an allow-list of offer fields, so the lead
 * destination (a connection string or a webhook secret) can never end up in a preview.
 */
export function previewManifest(input: {
  offer: OfferDraft & { offerId: string };
  submissionId: string;
  at: string;
  packageBlobName: string;
}) {
  const { offer } = input;
  const logo = offer.storefront?.logo;
  const screenshots = offer.storefront?.screenshots ?? [];
  return {
    offerId: offer.offerId,
    submissionId: input.submissionId,
    generatedAt: input.at,
    name: offer.name,
    summary: offer.summary,
    description: offer.description,
    categories: offer.categories ?? [],
    supportUrl: offer.supportUrl,
    privacyPolicyUrl: offer.privacyPolicyUrl,
    eulaUrl: offer.eulaUrl,
    app: offer.app ?? {},
    testDrive: offer.testDrive ? { enabled: offer.testDrive.enabled } : { enabled: false },
    package: { blobName: input.packageBlobName, entry: packageEntry(input.packageBlobName) },
    storefront: {
      logo: logo ? artifactEntry(logo) : undefined,
      screenshots: screenshots.map(artifactEntry),
    },
  };
}
export type PreviewManifest = ReturnType<typeof previewManifest>;
