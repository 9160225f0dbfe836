import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { SourceReadError, blobSource, validatePackage } from '../../shared/adapters/package';
import {
  OFFER_APP,
  appJson,
  appPackage,
  hostileCases,
  navxContent,
  noise,
  zipPackage,
} from '../support/packages';

const NOW = '2025-03-01T12:00:00.000Z';
const expected = { app: OFFER_APP };
let container: ContainerClient;

beforeAll(async () => {
  const connection = process.env.TEST_STORAGE_CONNECTION;
  if (!connection) throw new Error('TEST_STORAGE_CONNECTION is set by the jest global setup');
  const service = BlobServiceClient.fromConnectionString(connection);
  container = service.getContainerClient(`packagetest${Date.now()}${Math.floor(Math.random() * 1000)}`);
  await container.create();
});

afterAll(async () => {
  await container?.deleteIfExists();
});

async function upload(name: string, bytes: Buffer) {
  const blob = container.getBlockBlobClient(name);
  await blob.uploadData(bytes);
  return blob;
}

describe('validating a package blob', () => {
  it('passes a signed .app and records the ETag it read', async () => {
    const blob = await upload('contoso-sales/Contoso_Sales_1.2.0.0.app', appPackage());
    const source = await blobSource(blob);
    const report = await validatePackage(source, expected, 'contoso-sales/Contoso_Sales_1.2.0.0.app', NOW);
    expect(report.state).toBe('Passed');
    expect(report.etag).toBe((await blob.getProperties()).etag);
    expect(source.bytesRead).toBeGreaterThan(0);
  });

  it('reads only the directory and manifest of a 24 MiB package', async () => {
    const content = navxContent(undefined, [
      { name: 'bin/data.bin', data: noise(24 * 1024 * 1024, 11), method: 0 },
    ]);
    const bytes = appPackage(content);
    const blob = await upload('contoso-sales/big.app', bytes);
    const source = await blobSource(blob);
    const report = await validatePackage(source, expected, 'contoso-sales/big.app', NOW);
    expect(report.findings).toEqual([]);
    expect(source.bytesRead).toBeLessThan(bytes.length / 100);
    expect(source.requests).toBeLessThanOrEqual(6);
  });

  it('reports a mismatch and a hostile archive read from storage', async () => {
    const mismatch = await upload('o/mismatch.zip', zipPackage(appJson({ name: 'Fabrikam Sales' })));
    const report = await validatePackage(await blobSource(mismatch), expected, 'o/mismatch.zip', NOW);
    expect(report.findings.map((f) => f.rule)).toEqual(['manifest.name-mismatch']);
    const { bytes, rule } = hostileCases().dotDot;
    const hostile = await upload('o/hostile.zip', bytes);
    const hostileReport = await validatePackage(await blobSource(hostile), expected, 'o/hostile.zip', NOW);
    expect(hostileReport.state).toBe('Failed');
    expect(hostileReport.findings.map((f) => f.rule)).toContain(rule);
  });

  it('fails the read, rather than mixing uploads, when the blob is replaced during validation', async () => {
    const blob = await upload('o/replaced.zip', zipPackage());
    const source = await blobSource(blob);
    await blob.uploadData(zipPackage(appJson({ version: '9.0.0.0' })));
    await expect(validatePackage(source, expected, 'o/replaced.zip', NOW)).rejects.toBeInstanceOf(
      SourceReadError,
    );
  });

  it('throws a source failure for a blob that does not exist', async () => {
    await expect(blobSource(container.getBlobClient('o/missing.app'))).rejects.toBeInstanceOf(
      SourceReadError,
    );
  });
});
