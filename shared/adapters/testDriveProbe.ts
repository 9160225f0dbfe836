import type { ProbeResult } from '../domain/testDrive';
import { OutboundPolicy, outboundRequest } from './outbound';

export type TestDriveProbe = (url: string) => Promise<ProbeResult>;

// Duck-typed, not `instanceof`: fetch's DOMException and undici's errors may come from another realm.
export function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/**
 * Requests the Test Drive instance once, under the outbound policy (shared/adapters/outbound.ts).
 * Redirects are not followed: a redirect (to a sign-in page, say) already proves the instance
 * answers. The body is never read.
 */
export function createTestDriveProbe(timeoutMs: number, policy: OutboundPolicy): TestDriveProbe {
  return async (url) => {
    const result = await outboundRequest(url, { method: 'GET', timeoutMs, policy });
    switch (result.kind) {
      case 'answered':
        return { kind: 'answered', status: result.status };
      case 'timeout':
        return { kind: 'timeout', timeoutMs };
      case 'refused':
        return { kind: 'refused', reason: result.reason };
      case 'failed':
        return { kind: 'unreachable', reason: result.reason };
    }
  };
}
