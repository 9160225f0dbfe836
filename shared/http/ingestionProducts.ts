import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createIngestionBlobs } from '../adapters/ingestionBlobs';
import { packageKind, planLibraries, readLibraries } from '../adapters/libraryPackages';
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
  isStale,
  LIBRARY_PACKAGE,
  MAIN_PACKAGE,
  MAX_PACKAGES_KEPT,
  ProductState,
  SubmissionFacts,
  submissionView,
} from '../domain/ingestion';
import { APP_VERSION, notificationEmailSchema, Offer } from '../domain/offer';
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
    // A library's apps are validated after the PUT answered: `validations` is complete once Completed.
    ...(p.validation
      ? { validationState: p.validation.state === 'Running' ? 'InProgress' : 'Completed' }
      : {}),
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
  const expires = new Date(services.now().getTime() + FILE_SAS_LIFETIME_MS);
  const pkg: IngestionPackage = {
    id,
    resourceType: body.resourceType,
    fileName: packageFileName(body.fileName, Buffer.alloc(0)),
    state: 'PendingUpload',
    // One path segment: Az.Storage's Set-AzStorageBlobContent, which the script uploads with,
    // takes the blob name from the second segment of the URL's path.
    blobName: `${productId}-${id}`,
    version: 1,
    sasExpiresAt: expires.toISOString(),
  };
  let gone: IngestionPackage[] = [];
  await services.ingestion.update(
    productId,
    () => emptyProductState(productId, offer.offerId),
    (current) => {
      const kept = keepRecent([...current.packages, pkg], current);
      gone = current.packages.filter((p) => !kept.includes(p));
      return { ...current, packages: kept };
    },
  );
  await releaseBlobs(services, gone);
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

/**
 * The staging blobs of packages the record let go: deleted, or, while their fileSasUri could still
 * write, emptied and kept locked (the container's lifecycle rule takes those; infra/).
 */
async function releaseBlobs(services: Services, gone: IngestionPackage[]): Promise<void> {
  const blobs = ingestionBlobs(services);
  const now = services.now().getTime();
  for (const p of gone) {
    const writable = !p.sasExpiresAt || Date.parse(p.sasExpiresAt) > now;
    // Best effort: the request has done its work; a blob left here is the lifecycle rule's.
    await (writable && p.leaseId ? blobs.empty(p.blobName, p.leaseId) : blobs.remove(p.blobName)).catch(
      () => undefined,
    );
  }
}

const ingestionBlobs = (services: Services) => createIngestionBlobs(services.storage, services.blobs);

export function findPackage(state: ProductState | undefined, packageId: string): IngestionPackage {
  const found = state?.packages.find((p) => p.id === packageId);
  if (!found) throw new IngestionError(404, `No package '${packageId}' exists in this product.`, 'not_found');
  return found;
}

type Log = (message: string) => void;

/**
 * PUT /packages/{id} with state Uploaded: Processed once the file is there and is a package,
 * ProcessFailed otherwise. The answer is quick whatever the file: the staging blob is locked (the
 * fileSasUri cannot change it any more), its first bytes say what it is, and a library zip is
 * judged from its central directory (step 2's zip-bomb rules, the library limits). A library's
 * apps are then validated one by one in the background (`validation`; its findings become the
 * package's `validations`); the main app is validated by the pipeline when a submission ships it.
 * Repeating the PUT changes nothing.
 */
export async function processPackage(
  services: Services,
  productId: string,
  offer: Offer,
  pkg: IngestionPackage,
  log: Log,
) {
  if (pkg.state === 'Processed' || pkg.state === 'ProcessFailed') return packageResource(productId, pkg);
  const blobs = ingestionBlobs(services);
  const lock = await blobs.lock(pkg.blobName, pkg.leaseId);
  const now = services.now().toISOString();
  let outcome: Pick<IngestionPackage, 'state' | 'findings' | 'validation'>;
  if (lock.size === 0) {
    outcome = failed(pkg, 'The file was not uploaded to fileSasUri.');
  } else {
    const source = await blobs.source(pkg.blobName);
    if (pkg.resourceType === MAIN_PACKAGE) {
      outcome = (await packageKind(source))
        ? { state: 'Processed' }
        : failed(pkg, `${pkg.fileName} is not a .app or app zip.`);
    } else {
      const plan = await planLibraries(source, pkg.fileName);
      outcome =
        typeof plan === 'string'
          ? failed(pkg, plan)
          : { state: 'Processed', validation: { state: 'Running', startedAt: now, beatAt: now } };
    }
  }
  const next: IngestionPackage = { ...pkg, ...outcome, leaseId: lock.leaseId, version: pkg.version + 1 };
  await updatePackage(services, productId, offer.offerId, next.id, () => next);
  // Best effort, as for packages let go: the answer stands whatever happens to the bytes.
  if (next.state === 'ProcessFailed') await blobs.empty(next.blobName, lock.leaseId).catch(() => undefined);
  if (next.validation?.state === 'Running')
    validateInBackground(services, productId, offer.offerId, next.id, log);
  return packageResource(productId, next);
}

async function updatePackage(
  services: Services,
  productId: string,
  offerId: string,
  packageId: string,
  change: (p: IngestionPackage) => IngestionPackage | undefined,
): Promise<IngestionPackage | undefined> {
  let changed: IngestionPackage | undefined;
  await services.ingestion.update(
    productId,
    () => emptyProductState(productId, offerId),
    (current) => {
      changed = undefined;
      const found = current.packages.find((p) => p.id === packageId);
      changed = found && change(found);
      if (!changed) return undefined;
      const replaced = changed;
      return { ...current, packages: current.packages.map((p) => (p.id === packageId ? replaced : p)) };
    },
  );
  return changed;
}

/** How often a running library validation says it is alive. */
const BEAT_MS = 20_000;

/** One library validation at a time per instance: memory stays that of one app, however many arrive. */
let queue: Promise<unknown> = Promise.resolve();

/** Starts (or, for a stale one, takes over) a library's validation without waiting for it. */
function validateInBackground(
  services: Services,
  productId: string,
  offerId: string,
  packageId: string,
  log: Log,
): void {
  const beat = () =>
    updatePackage(services, productId, offerId, packageId, (p) =>
      p.validation?.state === 'Running'
        ? { ...p, validation: { ...p.validation, beatAt: services.now().toISOString() } }
        : undefined,
    );
  const timer = setInterval(() => void beat().catch(() => undefined), BEAT_MS);
  timer.unref();
  const run = async () => {
    try {
      await validateLibrary(services, productId, offerId, packageId);
    } catch (error) {
      // Left Running: its beat stops, and the next POST /submissions that needs it starts it again.
      log(`library validation of package ${packageId} (product ${productId}) failed: ${String(error)}`);
    } finally {
      clearInterval(timer);
    }
  };
  queue = queue.then(run, run);
}

async function validateLibrary(services: Services, productId: string, offerId: string, packageId: string) {
  const pkg = findPackage(await services.ingestion.state(productId), packageId);
  if (pkg.validation?.state !== 'Running' || !pkg.leaseId) return;
  const blobs = ingestionBlobs(services);
  const source = await blobs.source(pkg.blobName);
  const plan = await planLibraries(source, pkg.fileName);
  const reading =
    typeof plan === 'string'
      ? {
          apps: [],
          findings: [
            { code: 'package.unreadable', message: plan, path: pkg.fileName, severity: 'error' as const },
          ],
        }
      : await readLibraries(
          source,
          plan,
          { blobs: blobs.scratch(), prefix: pkg.blobName },
          services.appCatalog,
          services.now().toISOString(),
        );
  await updatePackage(services, productId, offerId, packageId, (p) =>
    p.validation?.state === 'Running'
      ? {
          ...p,
          findings: reading.findings,
          libraries: reading.apps,
          validation: { ...p.validation, state: 'Completed' },
          version: p.version + 1,
        }
      : undefined,
  );
  // The apps are known (`libraries`): the bytes are no longer needed.
  await blobs.empty(pkg.blobName, pkg.leaseId);
}

/** How long POST /submissions waits for the configured library's validation to complete. */
export const LIBRARY_SETTLE_MS = 60_000;

/**
 * The configured library once its validation completed. A validation whose worker went away is
 * started again here; one that does not complete in time refuses the submission (409, nothing done).
 */
export async function completedLibrary(
  services: Services,
  productId: string,
  offerId: string,
  library: IngestionPackage,
  log: Log,
): Promise<IngestionPackage> {
  const deadline = Date.now() + LIBRARY_SETTLE_MS;
  let current = library;
  while (current.validation?.state === 'Running') {
    if (isStale(current.validation, services.now())) {
      const claimed = await updatePackage(services, productId, offerId, current.id, (p) =>
        isStale(p.validation, services.now()) && p.validation
          ? { ...p, validation: { ...p.validation, beatAt: services.now().toISOString() } }
          : undefined,
      );
      if (claimed) validateInBackground(services, productId, offerId, current.id, log);
    }
    if (Date.now() > deadline) {
      throw new IngestionError(
        409,
        `The library package ${current.fileName} is still being validated; create the submission again in a minute.`,
        'library_pending',
      );
    }
    await new Promise((r) => setTimeout(r, 250));
    current = findPackage(await services.ingestion.state(productId), current.id);
  }
  return current;
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

/**
 * The notification email of an ingestion Publish (api.md): the offer's `notificationEmail`, else
 * the last one used, else the caller's name when it is an email (an application's token names
 * none); with none of them, 400 saying to set the offer's notification email.
 */
export async function notificationEmailFor(
  services: Services,
  offer: Offer,
  callerName: string,
  status?: OfferStatus,
): Promise<string> {
  if (offer.notificationEmail) return offer.notificationEmail;
  if (status?.notificationEmail) return status.notificationEmail;
  const records = await services.submissions.list(offer.offerId);
  const last = records.at(-1)?.notificationEmail;
  if (last) return last;
  if (notificationEmailSchema.safeParse(callerName).success) return callerName;
  throw new IngestionError(
    400,
    `Offer '${offer.offerId}' has no notification email: set the offer's notification email (notificationEmail, in the portal's Editor or with PUT /api/offers/${offer.offerId}), then submit again.`,
    'invalid_request',
    [{ code: 'invalid_request', message: "set the offer's notification email", target: 'notificationEmail' }],
  );
}
