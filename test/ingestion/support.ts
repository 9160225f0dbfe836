/**
 * A client of the ingestion routes that talks as BcContainerHelper's New-AppSourceSubmission does:
 * a bearer token, JSON with "Content-Type: application/json; charset=utf-8", If-Match on every PUT,
 * and collections read from `value`. Plus the packages of a delivery: a main app and libraries.
 */
import { randomBytes } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';
import { localToken } from '../../shared/http/principal';
import {
  appIdFor,
  appPackage,
  buildZip,
  endOfCentralDirectory,
  navxAttributes,
  navxContent,
  navxManifest,
  OFFER_APP,
  SYSTEM_APPLICATION,
} from '../support/packages';
import { completeOffer, publisherSteps, waitFor } from '../support/scenario';

export const MAIN = 'Dynamics365BusinessCentralAddOnExtensionPackage';
export const LIBRARY = 'Dynamics365BusinessCentralAddOnLibraryExtensionPackage';

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export function annToken(extra: Record<string, unknown> = {}): string {
  return localToken({
    name: 'ann@contoso.com',
    roles: 'Publisher',
    publisher_id: 'contoso',
    exp: Math.floor(Date.now() / 1000) + 3600,
    ...extra,
  });
}

export function ingestion(baseUrl: string, productId: string, token: string) {
  const base = `${baseUrl}/api/v1.0/ingestion/products/${productId}`;
  async function send<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json; charset=utf-8',
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T } as Reply<T>;
  }
  return {
    send,
    get: <T = Record<string, unknown>>(path: string) => send<T>('GET', path),
    post: <T = Record<string, unknown>>(path: string, body: unknown = {}) => send<T>('POST', path, body),
    /** As Invoke-IngestionApiPut: the body's own @odata.etag goes into If-Match. */
    put: <T = Record<string, unknown>>(path: string, body: Record<string, unknown>) =>
      send<T>('PUT', path, body, { 'if-match': String(body['@odata.etag'] ?? '') }),
    delete: <T = Record<string, unknown>>(path: string) => send<T>('DELETE', path),
    /** A collection, as Invoke-IngestionApiGetCollection reads it. */
    async collection<T = Record<string, unknown>>(path: string): Promise<T[]> {
      const res = await send<{ value: T[] }>('GET', path);
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body.value)).toBe(true);
      return res.body.value;
    },
  };
}

export type Ingestion = ReturnType<typeof ingestion>;

/** The apps of a delivery: main depends on lib1, lib2 on lib1; ids are the offer's own. */
export function deliveryApps(offerId: string, mainVersion = OFFER_APP.version) {
  const lib1 = { id: appIdFor(`${offerId}-lib1`), name: 'Contoso Base', version: '1.0.0.0' };
  const lib2 = { id: appIdFor(`${offerId}-lib2`), name: 'Contoso Tools', version: '1.1.0.0' };
  const dep = (l: typeof lib1) =>
    `<Dependency Id="${l.id}" Name="${l.name}" Publisher="Contoso" MinVersion="${l.version}" />`;
  const app = (attrs: Record<string, string>, deps: string) =>
    appPackage(navxContent(navxManifest(navxAttributes(attrs), [[50100, 50149]], deps)));
  return {
    main: app({ Id: appIdFor(offerId), Version: mainVersion }, SYSTEM_APPLICATION + dep(lib1)),
    lib1: app({ Id: lib1.id, Name: lib1.name, Version: lib1.version }, SYSTEM_APPLICATION),
    lib2: app({ Id: lib2.id, Name: lib2.name, Version: lib2.version }, SYSTEM_APPLICATION + dep(lib1)),
  };
}

/** Compress-Archive's output for -libraryAppFiles lib1.app,lib2.app. */
export function librariesZip(files: [string, Buffer][]): Buffer {
  return buildZip(files.map(([name, data]) => ({ name, data })));
}

export function uniqueOffer(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** An offer ready for every automated step (images uploaded); returns its productId. */
export async function describedOffer(baseUrl: string, offerId: string): Promise<string> {
  const steps = publisherSteps(baseUrl, offerId);
  const put = await steps.call('ann', 'PUT', `/api/offers/${offerId}`, {
    ...completeOffer(),
    app: { ...OFFER_APP, id: appIdFor(offerId) },
  });
  expect(put.status).toBe(201);
  await steps.uploadArtifacts();
  const got = await steps.call<{ productId: string }>('ann', 'GET', `/api/offers/${offerId}`);
  expect(got.body.productId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  return got.body.productId;
}

export interface PackageResource {
  id: string;
  state: string;
  validationState?: 'InProgress' | 'Completed';
  fileSasUri: string;
  '@odata.etag': string;
  validations?: { code: string; message: string; path: string; severity: string }[];
}

/** POST /packages, the PUT to fileSasUri, then PUT state Uploaded: the script's upload of one file. */
export async function uploadPackage(
  client: Ingestion,
  resourceType: string,
  fileName: string,
  bytes: Buffer,
): Promise<PackageResource> {
  const created = await client.post<PackageResource>('/packages', { resourceType, fileName });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ state: 'PendingUpload', id: expect.any(String) });
  expect(created.body['@odata.etag']).toEqual(expect.any(String));
  const blob = await fetch(created.body.fileSasUri, {
    method: 'PUT',
    headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  expect(blob.status).toBe(201);
  const uploaded = await client.put<PackageResource>(`/packages/${created.body.id}`, {
    ...created.body,
    state: 'Uploaded',
  });
  expect(uploaded.status).toBe(200);
  return uploaded.body;
}

/** A library package once its apps were validated (they are, one by one, after the PUT answered). */
export async function validated(client: Ingestion, packageId: string): Promise<PackageResource> {
  return waitFor(
    `library package ${packageId}`,
    async () => (await client.get<PackageResource>(`/packages/${packageId}`)).body,
    (p) => p.validationState !== 'InProgress',
    60_000,
  );
}

export interface SubmissionResource {
  id: string;
  state: string;
  substate: string;
  pendingUpdateInfo: { failureReason: string | null };
}

/** Everything New-AppSourceSubmission does up to POST /submissions, in its order. */
export async function deliver(
  client: Ingestion,
  files: { main: Buffer; libraries?: Buffer; appVersion?: string; mainFileName?: string },
): Promise<Reply<SubmissionResource>> {
  const product = await client.get<{ id: string; name: string }>('');
  expect(product.status).toBe(200);
  const setup = await client.get<{ packageType: string }>('/setup');
  expect(setup.body.packageType).toBe('AddOn');
  const [branch] = await client.collection<{ currentDraftInstanceID: string }>(
    '/branches/getByModule(module=Package)',
  );
  const configs = await client.collection<{
    id: string;
    packageReferences: { type: string; value: string }[];
  }>(`/packageConfigurations/getByInstanceID(instanceID=${branch?.currentDraftInstanceID})`);
  expect(configs).toHaveLength(1);
  const config = configs[0] as Record<string, unknown> & {
    packageReferences: { type: string; value: string }[];
  };
  const main = await uploadPackage(client, MAIN, files.mainFileName ?? 'main.app', files.main);
  expect(main.state).toBe('Processed');
  let references = config.packageReferences.filter((r) => r.type !== MAIN && r.type !== LIBRARY);
  references = [...references, { type: MAIN, value: main.id }];
  if (files.libraries) {
    const library = await uploadPackage(client, LIBRARY, 'main.libraries.zip', files.libraries);
    expect(library.state).toBe('Processed');
    references.push({ type: LIBRARY, value: library.id });
  }
  const configured = await client.put(`/packageConfigurations/${config.id}`, {
    ...config,
    packageReferences: references,
  });
  expect(configured.status).toBe(200);
  if (files.appVersion) {
    const [propertyBranch] = await client.collection<{ currentDraftInstanceID: string }>(
      '/branches/getByModule(module=Property)',
    );
    const [property] = await client.collection<Record<string, unknown> & { id: string; appVersion: string }>(
      `/properties/getByInstanceID(instanceID=${propertyBranch?.currentDraftInstanceID})`,
    );
    expect(property?.appVersion).toEqual(expect.any(String));
    const put = await client.put(`/properties/${property?.id}`, {
      ...property,
      appVersion: files.appVersion,
    });
    expect(put.status).toBe(200);
  }
  return client.post<SubmissionResource>('/submissions', {
    resourceType: 'SubmissionCreationRequest',
    targets: [{ type: 'Scope', value: 'preview' }],
    resources: [{ type: 'Package', value: branch?.currentDraftInstanceID }],
  });
}

/** The script's polling loop: workflowdetails (two items), then the submission, until `done`. */
export async function poll(
  client: Ingestion,
  submissionId: string,
  done: (s: SubmissionResource) => boolean,
): Promise<SubmissionResource> {
  return waitFor(
    `submission ${submissionId}`,
    async () => {
      const details = await client.collection<{ workflowSteps: { name: string; state: string }[] }>(
        `/submissions/${submissionId}/workflowdetails`,
      );
      expect(details).toHaveLength(2);
      for (const d of details)
        for (const s of d.workflowSteps)
          expect(['NotStarted', 'InProgress', 'Success', 'Failed']).toContain(s.state);
      return (await client.get<SubmissionResource>(`/submissions/${submissionId}`)).body;
    },
    done,
    60_000,
  );
}

/**
 * A zip of `count` entries of `bytes` zeros each, written without holding them: the deflated form
 * is computed once and repeated. `declared` is what the directory claims each entry inflates to
 * (a lying header when it differs); `stored` keeps the bytes as they are (ratio 1:1); `random`
 * makes them incompressible (deflated, ratio about 1:1).
 */
export function zerosZip(
  count: number,
  bytes: number,
  options: { declared?: number; stored?: boolean; random?: boolean } = {},
) {
  const zeros = options.random ? randomBytes(bytes) : Buffer.alloc(bytes);
  const data = options.stored ? zeros : deflateRawSync(zeros, { level: 1 });
  const crc = crc32(zeros);
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const name = Buffer.from(`lib${i}.app`);
    const fields = (b: Buffer, at: number) => {
      b.writeUInt16LE(options.stored ? 0 : 8, at);
      b.writeUInt32LE(crc, at + 6);
      b.writeUInt32LE(data.length, at + 10);
      b.writeUInt32LE(options.declared ?? bytes, at + 14);
      b.writeUInt16LE(name.length, at + 18);
    };
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    fields(header, 8);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    fields(central, 10);
    central.writeUInt32LE(offset, 42);
    parts.push(header, name, data);
    centrals.push(central, name);
    offset += header.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  return Buffer.concat([...parts, directory, endOfCentralDirectory(count, directory.length, offset)]);
}
