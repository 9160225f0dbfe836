/** Blob storage as the application sees it: containers of named byte blobs. */
export interface BlobRef {
  container: string;
  name: string;
}

export interface BlobInfo extends BlobRef {
  size: number;
  etag: string;
  contentType?: string;
}

export interface BlobStore {
  upload(ref: BlobRef, body: Buffer, contentType?: string): Promise<BlobInfo>;
  download(ref: BlobRef): Promise<Buffer | undefined>;
  info(ref: BlobRef): Promise<BlobInfo | undefined>;
  /**
   * Server-side copy; resolves once it is done, with the target's ETag. With `sourceEtag`, only
   * that version of the source is copied: a changed source fails with 412, a missing one with 404.
   */
  copy(from: BlobRef, to: BlobRef, options?: { sourceEtag?: string }): Promise<BlobRef & { etag: string }>;
  list(container: string, prefix: string): Promise<BlobInfo[]>;
  /** Reads `length` bytes at `offset` (ranged download). */
  read(ref: BlobRef, offset: number, length: number): Promise<Buffer>;
  /**
   * Writes a block blob from a stream without holding it: blocks are staged as the bytes arrive
   * and nothing is visible until the final commit, which runs after `beforeCommit`. When `source`
   * throws (a size limit passed mid-stream), the staged blocks are never committed and the error
   * propagates; storage discards uncommitted blocks by itself.
   */
  uploadStream(
    ref: BlobRef,
    source: AsyncIterable<Uint8Array>,
    options?: StreamUploadOptions,
  ): Promise<BlobInfo>;
  /**
   * A URL that can create or overwrite exactly this one blob until `expiresOn`, and do nothing else
   * (no read, no list, no other name): a SAS with permissions create + write and resource `b`.
   */
  writeOnlyUrl(ref: BlobRef, expiresOn: Date): Promise<string>;
  /** Deletes the blob if it is still version `etag`; false when it is gone or was replaced. */
  deleteVersion(ref: BlobRef, etag: string): Promise<boolean>;
}

export interface StreamUploadOptions {
  contentType?: string;
  /** Runs once every byte is staged, before the blob becomes visible; `size` is the byte count. */
  beforeCommit?: (size: number) => Promise<void>;
  /** Blob metadata, written by the commit with the blob (e.g. its upload sequence). */
  metadata?: Record<string, string>;
}
