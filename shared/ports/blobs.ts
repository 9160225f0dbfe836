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
  /** Server-side copy; returns the target's info. */
  copy(from: BlobRef, to: BlobRef): Promise<BlobInfo>;
  list(container: string, prefix: string): Promise<BlobInfo[]>;
  /** Reads `length` bytes at `offset` (ranged download). */
  read(ref: BlobRef, offset: number, length: number): Promise<Buffer>;
}
