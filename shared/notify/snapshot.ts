import { CONTAINERS } from '../contracts/names';
import type { BlobStore } from '../ports/blobs';
import type { Services } from '../services';
import type { MailLinks } from '../domain/notifications';
import { RememberedRows } from '../adapters/tables/rememberedRows';

/**
 * The snapshots this process read, per blob store (one per process; a test's second set of
 * services is another process). A submission's snapshot is written by its Publish before its
 * orchestration starts and never again: a claim whose Publish was undone (the only case where a
 * snapshot name is written twice) never started an orchestration, so no activity read it. So the
 * steps that read it (1, 2, 5, 8, the emails) can share one read: a remembered snapshot is never
 * stale. Only the bytes are kept; each caller gets its own parsed copy.
 */
const remembered = new WeakMap<BlobStore, RememberedRows<string>>();

/** The offer snapshot a submission started with, parsed; undefined when the blob is missing. */
export async function readSnapshot(blobs: BlobStore, snapshotBlobName: string): Promise<unknown> {
  let rows = remembered.get(blobs);
  if (!rows) remembered.set(blobs, (rows = new RememberedRows<string>(200)));
  let text = rows.get(snapshotBlobName);
  if (text === undefined) {
    const bytes = await blobs.download({ container: CONTAINERS.submissions, name: snapshotBlobName });
    if (bytes === undefined) return undefined; // not remembered: it may still be written
    text = bytes.toString('utf8');
    rows.set(snapshotBlobName, text);
  }
  return JSON.parse(text) as unknown;
}

export function offerNameOf(snapshot: unknown): string | undefined {
  const name = (snapshot as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name.trim() !== '' ? name : undefined;
}

export function mailLinks(services: Pick<Services, 'settings'>): MailLinks {
  return { publicBaseUrl: services.settings.PUBLIC_BASE_URL, supportUrl: services.settings.SUPPORT_URL };
}
