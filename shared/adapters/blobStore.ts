import { ContainerClient } from '@azure/storage-blob';
import type { BlobInfo, BlobRef, BlobStore } from '../ports/blobs';
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
        return await (await blob(ref)).downloadToBuffer();
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
    async copy(from, to) {
      const source = await blob(from);
      const target = await blob(to);
      // Same account: a synchronous server-side copy needs no SAS for the source only with shared-key
      // or identity auth on both sides, which is what the app uses; poll until done.
      const poller = await target.beginCopyFromURL(source.url);
      await poller.pollUntilDone();
      const p = await target.getProperties();
      return { ...to, size: p.contentLength ?? 0, etag: p.etag ?? '', contentType: p.contentType };
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
  };
}
