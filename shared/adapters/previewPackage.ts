import { Readable } from 'node:stream';
import { BlobServiceClient } from '@azure/storage-blob';
import { imageSize } from 'image-size';
import { ZipFile } from 'yazl';
import type { ImageFacts } from '../domain/storefront';
import type { BlobRef } from '../ports/blobs';

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

const UPLOAD_BLOCK_BYTES = 4 * 1024 * 1024;

export function createPreviewPackages(blobService: BlobServiceClient): PreviewPackages {
  const openPackage = async (ref: BlobRef): Promise<NodeJS.ReadableStream> => {
    const download = await blobService.getContainerClient(ref.container).getBlobClient(ref.name).download();
    if (!download.readableStreamBody) throw new Error(`blob '${ref.container}/${ref.name}' has no body`);
    return download.readableStreamBody;
  };
  return {
    async write(request) {
      // Before the zip starts: a zip whose package download fails needs an upload to end.
      const container = blobService.getContainerClient(request.target.container);
      await container.createIfNotExists();
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
      // The failure is answered through `failed`. The listener stays so that a destroyed output
      // never emits an 'error' nobody hears (the upload may have let go of it): that ends the process.
      output.on('error', () => undefined);
      const failed = new Promise<never>((_, reject) =>
        zip.on('error', (error: Error) => {
          output.destroy(error); // ends the upload too, instead of leaving it waiting for bytes
          reject(error);
        }),
      );
      failed.catch(() => undefined); // a zip failing after the upload did is no one's answer
      const upload = container
        .getBlockBlobClient(request.target.name)
        .uploadStream(output, UPLOAD_BLOCK_BYTES, 2, {
          blobHTTPHeaders: { blobContentType: 'application/zip' },
        });
      await Promise.race([upload, failed]);
    },
  };
}
