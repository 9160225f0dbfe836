/**
 * Text that may be larger than a table property. Azure Tables cap a string property at 64 KiB
 * (UTF-16, so 32 K code units) and an entity at 1 MiB; Azurite enforces neither, so the host
 * enforces them itself: small text in one property, larger text in numbered chunk properties,
 * and text too large for one entity in a blob (as the Durable extension does with large messages).
 */
import { randomUUID } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';

/** Code units per property: 60,000 bytes in UTF-16, under the 64 KiB limit. */
export const CHUNK_CHARS = 30_000;
/** Chunks kept in the row itself: 720 KB, leaving room under the 1 MiB entity limit. */
export const MAX_CHUNKS_IN_ROW = 12;

export type Properties = Record<string, unknown>;

export class LargeTextStore {
  private container: Promise<ContainerClient> | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly containerName: string,
  ) {}

  /** Properties that hold `text` under `name` (none for undefined). */
  async pack(name: string, text: string | undefined, owner: string): Promise<Properties> {
    if (text === undefined) return {};
    if (text.length <= CHUNK_CHARS) return { [name]: text };
    const chunks = splitText(text, CHUNK_CHARS);
    if (chunks.length <= MAX_CHUNKS_IN_ROW) {
      const props: Properties = { [`${name}Chunks`]: chunks.length };
      chunks.forEach((chunk, i) => (props[`${name}_${i}`] = chunk));
      return props;
    }
    const blobName = `${owner}/${randomUUID()}`;
    const container = await this.containerClient();
    await container.getBlockBlobClient(blobName).upload(text, Buffer.byteLength(text), {
      blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' },
    });
    return { [`${name}Blob`]: blobName };
  }

  async unpack(entity: Properties, name: string): Promise<string | undefined> {
    const direct = entity[name];
    if (typeof direct === 'string') return direct;
    const count = entity[`${name}Chunks`];
    if (typeof count === 'number') {
      let text = '';
      for (let i = 0; i < count; i++) text += String(entity[`${name}_${i}`] ?? '');
      return text;
    }
    const blobName = entity[`${name}Blob`];
    if (typeof blobName !== 'string') return undefined;
    const container = await this.containerClient();
    const buffer = await container.getBlockBlobClient(blobName).downloadToBuffer();
    return buffer.toString('utf8');
  }

  /** Deletes the blobs spilled for one owner (an instance). */
  async deleteOwner(owner: string): Promise<void> {
    if (!this.container) return;
    const container = await this.container;
    for await (const blob of container.listBlobsFlat({ prefix: `${owner}/` }))
      await container.deleteBlob(blob.name).catch(() => undefined);
  }

  private containerClient(): Promise<ContainerClient> {
    if (!this.container) {
      const client = BlobServiceClient.fromConnectionString(this.connectionString).getContainerClient(
        this.containerName,
      );
      this.container = client.createIfNotExists().then(() => client);
      this.container.catch(() => (this.container = undefined));
    }
    return this.container;
  }
}

/** Splits text into pieces of at most `size` code units without cutting a surrogate pair. */
export function splitText(text: string, size: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
