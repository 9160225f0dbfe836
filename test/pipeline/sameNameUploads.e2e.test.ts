/**
 * Issue 28 item 3, "Latest upload wins" (design.md, sharpened): two uploads of one file name through
 * PUT .../package, A accepted first (sequence 1) and B second (sequence 2), whose commits land in
 * either order. No upload overwrites another's bytes, so the report settles (never Pending for
 * good) on B, the latest accepted, and the blob it names holds B's bytes.
 *
 * A's body is streamed by hand: its first bytes reach the route (which takes A's sequence), then
 * B is uploaded whole, and A's last bytes (its commit) come before or after B's as the schedule
 * says. The first part lets the test deliver the package events itself, when fast-check says
 * (one per blob under the offer, as Event Grid would, repeats included); the second runs the real
 * app, whose local host delivers the events from its own blob polling, and then publishes.
 */
import http from 'node:http';
import { InvocationContext } from '@azure/functions';
import fc from 'fast-check';
import { validatePackageBlob } from '../../functions/validatePackageBlob';
import { CONTAINERS } from '../../shared/contracts/names';
import type { PackageReport } from '../../shared/domain/package/report';
import { blobCreatedEvent } from '../support/blobEvents';
import { RunningHost, startHost } from '../support/host';
import { appJson, withOwnAppId, zipPackage } from '../support/packages';
import { asPerson } from '../support/principals';
import { publisherSteps, waitFor } from '../support/scenario';
import { testServices, uniqueOfferId } from '../steps/helpers';

jest.setTimeout(180_000);

const services = testServices();
const FILE = 'Contoso_Sales.zip';

/** Two packages that pass, told apart by one entry. */
function packagesOf(offerId: string): { a: Buffer; b: Buffer } {
  const manifest = withOwnAppId(appJson(), offerId);
  const marked = (who: string) => zipPackage(manifest, [{ name: `${who}.txt`, data: Buffer.from(who) }]);
  return { a: marked('upload-a'), b: marked('upload-b') };
}

interface Answer {
  status: number;
  body: string;
}

/** A PUT .../package whose body is sent in two parts: the first now, the rest on finish(). */
function openPut(baseUrl: string, offerId: string, bytes: Buffer) {
  const url = new URL(`${baseUrl}/api/offers/${offerId}/package`);
  const request = http.request({
    hostname: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'PUT',
    headers: {
      ...asPerson('ann'),
      'content-type': 'application/octet-stream',
      'x-file-name': FILE,
      'transfer-encoding': 'chunked',
    },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    request.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
  request.write(bytes.subarray(0, 100));
  return {
    finish: async () => {
      request.end(bytes.subarray(100));
      return answer;
    },
  };
}

async function putWhole(baseUrl: string, offerId: string, bytes: Buffer): Promise<Answer> {
  const res = await fetch(`${baseUrl}/api/offers/${offerId}/package`, {
    method: 'PUT',
    headers: { ...asPerson('ann'), 'content-type': 'application/octet-stream', 'x-file-name': FILE },
    body: bytes,
  });
  return { status: res.status, body: await res.text() };
}

/** Both uploads, A accepted first, their commits in the order asked; `between` runs after the first commit. */
async function uploadBoth(
  baseUrl: string,
  offerId: string,
  bFirst: boolean,
  between: () => Promise<void>,
): Promise<void> {
  const { a, b } = packagesOf(offerId);
  const slow = openPut(baseUrl, offerId, a);
  // A is accepted once the route took its number (it has A's first bytes).
  await waitFor(
    'upload A accepted',
    () => services.packageReports.currentSequence(offerId),
    (n) => n === 1,
  );
  const first = bFirst ? putWhole(baseUrl, offerId, b) : slow.finish();
  expect((await first).status).toBe(202);
  await between();
  const second = bFirst ? slow.finish() : putWhole(baseUrl, offerId, b);
  expect((await second).status).toBe(202);
}

/** The blobs under the offer in container packages (every upload's blob that still exists). */
async function blobsOf(offerId: string): Promise<string[]> {
  const names: string[] = [];
  const container = services.storage.blobService.getContainerClient(CONTAINERS.packages);
  for await (const blob of container.listBlobsFlat({ prefix: `${offerId}/` })) names.push(blob.name);
  return names;
}

/** The bytes of the blob a report describes (its own blob, or where it landed). */
async function bytesOf(report: PackageReport): Promise<Buffer | undefined> {
  const name = report.storedAs ?? report.blobName;
  return services.blobs.download({ container: CONTAINERS.packages, name });
}

describe('the test delivers the package events (fast-check schedules)', () => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await startHost({
      main: 'dist/functions/{putOffer,uploadPackage,getPackageValidation}.js',
    });
  });
  afterAll(async () => {
    await host?.stop();
  });

  /** One delivery of each blob's event, in the order asked, as the host makes them. */
  async function deliverEvents(offerId: string, reverse: boolean): Promise<void> {
    const names = await blobsOf(offerId);
    for (const name of reverse ? names.reverse() : names) {
      const event = await blobCreatedEvent(CONTAINERS.packages, name).catch(() => undefined);
      if (!event) continue; // deleted since its listing: a delivery for a blob that is gone
      const context = new InvocationContext({
        functionName: 'validatePackageBlob',
        logHandler: () => undefined,
      });
      await validatePackageBlob(services, () => undefined)(event, context);
    }
  }

  it('settles on the latest accepted upload, whose bytes exist, whatever order commits and validations land in', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ bFirst: fc.boolean(), early: fc.boolean(), reverse: fc.boolean(), again: fc.boolean() }),
        async ({ bFirst, early, reverse, again }) => {
          const offerId = uniqueOfferId('samename');
          expect([200, 201]).toContain((await publisherSteps(host.baseUrl, offerId).describe()).status);
          // `early`: the first commit's event is handled before the second upload commits.
          await uploadBoth(host.baseUrl, offerId, bFirst, () =>
            early ? deliverEvents(offerId, reverse) : Promise.resolve(),
          );
          await deliverEvents(offerId, reverse);
          if (again) await deliverEvents(offerId, !reverse); // at least once: repeats change nothing
          const report = await services.packageReports.get(offerId);
          expect(report?.state).toBe('Passed');
          expect(report?.blobName).toBe(`${offerId}/${FILE}`);
          expect(report?.sequence).toBe(2);
          expect((await bytesOf(report as PackageReport))?.equals(packagesOf(offerId).b)).toBe(true);
          // A's own blob went with its report: the container holds what reports name.
          expect(await blobsOf(offerId)).toEqual([report?.storedAs]);
        },
      ),
      { numRuns: 12, seed: 2803 },
    );
  });
});

describe('the real app on the local host (its own event delivery), then Publish', () => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await startHost();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it.each([true, false])(
    'B committing first=%s: the report settles on B, its bytes exist, and step 2 passes on them',
    async (bFirst) => {
      const offerId = uniqueOfferId('samename-host');
      const p = publisherSteps(host.baseUrl, offerId);
      expect([200, 201]).toContain((await p.describe()).status);
      await p.uploadArtifacts();
      await uploadBoth(host.baseUrl, offerId, bFirst, () => Promise.resolve());
      const shown = await p.packageValidated(60_000);
      expect(shown).toMatchObject({ blobName: `${offerId}/${FILE}`, state: 'Passed' });
      const report = await services.packageReports.get(offerId);
      expect(report?.sequence).toBe(2);
      expect((await bytesOf(report as PackageReport))?.equals(packagesOf(offerId).b)).toBe(true);
      expect((await p.publish()).status).toBe(202);
      const settled = await p.waitForState(['WaitingForPublisher', 'Failed'], 60_000);
      expect([settled.state, settled.error]).toEqual(['WaitingForPublisher', null]);
    },
  );
});
