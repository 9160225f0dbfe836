import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { blobSource } from '../adapters/package/blobSource';
import { cachedSource } from '../adapters/package/source';
import { packageKind, readLibraries } from '../adapters/libraryPackages';
import { packageCreateSchema } from '../contracts/ingestion';
import { CONTAINERS } from '../contracts/names';
import {
  compareVersions,
  etagOf,
  factsOfStatus,
  failureReasonOf,
  IngestionFinding,
  IngestionPackage,
  isListed,
  LIBRARY_PACKAGE,
  MAIN_PACKAGE,
  MAX_PACKAGES_KEPT,
  ProductState,
  SubmissionFacts,
  submissionView,
} from '../domain/ingestion';
import { APP_VERSION, Offer } from '../domain/offer';
import { showPending } from '../actions/packageUpload';
import { uploadBlobName } from '../domain/uploadOrder';
import { isActive } from '../domain/states';
import { liveVersionOf, OfferStatus } from '../domain/status';
import type { SubmissionRecord } from '../ports/stores';
import type { Services } from '../services';
import { packageFileName } from './fileName';
import { emptyProductState, IngestionError } from './ingestion';

/** How long a fileSasUri may write its one blob (as the API's own upload URLs). */
export const FILE_SAS_LIFETIME_MS = 15 * 60 * 1000;

/** The package branch and property branch ids: one draft of each per product. */
export const packageInstanceId = (productId: string) => `${productId}-package`;
export const propertyInstanceId = (productId: string) => `${productId}-property`;
export const configurationId = (productId: string) => `${productId}-packageconfiguration`;

export function productResource(productId: string, offer: Offer) {
  return {
    resourceType: 'AzureDynamics365BusinessCentral',
    name: offer.name ?? offer.offerId,
    externalIDs: [{ type: 'AzureOfferId', value: offer.offerId }],
    isModularPublishing: true,
    id: productId,
  };
}

export function setupResource(productId: string) {
  return {
    resourceType: 'Dynamics365BusinessCentralProductSetup',
    packageType: 'AddOn',
    id: `${productId}-setup`,
  };
}

export function branchResource(productId: string, module: 'Package' | 'Property') {
  return {
    resourceType: 'Branch',
    friendlyName: 'Main',
    type: 'Main',
    module,
    currentDraftInstanceID:
      module === 'Package' ? packageInstanceId(productId) : propertyInstanceId(productId),
    id: `${productId}-branch-${module.toLowerCase()}`,
  };
}

export function configurationResource(state: ProductState) {
  return {
    resourceType: 'Dynamics365BusinessCentralPackageConfiguration',
    packageReferences: state.packageReferences,
    id: configurationId(state.productId),
    '@odata.etag': etagOf('configuration', state.configurationVersion),
  };
}

export function packageResource(productId: string, p: IngestionPackage, fileSasUri: string | null = null) {
  return {
    resourceType: p.resourceType,
    fileName: p.fileName,
    fileSasUri,
    state: p.state,
    id: p.id,
    '@odata.etag': etagOf('package', p.version),
    ...(p.findings ? { validations: p.findings } : {}),
    ...(p.libraries ? { libraries: p.libraries } : {}),
    productId,
  };
}

/** appVersion is the offer's app.version; its etag changes whenever the offer does. */
export function propertyResource(productId: string, offer: Offer) {
  return {
    resourceType: 'Dynamics365BusinessCentralProperty',
    appVersion: offer.app?.version ?? '',
    id: propertyInstanceId(productId),
    '@odata.etag': etagOf('property', offer.updatedAt),
  };
}

/** POST /packages: a new package waiting for its file, and the URL that writes exactly that file. */
export async function createPackage(
  services: Services,
  productId: string,
  offer: Offer,
  body: z.infer<typeof packageCreateSchema>,
) {
  const id = randomUUID();
  const pkg: IngestionPackage = {
    id,
    resourceType: body.resourceType,
    fileName: packageFileName(body.fileName, Buffer.alloc(0)),
    state: 'PendingUpload',
    // One path segment: Az.Storage's Set-AzStorageBlobContent, which the script uploads with,
    // takes the blob name from the second segment of the URL's path.
    blobName: `${productId}-${id}`,
    version: 1,
  };
  await services.ingestion.update(
    productId,
    () => emptyProductState(productId, offer.offerId),
    (current) => ({ ...current, packages: keepRecent([...current.packages, pkg], current) }),
  );
  const expires = new Date(services.now().getTime() + FILE_SAS_LIFETIME_MS);
  const fileSasUri = await services.blobs.writeOnlyUrl(
    { container: CONTAINERS.ingestion, name: pkg.blobName },
    expires,
  );
  return packageResource(productId, pkg, fileSasUri);
}

/** The newest packages, and every one the configuration still references. */
function keepRecent(packages: IngestionPackage[], state: ProductState): IngestionPackage[] {
  const referenced = new Set(state.packageReferences.map((r) => r.value));
  const excess = packages.length - MAX_PACKAGES_KEPT;
  if (excess <= 0) return packages;
  let dropped = 0;
  return packages.filter((p) => referenced.has(p.id) || dropped++ >= excess);
}

export function findPackage(state: ProductState | undefined, packageId: string): IngestionPackage {
  const found = state?.packages.find((p) => p.id === packageId);
  if (!found) throw new IngestionError(404, `No package '${packageId}' exists in this product.`, 'not_found');
  return found;
}

/**
 * PUT /packages/{id} with state Uploaded: Processed once the file is there and is a package,
 * ProcessFailed otherwise. A library upload is validated app by app here (its findings are the
 * package's `validations`); the main app is validated by the pipeline when a submission ships it.
 */
export async function processPackage(
  services: Services,
  productId: string,
  offer: Offer,
  pkg: IngestionPackage,
) {
  const client = services.storage.blobService
    .getContainerClient(CONTAINERS.ingestion)
    .getBlobClient(pkg.blobName);
  const info = await services.blobs.info({ container: CONTAINERS.ingestion, name: pkg.blobName });
  let outcome: Pick<IngestionPackage, 'state' | 'findings' | 'libraries'>;
  if (!info || info.size === 0) {
    outcome = failed(pkg, 'The file was not uploaded to fileSasUri.');
  } else {
    const source = cachedSource(await blobSource(client));
    if (pkg.resourceType === MAIN_PACKAGE) {
      outcome = (await packageKind(source))
        ? { state: 'Processed' }
        : failed(pkg, `${pkg.fileName} is not a .app or app zip.`);
    } else {
      const reading = await readLibraries(
        source,
        pkg.fileName,
        services.appCatalog,
        services.now().toISOString(),
      );
      outcome = reading.problem
        ? failed(pkg, reading.problem)
        : { state: 'Processed', findings: reading.findings, libraries: reading.apps };
    }
  }
  const next = { ...pkg, ...outcome, version: pkg.version + 1 };
  await services.ingestion.update(
    productId,
    () => emptyProductState(productId, offer.offerId),
    (current) => ({ ...current, packages: current.packages.map((p) => (p.id === pkg.id ? next : p)) }),
  );
  return packageResource(productId, next);
}

function failed(pkg: IngestionPackage, message: string): Pick<IngestionPackage, 'state' | 'findings'> {
  return {
    state: 'ProcessFailed',
    findings: [{ code: 'package.unreadable', message, path: pkg.fileName, severity: 'error' }],
  };
}

/** PUT /properties/{id}: appVersion becomes the offer's app.version; below the live version is 409. */
export async function setAppVersion(
  services: Services,
  offer: Offer,
  appVersion: string,
  now: string,
): Promise<Offer> {
  if (!APP_VERSION.test(appVersion)) {
    throw new IngestionError(
      400,
      `appVersion '${appVersion.slice(0, 50)}' must have four numeric parts.`,
      'invalid_request',
      [
        {
          code: 'invalid_request',
          message: 'must have four numeric parts, such as 1.0.0.0',
          target: 'appVersion',
        },
      ],
    );
  }
  const status = await services.statuses.get(offer.offerId);
  const live = status ? liveVersionOf(status) : null;
  if (live && compareVersions(appVersion, live) < 0) {
    throw new IngestionError(
      409,
      `The new version number (${appVersion}) is lower than the version live in the marketplace (${live}).`,
      'version_lower_than_live',
    );
  }
  if (offer.app?.version === appVersion) return offer;
  const updated: Offer = { ...offer, app: { ...offer.app, version: appVersion }, updatedAt: now };
  await services.offers.put(updated);
  return updated;
}

/** Every submission of the offer, oldest first: the current one from its status row. */
export async function submissionsOf(services: Services, offerId: string): Promise<SubmissionFacts[]> {
  const [records, status] = await Promise.all([
    services.submissions.list(offerId),
    services.statuses.get(offerId),
  ]);
  const facts = records.map((r) =>
    status && r.submissionId === status.submissionId ? factsOfStatus(status) : factsOfRecord(r),
  );
  if (status?.submissionId && !records.some((r) => r.submissionId === status.submissionId))
    facts.push(factsOfStatus(status));
  return facts;
}

function factsOfRecord(r: SubmissionRecord): SubmissionFacts {
  return { submissionId: r.submissionId, state: r.state, currentStep: r.error?.step ?? null, error: r.error };
}

export async function listedSubmission(services: Services, offerId: string, submissionId: string) {
  const found = (await submissionsOf(services, offerId)).find((f) => f.submissionId === submissionId);
  if (!found || !isListed(found))
    throw new IngestionError(404, `No submission '${submissionId}' exists in this product.`, 'not_found');
  return found;
}

export function submissionResource(productId: string, facts: SubmissionFacts) {
  const view = submissionView(facts);
  const live = view.substate === 'Promoting' || view.substate === 'InStore';
  const failureReason = facts.state === 'Failed' ? failureReasonOf(facts.error) : null;
  return {
    resourceType: 'Submission',
    id: facts.submissionId,
    state: view.state,
    substate: view.substate,
    targets: [{ type: 'Scope', value: live ? 'live' : 'preview' }],
    resources: [
      { type: 'Package', value: packageInstanceId(productId) },
      { type: 'Property', value: propertyInstanceId(productId) },
    ],
    friendlyName: `Submission ${facts.submissionId}`,
    releaseNumber: Number(facts.submissionId) || 0,
    areResourcesReady: true,
    pendingUpdateInfo: {
      updateType: 'Create',
      status: facts.state === 'Failed' ? 'Failed' : isActive(facts.state) ? 'Running' : 'Completed',
      href: null,
      failureReason,
    },
  };
}

/** The packages the next submission ships: the configured main app and library (if any). */
export function configuredPackages(state: ProductState | undefined): {
  main: IngestionPackage;
  library?: IngestionPackage;
} {
  const byType = (type: string) => {
    const ref = state?.packageReferences.find((r) => r.type === type);
    return ref ? state?.packages.find((p) => p.id === ref.value) : undefined;
  };
  const main = byType(MAIN_PACKAGE);
  if (!main || main.state !== 'Processed') {
    throw new IngestionError(
      400,
      'The package configuration names no processed main app package: upload one (POST /packages, PUT state Uploaded) and reference it.',
      'invalid_request',
    );
  }
  const library = byType(LIBRARY_PACKAGE);
  if (library && library.state !== 'Processed') {
    throw new IngestionError(
      400,
      `The library package ${library.fileName} was not processed.`,
      'invalid_request',
    );
  }
  return { main, ...(library ? { library } : {}) };
}

/** Library findings of severity error refuse the submission, each naming its file. */
export function assertLibrariesPass(library: IngestionPackage | undefined): void {
  const errors: IngestionFinding[] = (library?.findings ?? []).filter((f) => f.severity === 'error');
  if (errors.length === 0) return;
  throw new IngestionError(
    422,
    `The library package ${library?.fileName} did not pass validation: ${errors
      .map((e) => `${e.code}: ${e.message}`)
      .join(' | ')
      .slice(0, 2000)}`,
    'library_invalid',
    errors.slice(0, 100).map((e) => ({ code: e.code, message: e.message, target: e.path })),
  );
}

/**
 * Ships the configured packages for the next submission: the libraries become the offer's shipped
 * libraries (they resolve the main app's dependencies), then the main app is accepted as an upload
 * like any other (design.md "Latest upload wins"): it takes the offer's next upload sequence, is
 * copied to its own blob `packages/{offerId}/uploads/{sequence}/{file}` (shown as
 * `{offerId}/{file}`), which validates it through the pipeline's own package trigger, and its
 * Pending report (with that sequence) replaces the previous report before Publish starts, so step
 * 2 judges this package (or a later upload), never the previous one.
 */
export async function shipPackages(
  services: Services,
  offer: Offer,
  main: IngestionPackage,
  library?: IngestionPackage,
) {
  await services.ingestion.setShippedLibraries(offer.offerId, library?.libraries ?? []);
  const sequence = await services.packageReports.nextSequence(offer.offerId);
  const storedAs = uploadBlobName(offer.offerId, sequence, main.fileName);
  const copied = await services.blobs.copy(
    { container: CONTAINERS.ingestion, name: main.blobName },
    { container: CONTAINERS.packages, name: storedAs },
  );
  const blobName = `${offer.offerId}/${main.fileName}`;
  await showPending(services, offer.offerId, { blobName, storedAs, etag: copied.etag, sequence });
}

/** The notification email of an ingestion Publish: the offer's last one, else the caller's name. */
export async function notificationEmailFor(
  services: Services,
  offerId: string,
  callerName: string,
  status?: OfferStatus,
) {
  if (status?.notificationEmail) return status.notificationEmail;
  const records = await services.submissions.list(offerId);
  const last = records.at(-1)?.notificationEmail;
  if (last) return last;
  if (z.email().safeParse(callerName).success) return callerName;
  throw new IngestionError(
    400,
    `Offer '${offerId}' has no notification email yet and the caller's name '${callerName.slice(0, 100)}' is not one: publish once from the portal (or with a token whose name is an email).`,
    'invalid_request',
  );
}
