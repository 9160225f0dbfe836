import { CONTAINERS } from '../contracts/names';
import type { BlobStore } from '../ports/blobs';
import type { Services } from '../services';
import type { MailLinks } from '../domain/notifications';

/** The offer snapshot a submission started with, parsed; undefined when the blob is missing. */
export async function readSnapshot(blobs: BlobStore, snapshotBlobName: string): Promise<unknown> {
  const bytes = await blobs.download({ container: CONTAINERS.submissions, name: snapshotBlobName });
  return bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as unknown);
}

export function offerNameOf(snapshot: unknown): string | undefined {
  const name = (snapshot as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name.trim() !== '' ? name : undefined;
}

export function mailLinks(services: Pick<Services, 'settings'>): MailLinks {
  return { publicBaseUrl: services.settings.PUBLIC_BASE_URL, supportUrl: services.settings.SUPPORT_URL };
}
