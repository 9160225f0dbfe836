/**
 * Issue 28 item 13 (design.md "A refused request leaves nothing behind"): a POST /submissions of the
 * ingestion API answered 4xx or 5xx ships no package and cancels nothing. The route runs over real
 * storage (Azurite) behind a failing proxy that refuses chosen writes; the durable client is the one
 * boundary played by a double (it records starts and raised events).
 */
import { randomUUID } from 'node:crypto';
import { makeIngestionSubmissions } from '../../functions/ingestionSubmissions';
import { CONTAINERS, TABLES } from '../../shared/contracts/names';
import { LIBRARY_PACKAGE, MAIN_PACKAGE, IngestionPackage } from '../../shared/domain/ingestion';
import type { Services } from '../../shared/services';
import { at, callWith, RecordingClient, request, seedOffer, seedStatus, uniqueOfferId } from '../api/support';
import { FailingProxy, StorageRequest, writesRow } from '../faults/failingStorage';
import { servicesBehindTableProxy } from '../faults/support';
import { createIngestionBlobs } from '../../shared/adapters/ingestionBlobs';
import { deliveryApps, librariesZip } from './support';

jest.setTimeout(120_000);

let tables: FailingProxy;
let services: Services;

beforeAll(async () => {
  ({ proxy: tables, services } = await servicesBehindTableProxy());
});
afterEach(() => tables.plan(() => undefined));
afterAll(async () => {
  await tables?.close();
});

const statusWrite = (r: StorageRequest) => writesRow(r, TABLES.timeline, 'status');

/** An offer whose product has a processed main app (and, if given, a library) configured. */
async function deliverableOffer(library?: Partial<IngestionPackage>) {
  const offerId = uniqueOfferId('refused');
  const productId = randomUUID();
  const offer = await seedOffer(services, offerId);
  await services.offers.put({ ...offer, productId });
  await services.ingestion.link(productId, offerId);
  const main: IngestionPackage = {
    id: randomUUID(),
    resourceType: MAIN_PACKAGE,
    fileName: 'main-1.2.0.0.app',
    state: 'Processed',
    blobName: `${productId}-main`,
    version: 2,
  };
  await services.blobs.upload(
    { container: CONTAINERS.ingestion, name: main.blobName },
    deliveryApps(offerId).main,
  );
  const lib: IngestionPackage | undefined = library && {
    id: randomUUID(),
    resourceType: LIBRARY_PACKAGE,
    fileName: 'libs.zip',
    state: 'Processed',
    blobName: `${productId}-libs`,
    version: 2,
    libraries: [],
    ...library,
  };
  const packages = lib ? [main, lib] : [main];
  await services.ingestion.update(
    productId,
    () => ({ productId, offerId, packages: [], packageReferences: [], configurationVersion: 1 }),
    (current) => ({
      ...current,
      packages,
      packageReferences: packages.map((p) => ({ type: p.resourceType, value: p.id })),
    }),
  );
  return { offerId, productId };
}

const submit = (productId: string) =>
  request('POST', `v1.0/ingestion/products/${productId}/submissions`, {
    as: 'ann',
    params: { productId },
    body: { resourceType: 'SubmissionCreationRequest' },
  });

/** What a shipment leaves: the offer's package report, its package blobs, its shipped libraries. */
async function shipped(offerId: string) {
  return {
    report: (await services.packageReports.get(offerId)) ?? null,
    blobs: (await services.blobs.list(CONTAINERS.packages, `${offerId}/`)).map((b) => b.name),
    libraries: await services.ingestion.shippedLibraries(offerId),
  };
}
const NOTHING_SHIPPED = { report: null, blobs: [], libraries: [] };

describe('a refused POST /submissions leaves nothing behind', () => {
  it('a Publish that fails (its claim cannot be written) has shipped no package', async () => {
    const { offerId, productId } = await deliverableOffer();
    const client = new RecordingClient();
    tables.plan((r) => (statusWrite(r) ? 413 : undefined));
    const res = await callWith(makeIngestionSubmissions(services), client, submit(productId));
    tables.plan(() => undefined);
    console.log(`refused: ${res.status}; shipped: ${JSON.stringify(await shipped(offerId))}`);
    expect(res.status).toBe(500);
    expect(await shipped(offerId)).toEqual(NOTHING_SHIPPED);
    expect(client.started).toEqual([]);
  });

  it('a submission at sign-off is not canceled by a POST that is then refused (a failing library)', async () => {
    const failing = [
      {
        code: 'manifest.missing',
        message: 'lib1.app: no manifest',
        path: 'lib1.app',
        severity: 'error' as const,
      },
    ];
    const { offerId, productId } = await deliverableOffer({ findings: failing });
    await seedStatus(services, offerId, at('WaitingForPublisher', 'publisher-signoff'));
    const client = new RecordingClient();
    const res = await callWith(makeIngestionSubmissions(services), client, submit(productId));
    expect(res.status).toBe(422);
    expect(client.raised).toEqual([]);
    const status = await services.statuses.get(offerId);
    expect([status?.state, status?.cancelRequest]).toEqual(['WaitingForPublisher', undefined]);
    expect(await shipped(offerId)).toEqual(NOTHING_SHIPPED);
  });

  it('a library whose validation lost its worker is validated again, then the submission starts', async () => {
    const { offerId, productId } = await deliverableOffer({ blobName: 'placeholder' });
    const apps = deliveryApps(offerId);
    const state = await services.ingestion.state(productId);
    const lib = state?.packages.find((p) => p.resourceType === LIBRARY_PACKAGE);
    if (!lib) throw new Error('no library');
    // Uploaded, processed (locked), and left Running ten minutes ago by an instance that went away.
    const blobName = `${productId}-libs`;
    await services.blobs.upload(
      { container: CONTAINERS.ingestion, name: blobName },
      librariesZip([
        ['lib1.app', apps.lib1],
        ['lib2.app', apps.lib2],
      ]),
    );
    const { leaseId } = await createIngestionBlobs(services.storage, services.blobs).lock(blobName);
    const long = new Date(Date.now() - 10 * 60_000).toISOString();
    await services.ingestion.update(
      productId,
      () => state!,
      (current) => ({
        ...current,
        packages: current.packages.map((p) =>
          p.id === lib.id
            ? { ...p, blobName, leaseId, validation: { state: 'Running', startedAt: long, beatAt: long } }
            : p,
        ),
      }),
    );
    const client = new RecordingClient();
    const res = await callWith(makeIngestionSubmissions(services), client, submit(productId));
    expect(res.status).toBe(201);
    const validated = (await services.ingestion.state(productId))?.packages.find((p) => p.id === lib.id);
    expect(validated?.validation?.state).toBe('Completed');
    expect(validated?.libraries?.map((l) => l.file)).toEqual(['lib1.app', 'lib2.app']);
    expect((await shipped(offerId)).libraries).toHaveLength(2);
    expect(client.started.map((s) => s.instanceId)).toEqual([`${offerId}-submission-1`]);
  });

  it('a submission past sign-off makes it 409 before anything is done', async () => {
    const { offerId, productId } = await deliverableOffer();
    await seedStatus(services, offerId, at('WaitingForReview', 'marketing-technical-validation'));
    const client = new RecordingClient();
    const res = await callWith(makeIngestionSubmissions(services), client, submit(productId));
    expect(res.status).toBe(409);
    expect([client.raised, client.started]).toEqual([[], []]);
    expect(await shipped(offerId)).toEqual(NOTHING_SHIPPED);
  });
});
