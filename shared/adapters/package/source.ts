import { open } from 'node:fs/promises';

/**
 * Random access to the bytes of a package, wherever they are. `read` returns fewer bytes than
 * asked only at the end of the source; failures to read are thrown as SourceReadError so that
 * they are never mistaken for a damaged package.
 */
export interface RandomAccessSource {
  size: number;
  /** The stored version being read, when the store has one (blob ETag). */
  etag?: string;
  read(offset: number, length: number): Promise<Buffer>;
}

/** The store could not be read (network, permissions, the blob changed): retry, not a finding. */
export class SourceReadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceReadError';
  }
}

/** Clamps a request to the source; null when nothing is left to read. */
export function clampRange(
  size: number,
  offset: number,
  length: number,
): { offset: number; length: number } | null {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new SourceReadError(`invalid range ${offset}+${length}`);
  }
  const end = Math.min(size, offset + length);
  return end > offset ? { offset, length: end - offset } : null;
}

export function bufferSource(buffer: Buffer): RandomAccessSource {
  return {
    size: buffer.length,
    read: async (offset, length) => {
      const range = clampRange(buffer.length, offset, length);
      return range ? buffer.subarray(range.offset, range.offset + range.length) : Buffer.alloc(0);
    },
  };
}

export interface FileSource extends RandomAccessSource {
  close(): Promise<void>;
}

/** A local file, read with positioned reads; the caller closes it. */
export async function fileSource(path: string): Promise<FileSource> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    size,
    read: async (offset, length) => {
      const range = clampRange(size, offset, length);
      if (!range) return Buffer.alloc(0);
      const buffer = Buffer.alloc(range.length);
      const { bytesRead } = await handle.read(buffer, 0, range.length, range.offset);
      return buffer.subarray(0, bytesRead);
    },
    close: () => handle.close(),
  };
}

/** `length` bytes of `source` from `start`: the zip inside a .app. */
export function sliceSource(source: RandomAccessSource, start: number, length: number): RandomAccessSource {
  const size = Math.max(0, Math.min(length, source.size - start));
  return {
    size,
    ...(source.etag ? { etag: source.etag } : {}),
    read: async (offset, len) => {
      const range = clampRange(size, offset, len);
      return range ? source.read(start + range.offset, range.length) : Buffer.alloc(0);
    },
  };
}

export const CACHE_BLOCK_BYTES = 64 * 1024;
const CACHE_BLOCKS = 16;

/**
 * Reads whole aligned blocks and keeps the last few. A zip reader asks for 46 bytes per
 * central-directory entry; over a blob that would be one request per entry, so nearby small
 * reads are served from one ranged download instead. Memory stays at 16 blocks (1 MiB).
 */
export function cachedSource(source: RandomAccessSource, blockBytes = CACHE_BLOCK_BYTES): RandomAccessSource {
  const blocks = new Map<number, Promise<Buffer>>();
  const block = (index: number): Promise<Buffer> => {
    const cached = blocks.get(index);
    if (cached) {
      blocks.delete(index);
      blocks.set(index, cached); // most recently used last
      return cached;
    }
    const loading = source.read(index * blockBytes, blockBytes);
    loading.catch(() => blocks.delete(index));
    blocks.set(index, loading);
    const oldest = blocks.keys().next().value;
    if (blocks.size > CACHE_BLOCKS && oldest !== undefined) blocks.delete(oldest);
    return loading;
  };
  return {
    size: source.size,
    ...(source.etag ? { etag: source.etag } : {}),
    read: async (offset, length) => {
      const range = clampRange(source.size, offset, length);
      if (!range) return Buffer.alloc(0);
      if (range.length > blockBytes * 4) return source.read(range.offset, range.length);
      const first = Math.floor(range.offset / blockBytes);
      const last = Math.floor((range.offset + range.length - 1) / blockBytes);
      const parts: Buffer[] = [];
      for (let i = first; i <= last; i++) parts.push(await block(i));
      const joined = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
      const start = range.offset - first * blockBytes;
      return joined.subarray(start, start + range.length);
    },
  };
}
