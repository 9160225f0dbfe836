import type { WebhookEndpoint } from '../domain/webhooks';
import type { WebhookStore } from './ports';

/**
 * The endpoints of some owners, as every kick needs them (a publisher's and Admin's), remembered
 * by the process while the store's registry version holds. A kick then costs one point read (the
 * version) instead of a query per owner. Every endpoint write raises the version after it is
 * stored, so a list remembered before a write is never used after it. The version's raise can
 * fail after its write (storage trouble): MAX_AGE_MS bounds how long a list is trusted even so.
 */
export interface EndpointDirectory {
  endpointsOf(owners: readonly string[]): Promise<WebhookEndpoint[]>;
}

export const MAX_AGE_MS = 60_000;
/** Owners remembered at once; beyond it the memory starts afresh (it only saves reads). */
export const MAX_OWNERS = 1_000;

export function createEndpointDirectory(
  store: Pick<WebhookStore, 'list' | 'version'>,
  now: () => number = Date.now,
): EndpointDirectory {
  let version: string | undefined;
  let loadedAt = 0;
  const lists = new Map<string, WebhookEndpoint[]>();
  return {
    async endpointsOf(owners) {
      const current = await store.version();
      if (current !== version || now() - loadedAt > MAX_AGE_MS || lists.size + owners.length > MAX_OWNERS) {
        lists.clear();
        version = current;
        loadedAt = now();
      }
      const found = new Map<string, WebhookEndpoint[]>();
      for (const owner of owners) {
        const known = lists.get(owner);
        if (known) found.set(owner, known);
      }
      const missing = owners.filter((owner) => !found.has(owner));
      const loaded = await Promise.all(missing.map((owner) => store.list(owner)));
      missing.forEach((owner, i) => {
        found.set(owner, loaded[i] ?? []);
        // Kept only under the version read before loading: a write after that read raised it.
        if (version === current) lists.set(owner, loaded[i] ?? []);
      });
      return owners.flatMap((owner) => found.get(owner) ?? []);
    },
  };
}
