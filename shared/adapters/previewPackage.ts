import { Readable } from 'node:stream';
import { BlobServiceClient } from '@azure/storage-blob';
import { imageSize } from 'image-size';
import { ZipFile } from 'yazl';
import type { ImageFacts } from '../domain/storefront';
import type { BlobRef, BlobStore } from '../ports/blobs';

/** Pixel size and format of image bytes, or undefined when they are no image image-size knows. */
export function describeImage(bytes: Buffer): ImageFacts | undefined {
  try {
    const { type, width, height } = imageSize(bytes);
    return type ? { type, width, height } : undefined;
  } catch {
    return undefined;
  }
}

export interface PreviewEntry {
  /** Path inside the zip. */
  path: string;
  bytes: Buffer;
}

export interface PreviewRequest {
  target: BlobRef;
  /** Small entries (the manifest, storefront images) already in memory. */
  entries: PreviewEntry[];
  /** The extension package: streamed from its blob into the zip, never held in memory whole. */
  packageBlob: BlobRef;
  packageEntry: string;
}

export interface PreviewPackages {
  write(request: PreviewRequest): Promise<void>;
}

/**
 * The zip is built only when the upload asks for its first bytes, which is after the blob store
 * has its container: a zip whose package download fails needs an upload to end. It goes through
 * the blob store's upload (shared/adapters/blobStore.ts), so a small preview is one Put Blob and a
 * large one is staged block by block, one block in memory.
 */
export function createPreviewPackages(
  blobService: BlobServiceClient,
  blobs: Pick<BlobStore, 'uploadStream'>,
): PreviewPackages {
  const openPackage = async (ref: BlobRef): Promise<NodeJS.ReadableStream> => {
    const download = await blobService.getContainerClient(ref.container).getBlobClient(ref.name).download();
    if (!download.readableStreamBody) throw new Error(`blob '${ref.container}/${ref.name}' has no body`);
    return download.readableStreamBody;
  };
  async function* zipped(request: PreviewRequest): AsyncGenerator<Uint8Array> {
    const zip = new ZipFile();
    for (const entry of request.entries) zip.addBuffer(entry.bytes, entry.path);
    // Opened only when yazl reaches the entry, so a failed download surfaces as a zip error.
    zip.addReadStreamLazy(request.packageEntry, (callback) => {
      openPackage(request.packageBlob).then(
        (stream) => callback(null, stream),
        (error: unknown) => callback(error, undefined as unknown as NodeJS.ReadableStream),
      );
    });
    zip.end();
    const output = zip.outputStream as Readable;
    // A zip error ends the output with it, and so the upload reading it. The listener stays so
    // that a destroyed output never emits an 'error' nobody hears: that ends the process.
    output.on('error', () => undefined);
    zip.on('error', (error: Error) => output.destroy(error));
    yield* output;
  }
  return {
    async write(request) {
      await blobs.uploadStream(request.target, zipped(request), { contentType: 'application/zip' });
    },
  };
}
