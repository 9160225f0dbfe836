import { randomBytes } from 'node:crypto';
import {
  BlobSASPermissions,
  BlobServiceClient,
  BlockBlobClient,
  ContainerClient,
  generateBlobSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import type { BlobInfo, BlobRef, BlobStore, StreamUploadOptions } from '../ports/blobs';
import type { StorageClients } from './storage';
import { isStatus } from './tables/documents';

export function createBlobStore(storage: StorageClients): BlobStore {
  const ready = new Map<string, Promise<ContainerClient>>();
  const container = (name: string): Promise<ContainerClient> => {
    let client = ready.get(name);
    if (!client) {
      const c = storage.blobService.getContainerClient(name);
      client = c.createIfNotExists().then(() => c);
      client.catch(() => ready.delete(name));
      ready.set(name, client);
    }
    return client;
  };
  const blob = async (ref: BlobRef) => (await container(ref.container)).getBlockBlobClient(ref.name);

  return {
    async upload(ref, body, contentType) {
      const client = await blob(ref);
      const result = await client.uploadData(body, { blobHTTPHeaders: { blobContentType: contentType } });
      return { ...ref, size: body.length, etag: result.etag ?? '', contentType };
    },
    async download(ref) {
      try {
        // One GET: downloadToBuffer would ask for the properties first (a second request).
        const response = await (await blob(ref)).download();
        return await bufferOf(response.readableStreamBody);
      } catch (error) {
        if (isStatus(error, 404)) return undefined;
        throw error;
      }
    },
    async info(ref) {
      try {
        const p = await (await blob(ref)).getProperties();
        return { ...ref, size: p.contentLength ?? 0, etag: p.etag ?? '', contentType: p.contentType };
      } catch (error) {
        if (isStatus(error, 404)) return undefined;
        throw error;
      }
    },
    async copy(from, to, options = {}) {
      const source = await blob(from);
      const target = await blob(to);
      // Same account: a synchronous server-side copy needs no SAS for the source only with shared-key
      // or identity auth on both sides, which is what the app uses; poll until done.
      const conditions = options.sourceEtag ? { sourceConditions: { ifMatch: options.sourceEtag } } : {};
      const poller = await target.beginCopyFromURL(source.url, conditions);
      // Done: the copy's own answer (a copy within the account is done at once) or the last poll
      // carries the target's ETag, so no read after it.
      const done = await poller.pollUntilDone();
      const etag = done.etag ?? (await target.getProperties()).etag ?? '';
      return { ...to, etag };
    },
    async list(containerName, prefix) {
      const c = await container(containerName);
      const found: BlobInfo[] = [];
      for await (const item of c.listBlobsFlat({ prefix })) {
        found.push({
          container: containerName,
          name: item.name,
          size: item.properties.contentLength ?? 0,
          etag: item.properties.etag ?? '',
          contentType: item.properties.contentType,
        });
      }
      return found;
    },
    async read(ref, offset, length) {
      if (length === 0) return Buffer.alloc(0);
      return (await blob(ref)).downloadToBuffer(offset, length);
    },
    async deleteVersion(ref, etag) {
      try {
        await (await blob(ref)).delete({ conditions: { ifMatch: etag } });
        return true;
      } catch (error) {
        if (isStatus(error, 404) || isStatus(error, 412)) return false;
        throw error;
      }
    },
    async uploadStream(ref, source, options = {}) {
      return stageAndCommit(await blob(ref), ref, source, options);
    },
    async writeOnlyUrl(ref, expiresOn) {
      const client = await blob(ref);
      const sas = await signWriteOnly(storage.blobService, ref, expiresOn);
      if (storage.blobService.credential instanceof StorageSharedKeyCredential) {
        await allowBrowserUploadsOnEmulator(storage.blobService);
      }
      return `${client.url}?${sas}`;
    },
  };
}

/** Block size of streamed uploads: what the process holds at once, whatever the blob's size. */
const BLOCK_BYTES = 4 * 1024 * 1024;

/**
 * Stages blocks one at a time as the bytes arrive, through one reused block buffer (memory: one
 * block, whatever the blob's size), then commits the list; a blob that fits one block is one Put
 * Blob. Block ids are random per upload so two
 * concurrent uploads of one name never mix their blocks.
 */
async function stageAndCommit(
  client: BlockBlobClient,
  ref: BlobRef,
  source: AsyncIterable<Uint8Array>,
  options: StreamUploadOptions,
): Promise<BlobInfo> {
  const prefix = randomBytes(8).toString('hex');
  const ids: string[] = [];
  const block = Buffer.allocUnsafe(BLOCK_BYTES);
  let filled = 0;
  let size = 0;
  const stage = async () => {
    if (filled === 0) return;
    const id = Buffer.from(`${prefix}-${String(ids.length).padStart(6, '0')}`).toString('base64');
    // Awaited before the buffer is refilled: the SDK has sent these bytes by then.
    await client.stageBlock(id, block.subarray(0, filled), filled);
    ids.push(id);
    filled = 0;
  };
  for await (const chunk of source) {
    size += chunk.byteLength;
    let offset = 0;
    while (offset < chunk.byteLength) {
      const n = Math.min(BLOCK_BYTES - filled, chunk.byteLength - offset);
      block.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === BLOCK_BYTES) await stage();
    }
  }
  const properties = {
    blobHTTPHeaders: { blobContentType: options.contentType },
    ...(options.metadata ? { metadata: options.metadata } : {}),
  };
  if (ids.length === 0) {
    // It all fit in one block: one Put Blob writes and commits it (one request, not two).
    await options.beforeCommit?.(size);
    const result = await client.upload(block.subarray(0, filled), filled, properties);
    return { ...ref, size, etag: result.etag ?? '', contentType: options.contentType };
  }
  await stage();
  await options.beforeCommit?.(size);
  const result = await client.commitBlockList(ids, properties);
  return { ...ref, size, etag: result.etag ?? '', contentType: options.contentType };
}

/** Create + write only, on this one blob (resource `b`): Put Blob, Put Block and Put Block List. */
const WRITE_ONLY = BlobSASPermissions.parse('cw');
/** Tolerates clocks a little ahead of storage's, so a fresh URL is not "not yet valid". */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * The SAS query of a write-only URL. With an account key (Azurite locally) the key signs it; in
 * Azure the account has no shared key, so a user delegation key obtained with the managed identity
 * signs it (role Storage Blob Delegator, infra/app/rbac.bicep), and it can never grant more than
 * the identity's own data roles.
 */
async function signWriteOnly(service: BlobServiceClient, ref: BlobRef, expiresOn: Date): Promise<string> {
  const startsOn = new Date(Date.now() - CLOCK_SKEW_MS);
  const values = {
    containerName: ref.container,
    blobName: ref.name,
    permissions: WRITE_ONLY,
    startsOn,
    expiresOn,
    protocol: service.url.startsWith('https:') ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
  };
  const credential = service.credential;
  if (credential instanceof StorageSharedKeyCredential) {
    return generateBlobSASQueryParameters(values, credential).toString();
  }
  const key = await service.getUserDelegationKey(startsOn, expiresOn);
  return generateBlobSASQueryParameters(values, key, service.accountName).toString();
}

const EMULATOR_ACCOUNT = 'devstoreaccount1';
const corsReady = new WeakMap<BlobServiceClient, Promise<void>>();

/**
 * Locally the portal page (http://localhost:7071) PUTs to Azurite, another origin, so the emulator
 * needs a CORS rule as the real account gets one from infra (storage-account.bicep). Only the
 * emulator's well-known account is touched: a real account's CORS belongs to its infra.
 */
function allowBrowserUploadsOnEmulator(service: BlobServiceClient): Promise<void> {
  if (service.accountName !== EMULATOR_ACCOUNT) return Promise.resolve();
  let ready = corsReady.get(service);
  if (!ready) {
    ready = (async () => {
      const properties = await service.getProperties();
      const rules = properties.cors ?? [];
      if (rules.some((r) => r.allowedOrigins === '*' && /PUT/.test(r.allowedMethods))) return;
      const rule = {
        allowedOrigins: '*',
        allowedMethods: 'PUT,OPTIONS',
        allowedHeaders: 'content-type,content-length,x-ms-*',
        exposedHeaders: 'x-ms-request-id,x-ms-version,etag',
        maxAgeInSeconds: 3600,
      };
      await service.setProperties({ cors: [...rules, rule] });
    })();
    ready.catch(() => corsReady.delete(service));
    corsReady.set(service, ready);
  }
  return ready;
}

async function bufferOf(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (stream)
    for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
