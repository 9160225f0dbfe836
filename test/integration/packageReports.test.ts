/**
 * Issue 15 ("Bounded reports") and issue 12 item 6 ("Latest upload wins"), through the blob
 * trigger's handler on real Azurite stores with real zip bytes: hostile archives give a bounded
 * report that fits one table entity and ends Failed, a validation that keeps throwing ends Failed
 * with an `internal` finding after the trigger's attempts, and the report of an offer is that of
 * its most recently uploaded package whatever order the validations finish in.
 */
import { InvocationContext } from '@azure/functions';
import fc from 'fast-check';
import { validatePackageBlob } from '../../functions/validatePackageBlob';
import { CONTAINERS } from '../../shared/contracts/names';
import { PackageReport, pendingReport } from '../../shared/domain/package/report';
import type { Services } from '../../shared/services';
import { appIdFor, appJson, buildZip, withOwnAppId, zipPackage } from '../support/packages';
import { blobCreatedEvent } from '../support/blobEvents';
import { testServices, uniqueOfferId } from '../steps/helpers';

let services: Services;
beforeAll(async () => {
  services = testServices();
  await services.storage.blobService.getContainerClient(CONTAINERS.packages).createIfNotExists();
});

async function upload(offerId: string, fileName: string, bytes: Buffer): Promise<void> {
  await services.storage.blobService
    .getContainerClient(CONTAINERS.packages)
    .getBlockBlobClient(`${offerId}/${fileName}`)
    .uploadData(bytes);
}

function invocation(offerId: string, fileName: string): InvocationContext {
  return new InvocationContext({
    invocationId: `test-${offerId}-${fileName}`,
    functionName: 'validatePackageBlob',
    logHandler: () => undefined,
  });
}

/** One trigger invocation as the host makes it from the blob's event (no durable client: no submission). */
async function trigger(offerId: string, fileName: string, deps: Partial<Services> = {}): Promise<void> {
  const event = await blobCreatedEvent(CONTAINERS.packages, `${offerId}/${fileName}`);
  return validatePackageBlob({ ...services, ...deps }, () => undefined)(event, invocation(offerId, fileName));
}

async function report(offerId: string): Promise<PackageReport> {
  const stored = await services.packageReports.get(offerId);
  if (!stored) throw new Error(`no report for ${offerId}`);
  return stored;
}

async function withOffer(prefix: string): Promise<string> {
  const offerId = uniqueOfferId(prefix);
  const at = new Date().toISOString();
  await services.offers.put({
    offerId,
    publisherId: 'contoso',
    createdAt: at,
    updatedAt: at,
    app: {
      id: appIdFor(offerId), // each offer its own app id (rule manifest.app-id-taken)
      name: 'Contoso Sales',
      publisher: 'Contoso',
      version: '1.2.0.0',
    },
  });
  return offerId;
}

/** Waits past the storage clock's second, so two uploads get different Last-Modified times. */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1100));
}

describe('bounded package reports', () => {
  it('stores a Failed report for 12 entries with 60,000-character names containing ..', async () => {
    const offerId = await withOffer('longnames');
    const entries = Array.from({ length: 12 }, (_, i) => ({
      name: `${'../'.repeat(5)}${String(i)}${'n'.repeat(60_000 - 16)}.al`,
      data: Buffer.from('codeunit 50100 X { }'),
    }));
    await upload(offerId, 'long.zip', zipPackage(appJson(), entries));
    await trigger(offerId, 'long.zip');
    const stored = await report(offerId);
    expect(stored.state).toBe('Failed');
    expect(stored.findings.map((f) => f.rule)).toContain('zip.path-traversal');
    for (const f of stored.findings) {
      expect(f.message.length).toBeLessThanOrEqual(1000);
      expect((f.path ?? '').length).toBeLessThanOrEqual(300);
    }
    expect(JSON.stringify(stored).length).toBeLessThan(256 * 1024);
  });

  it('stores a Failed report for an app.json whose name is 1,000,000 characters', async () => {
    const offerId = await withOffer('bigname');
    await upload(offerId, 'big.zip', zipPackage(appJson({ name: 'N'.repeat(1_000_000) })));
    await trigger(offerId, 'big.zip');
    const stored = await report(offerId);
    expect(stored.state).toBe('Failed');
    const mismatch = stored.findings.find((f) => f.rule === 'manifest.name-mismatch');
    expect(mismatch?.message).toContain('make them equal');
    expect(mismatch?.message.length).toBeLessThanOrEqual(1000);
    expect(String(stored.manifest?.name).length).toBeLessThanOrEqual(300);
  });

  it('caps the findings of an archive with thousands of hostile entries', async () => {
    const offerId = await withOffer('many');
    const entries = Array.from({ length: 3000 }, (_, i) => ({
      name: `/abs/${i}.al`,
      data: Buffer.from('x'),
    }));
    await upload(offerId, 'many.zip', buildZip([{ name: 'app.json', data: Buffer.from('{') }, ...entries]));
    await trigger(offerId, 'many.zip');
    const stored = await report(offerId);
    expect(stored.state).toBe('Failed');
    expect(stored.findings.length).toBeLessThanOrEqual(101);
  });

  it('ends Failed with an internal finding when validation throws on every attempt', async () => {
    const offerId = await withOffer('throws');
    await upload(offerId, 'p.zip', zipPackage());
    const broken: Partial<Services> = {
      offers: {
        ...services.offers,
        get: () => Promise.reject(new Error('simulated fault')),
      },
    };
    const outcomes: string[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      outcomes.push(
        await trigger(offerId, 'p.zip', broken).then(
          () => 'returned',
          () => 'threw',
        ),
      );
    }
    // The host retries what throws; the fifth (last) attempt settles the report instead.
    expect(outcomes).toEqual(['threw', 'threw', 'threw', 'threw', 'returned']);
    const stored = await report(offerId);
    expect(stored.state).toBe('Failed');
    expect(stored.findings).toEqual([
      expect.objectContaining({
        rule: 'internal',
        severity: 'error',
        message: expect.stringContaining('Upload the package again'),
      }),
    ]);
    expect(JSON.stringify(stored)).not.toContain('simulated fault');
  });
});

describe('latest upload wins', () => {
  it('keeps the newer upload’s report when the older validation finishes last', async () => {
    const offerId = await withOffer('latest');
    await upload(offerId, 'old.zip', zipPackage(appJson({ name: 'Fabrikam' })));
    await nextSecond();
    await upload(offerId, 'new.zip', zipPackage(withOwnAppId(appJson(), offerId)));
    await trigger(offerId, 'new.zip');
    expect(await report(offerId)).toMatchObject({ blobName: `${offerId}/new.zip`, state: 'Passed' });
    await trigger(offerId, 'old.zip'); // the older upload's validation finishes last
    expect(await report(offerId)).toMatchObject({ blobName: `${offerId}/new.zip`, state: 'Passed' });
  });

  it('stores, under any interleaving of writers, the report of the latest upload', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 5 }),
        fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
        async (orders, shuffle) => {
          const offerId = uniqueOfferId('order');
          await services.packageReports.put(offerId, pendingReport(`${offerId}/start`, 'x'));
          const sorted = orders
            .map((order, i) => ({ order, key: shuffle[i % shuffle.length] ?? 0 }))
            .sort((a, b) => a.key - b.key);
          const at = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
          await Promise.all(
            sorted.map(({ order }) =>
              services.packageReports.put(offerId, {
                ...pendingReport(`${offerId}/p${order}.zip`, at(order)),
                state: 'Passed',
                sequence: order,
              }),
            ),
          );
          expect((await report(offerId)).blobName).toBe(`${offerId}/p${Math.max(...orders)}.zip`);
        },
      ),
      { seed: 1512, numRuns: 25 },
    );
  });
});
