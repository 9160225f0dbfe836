import type { RunningAzurite } from '../../devhost/azurite';

export default async function globalTeardown(): Promise<void> {
  const azurite = (globalThis as { __AZURITE__?: RunningAzurite }).__AZURITE__;
  await azurite?.stop();
}
