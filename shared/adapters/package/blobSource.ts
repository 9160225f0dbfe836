import { BlobClient, RestError } from '@azure/storage-blob';
import { RandomAccessSource, SourceReadError, clampRange } from './source';

/** A blob read with ranged downloads; `bytesRead` and `requests` count what storage served. */
export interface BlobSource extends RandomAccessSource {
  readonly bytesRead: number;
  readonly requests: number;
}

/**
 * Opens a blob for random access. Every read is conditional on the ETag seen when it was opened,
 * so a package replaced during validation fails the read instead of mixing two uploads.
 */
export async function blobSource(
  client: BlobClient,
  /** The blob's size and ETag when the caller just read them (no second read). */
  known?: { size: number; etag: string },
): Promise<BlobSource> {
  const properties =
    known ??
    (await client.getProperties().then(
      (p) => ({ size: p.contentLength ?? 0, etag: p.etag }),
      (e: unknown) => {
        throw new SourceReadError(`cannot read properties of blob ${client.name}: ${describe(e)}`, {
          cause: e,
        });
      },
    ));
  const { size, etag } = properties;
  const counters = { bytesRead: 0, requests: 0 };
  return {
    size,
    ...(etag ? { etag } : {}),
    get bytesRead() {
      return counters.bytesRead;
    },
    get requests() {
      return counters.requests;
    },
    read: async (offset, length) => {
      const range = clampRange(size, offset, length);
      if (!range) return Buffer.alloc(0);
      counters.requests += 1;
      const bytes = await download(client, range.offset, range.length, etag);
      counters.bytesRead += bytes.length;
      return bytes;
    },
  };
}

async function download(client: BlobClient, offset: number, count: number, etag?: string): Promise<Buffer> {
  try {
    const response = await client.download(offset, count, etag ? { conditions: { ifMatch: etag } } : {});
    const body = response.readableStreamBody;
    if (!body) throw new Error('the download has no body');
    return await readExactly(body, count);
  } catch (e) {
    if (e instanceof SourceReadError) throw e;
    throw new SourceReadError(`cannot read bytes ${offset}+${count} of blob ${client.name}: ${describe(e)}`, {
      cause: e,
    });
  }
}

/** Copies the body into one buffer of the size asked for; a longer body is refused. */
async function readExactly(body: NodeJS.ReadableStream, count: number): Promise<Buffer> {
  const buffer = Buffer.alloc(count);
  let filled = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (filled + chunk.length > count)
      throw new SourceReadError(`storage returned more than the ${count} bytes asked for`);
    chunk.copy(buffer, filled);
    filled += chunk.length;
  }
  return buffer.subarray(0, filled);
}

function describe(e: unknown): string {
  if (e instanceof RestError) return `${e.statusCode ?? ''} ${e.code ?? e.message}`.trim();
  return e instanceof Error ? e.message : String(e);
}
