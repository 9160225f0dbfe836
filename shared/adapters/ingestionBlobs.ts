import { randomUUID } from 'node:crypto';
import type { BlobClient } from '@azure/storage-blob';
import { CONTAINERS } from '../contracts/names';
import type { BlobStore } from '../ports/blobs';
import type { ScratchBlobs } from './libraryPackages';
import { blobSource } from './package/blobSource';
import { cachedSource, RandomAccessSource } from './package/source';
import type { StorageClients } from './storage';
import { isStatus } from './tables/documents';

/**
 * The staging blobs of the ingestion API (container `ingestion`, one per POST /packages), which a
 * client writes through its fileSasUri. Once the package is processed the blob is locked with an
 * infinite lease whose id only the product's record knows: a write through the fileSasUri (which
 * carries no lease id) is refused by storage from then on, so what was processed is what stays.
 * Bytes no longer needed are dropped under that lease (the blob stays, empty and locked, while the
 * fileSasUri could still write it), and the blob itself is deleted once the record lets it go.
 */
export function createIngestionBlobs(storage: StorageClients, blobs: BlobStore) {
  const container = () => storage.blobService.getContainerClient(CONTAINERS.ingestion);
  const client = (name: string) => container().getBlockBlobClient(name);
  return {
    /**
     * Locks the staging blob (a missing one is created empty first, so the fileSasUri cannot
     * create it later) and tells whether it held any bytes. `leaseId` renews an earlier lock.
     */
    async lock(name: string, leaseId: string = randomUUID()): Promise<{ leaseId: string; size: number }> {
      await container().createIfNotExists();
      const blob = client(name);
      try {
        await blob.upload(Buffer.alloc(0), 0, { conditions: { ifNoneMatch: '*' } });
      } catch (error) {
        // 409: it exists already (the upload happened); 412: it is locked (an earlier processing).
        if (!isStatus(error, 409) && !isStatus(error, 412)) throw error;
      }
      try {
        await blob.getBlobLeaseClient(leaseId).acquireLease(-1);
      } catch (error) {
        // Locked by an earlier processing whose record was never written (it failed in between):
        // the package is still PendingUpload, so that lock protects nothing; take it over.
        if (!isStatus(error, 409)) throw error;
        await blob.getBlobLeaseClient().breakLease(0);
        await blob.getBlobLeaseClient(leaseId).acquireLease(-1);
      }
      const size = (await blob.getProperties()).contentLength ?? 0;
      return { leaseId, size };
    },
    /** The locked blob, read by ranges. */
    async source(name: string): Promise<RandomAccessSource> {
      return cachedSource(await blobSource(client(name) as BlobClient));
    },
    /** Drops the bytes, keeps the locked (empty) blob: the fileSasUri still cannot write it. */
    async empty(name: string, leaseId: string): Promise<void> {
      try {
        await client(name).upload(Buffer.alloc(0), 0, { conditions: { leaseId } });
      } catch (error) {
        if (!isStatus(error, 404) && !isStatus(error, 409) && !isStatus(error, 412)) throw error;
      }
    },
    /** Deletes the blob, whatever lock it holds (the record has let it go). */
    async remove(name: string): Promise<void> {
      const blob = client(name);
      try {
        await blob.getBlobLeaseClient().breakLease(0);
      } catch (error) {
        if (!isStatus(error, 404) && !isStatus(error, 409)) throw error;
      }
      await blob.deleteIfExists();
    },
    /** Scratch blobs for one inflated library app at a time (streamed in, read by ranges). */
    scratch(): ScratchBlobs {
      return {
        async write(name, bytes) {
          await blobs.uploadStream({ container: CONTAINERS.ingestion, name }, bytes);
          return cachedSource(await blobSource(client(name) as BlobClient));
        },
        async remove(name) {
          await client(name).deleteIfExists();
        },
      };
    },
  };
}

export type IngestionBlobs = ReturnType<typeof createIngestionBlobs>;
