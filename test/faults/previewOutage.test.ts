import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

/**
 * Step 5 builds the preview zip while storage refuses every connection. The zip's own stream then
 * fails (its package download is refused), and that failure must reach the activity as a rejection,
 * never as an 'error' event nobody listens to: that one ends the whole process, which is how the
 * local host once died in the middle of storage-outage.test. It runs in a process of its own, as the
 * Functions worker does, so a crash shows as a crash (jest would catch it as a test error).
 */
const ROOT = path.resolve(__dirname, '../..');

/** A port nothing listens on: every connection to it is refused. */
async function refusingPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const script = (port: number) => `
const { BlobServiceClient } = require('@azure/storage-blob');
const { createPreviewPackages } = require('./dist/shared/adapters/previewPackage.js');
const { createBlobStore } = require('./dist/shared/adapters/blobStore.js');
const account = 'devstoreaccount1';
const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const connection = 'DefaultEndpointsProtocol=http;AccountName=' + account + ';AccountKey=' + key +
  ';BlobEndpoint=http://127.0.0.1:${port}/' + account + ';';
const blobs = BlobServiceClient.fromConnectionString(connection, { retryOptions: { maxTries: 1 } });
const entries = [{ path: 'manifest.json', bytes: Buffer.from('{}') }];
createPreviewPackages(blobs, createBlobStore({ blobService: blobs }))
  .write({ target: { container: 'previews', name: 'o/1.zip' }, entries,
    packageBlob: { container: 'packages', name: 'o/sales.app' }, packageEntry: 'sales.app' })
  .then(() => console.log('resolved'), (error) => console.log('rejected: ' + error.code));
setTimeout(() => console.log('still running'), 2000);
`;

function run(port: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-e', script(port)],
      { cwd: ROOT, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

it('rejects, and the process lives on, when storage refuses the preview upload and the package download', async () => {
  const { code, out } = await run(await refusingPort());
  expect(out).toContain('rejected: ECONNREFUSED');
  expect(out).toContain('still running');
  expect(out).not.toContain("Unhandled 'error' event");
  expect(code).toBe(0);
});
