import type { ProbeResult } from '../domain/testDrive';

export type TestDriveProbe = (url: string) => Promise<ProbeResult>;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

// Duck-typed, not `instanceof`: fetch's DOMException and undici's errors may come from another realm.
export function isTimeout(error: unknown): boolean {
  const name = (error as ErrorLike | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** The innermost cause names the network problem (fetch wraps it in a generic "fetch failed"). */
export function networkReason(error: unknown): string {
  let current = error as ErrorLike | undefined;
  while (current?.cause && typeof current.cause === 'object') current = current.cause as ErrorLike;
  if (typeof current?.code === 'string') return current.code;
  return typeof current?.message === 'string' ? current.message : String(current);
}

/**
 * Requests the Test Drive instance once. Redirects are not followed: a redirect (to a sign-in
 * page, say) already proves the instance answers. The body is never read.
 */
export function createTestDriveProbe(timeoutMs: number): TestDriveProbe {
  return async (url) => {
    try {
      const response = await fetch(url, {
        method: 'GET',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
      return { kind: 'answered', status: response.status };
    } catch (error) {
      if (isTimeout(error)) return { kind: 'timeout', timeoutMs };
      return { kind: 'unreachable', reason: networkReason(error) };
    }
  };
}
