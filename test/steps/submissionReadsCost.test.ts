import { readPackageReport } from '../../activities/readPackageReport';
import { validatePrerequisites } from '../../activities/validatePrerequisites';
import { productServices, testStorageConnection } from '../faults/support';
import { operationsOf, startStorageProxy, type StorageProxy } from '../support/storageProxy';
import { submit, uniqueOfferId } from './helpers';

/**
 * What a submission's steps read that does not change while it runs (issue 29, docs/operations.md
 * "What one submission costs"), counted by a proxy in front of Azurite.
 */
let proxy: StorageProxy;

beforeAll(async () => {
  proxy = await startStorageProxy(testStorageConnection());
});

afterAll(async () => {
  await proxy.close();
});

const requestsOf = (run: () => Promise<unknown>) => operationsOf(proxy, run);

const DRAFT = {
  name: 'Snapshot',
  app: {
    id: '6c0a6e2c-2b5e-4c1e-9d0a-7b1f2d9e8a11',
    name: 'Snapshot',
    publisher: 'Contoso',
    version: '1.0.0.0',
  },
};

describe('storage requests of what a submission keeps', () => {
  it('reads the snapshot once per process: steps 1 and 2 share it (it never changes)', async () => {
    // The Publish that wrote the snapshot ran elsewhere (its own services).
    const input = await submit(productServices(), uniqueOfferId('snap'), DRAFT);
    const services = productServices(proxy.connectionString);
    const requests = await requestsOf(async () => {
      await validatePrerequisites(services)({ ...input, notificationEmail: 'ann@contoso.com' });
      await readPackageReport(services)(input);
    });
    expect(requests.filter((r) => r === 'GET submissions')).toEqual(['GET submissions']);
  });

  it('step 2 reads no status when the step change before it told the live version', async () => {
    const input = await submit(productServices(), uniqueOfferId('told'), DRAFT);
    const services = productServices(proxy.connectionString);
    const requests = await requestsOf(() => readPackageReport(services)({ ...input, lastLiveVersion: null }));
    expect(requests.filter((r) => r.endsWith('OfferTimeline'))).toEqual([]);
  });
});
