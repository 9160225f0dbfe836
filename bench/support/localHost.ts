import { startAzurite, RunningAzurite } from '../../devhost/azurite';
import { RunningHost, startHost } from '../../test/support/host';

/** An in-memory Azurite and the local host on free ports: each benchmark brings its own. */
export async function startBenchHost(env: Record<string, string> = {}): Promise<{
  host: RunningHost;
  azurite: RunningAzurite;
  stop(): Promise<void>;
}> {
  // A loaded machine can make the first start miss its deadline: one more try.
  const azurite = await startAzurite().catch(() => startAzurite());
  // The real Durable extension's host is built on its first start (DURABLE_ENGINE=extension).
  const host = await startHost({
    env: { AzureWebJobsStorage: azurite.connectionString, ...env },
    readyWithinMs: 300_000,
  });
  return {
    host,
    azurite,
    async stop() {
      await host.stop();
      await azurite.stop();
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export const ms = (n: number) => `${n.toFixed(1)} ms`;
