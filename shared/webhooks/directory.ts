import { performance } from 'node:perf_hooks';
import type { WebhookEndpoint } from '../domain/webhooks';
import type { WebhookStore } from './ports';

/**
 * The endpoints of some owners, as every kick needs them (a publisher's and Admin's), remembered
 * by the process while the store's registry version holds. Every endpoint write raises the
 * version after it is stored, so a list remembered before a write is not used after it is seen.
 *
 * The version itself is trusted for TRUST_MS after the read that returned it began, so a busy
 * process reads it about once a second instead of once per kick. What makes that safe is the
 * other half, `settled`: a write that can widen what an endpoint covers (a new endpoint, its
 * events or offers changed) is answered only TRUST_MS after its raise. A kick after the answer
 * therefore trusts a version read begun after the raise, in any process, and sees the write.
 * (A lease, measured on each process's monotonic clock: only durations are compared.)
 *
 * The version's raise can fail after its write (storage trouble): MAX_AGE_MS bounds how long a
 * list is trusted even so.
 */
export interface EndpointDirectory {
  endpointsOf(owners: readonly string[]): Promise<WebhookEndpoint[]>;
  /**
   * After an endpoint write of this process: forgets what it remembered (its own kicks see the
   * write at once), and resolves when every other process's trust in an older version is over.
   */
  settled(): Promise<void>;
}

export const TRUST_MS = 1_000;
export const MAX_AGE_MS = 60_000;
/** Owners remembered at once; beyond it the memory starts afresh (it only saves reads). */
export const MAX_OWNERS = 1_000;

export interface DirectoryTiming {
  /** A monotonic clock in ms. */
  now(): number;
  pause(ms: number): Promise<void>;
}

const realTiming: DirectoryTiming = {
  now: () => performance.now(),
  pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export function createEndpointDirectory(
  store: Pick<WebhookStore, 'list' | 'version'>,
  timing: DirectoryTiming = realTiming,
): EndpointDirectory {
  let version: string | undefined;
  let loadedAt = 0;
  /** When the read that returned `version` began. */
  let checkedAt = Number.NEGATIVE_INFINITY;
  const lists = new Map<string, WebhookEndpoint[]>();

  /** The version read in flight, and when it began: kicks at once share it while it is young. */
  let reading: { began: number; read: Promise<string> } | undefined;

  const readVersion = async (began: number): Promise<string> => {
    const current = await store.version();
    if (current !== version || began - loadedAt > MAX_AGE_MS) {
      lists.clear();
      version = current;
      loadedAt = began;
    }
    checkedAt = Math.max(checkedAt, began);
    return current;
  };

  const currentVersion = async (): Promise<string> => {
    const now = timing.now();
    if (version !== undefined && now - checkedAt < TRUST_MS) return version;
    // A read begun within the lease serves as well as a new one (the same bound), so a burst of
    // kicks at the lease's end makes one read, not one each.
    if (!reading || now - reading.began >= TRUST_MS) {
      const current = { began: now, read: readVersion(now) };
      reading = current;
      current.read
        .finally(() => {
          if (reading === current) reading = undefined;
        })
        .catch(() => undefined); // the callers get the failure; this chain only tidies up
    }
    return reading.read;
  };

  return {
    async endpointsOf(owners) {
      const current = await currentVersion();
      if (lists.size + owners.length > MAX_OWNERS) lists.clear();
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
    async settled() {
      version = undefined;
      reading = undefined;
      lists.clear();
      await timing.pause(TRUST_MS);
    },
  };
}
