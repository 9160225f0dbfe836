import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startAzurite } from '../../devhost/azurite';

/**
 * Builds the app once (hosts started by tests run the compiled registration modules, as the
 * Functions worker would) and starts one in-memory Azurite for the whole run.
 */
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '../..');
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
  } catch {
    // tsc still emits on type errors; `npm run build` in CI is what fails on them.
    console.warn('globalSetup: tsc reported type errors (see above); running tests on what it emitted');
  }
  const azurite = await startAzurite();
  process.env.TEST_STORAGE_CONNECTION = azurite.connectionString;
  process.env.NO_PROXY = '127.0.0.1,localhost';
  (globalThis as { __AZURITE__?: unknown }).__AZURITE__ = azurite;
}
