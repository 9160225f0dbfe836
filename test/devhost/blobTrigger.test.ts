import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { RunningHost, startHost } from '../support/host';

const CONTAINER = 'hostapp-uploads';

interface Invocation {
  fileName: string;
  name: string;
  blobTrigger: string;
  uri: string;
  blobEtag: string;
  tag: string;
  content: string;
}

function connection(): string {
  return String(process.env.TEST_STORAGE_CONNECTION);
}

function table(name: string): TableClient {
  return TableClient.fromConnectionString(connection(), name, { allowInsecureConnection: true });
}

async function invocationsOf(offerId: string): Promise<Invocation[]> {
  const rows: Invocation[] = [];
  try {
    const query = { queryOptions: { filter: `PartitionKey eq '${offerId}'` } };
    for await (const row of table('HostappBlobInvocations').listEntities<Invocation>(query)) rows.push(row);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  return rows;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, host: RunningHost): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting for ${what}. Host output:\n${host.output()}`);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const uniqueOffer = () => `blob-${randomBytes(5).toString('hex')}`;

describe('local host: blob triggers', () => {
  let host: RunningHost;
  let container: ContainerClient;

  beforeAll(async () => {
    host = await startHost({
      main: 'dist/test/fixtures/hostapp/*.js',
      env: { DEVHOST_BLOB_RETRY_BASE_MS: '50' },
    });
    container = BlobServiceClient.fromConnectionString(connection()).getContainerClient(CONTAINER);
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('fires once per blob version with the bytes and trigger metadata', async () => {
    const offerId = uniqueOffer();
    const blob = container.getBlockBlobClient(`${offerId}/package.zip`);
    const first = await blob.upload('version one', 11, { metadata: { tag: 'v1' } });
    const [call] = await waitFor(
      'the first invocation',
      async () => {
        const rows = await invocationsOf(offerId);
        return rows.length > 0 ? rows : undefined;
      },
      host,
    );
    expect(call).toMatchObject({
      fileName: 'package.zip',
      name: `${offerId}/package.zip`,
      blobTrigger: `${CONTAINER}/${offerId}/package.zip`,
      blobEtag: first.etag,
      tag: 'v1',
      content: 'version one',
    });
    expect(call?.uri).toContain(`/${CONTAINER}/${offerId}/package.zip`);

    await pause(1500); // three polls: an unchanged blob must not fire again
    expect(await invocationsOf(offerId)).toHaveLength(1);

    await blob.upload('version two', 11);
    const rows = await waitFor(
      'the second version',
      async () => {
        const found = await invocationsOf(offerId);
        return found.length >= 2 ? found : undefined;
      },
      host,
    );
    expect(rows.map((r) => r.content).sort()).toEqual(['version one', 'version two']);
  });

  it('does not fire a finished blob again after a restart', async () => {
    const offerId = uniqueOffer();
    await container.getBlockBlobClient(`${offerId}/done.txt`).upload('done', 4);
    await waitFor(
      'the invocation',
      async () => ((await invocationsOf(offerId)).length > 0 ? true : undefined),
      host,
    );

    await host.restart();
    // A later blob firing proves the restarted host has scanned the container past the old one.
    const marker = uniqueOffer();
    await container.getBlockBlobClient(`${marker}/marker.txt`).upload('m', 1);
    await waitFor(
      'the marker',
      async () => ((await invocationsOf(marker)).length > 0 ? true : undefined),
      host,
    );
    await pause(1000);
    expect(await invocationsOf(offerId)).toHaveLength(1);
  });

  it('records a poison entry after five failed attempts and stops retrying', async () => {
    const offerId = uniqueOffer();
    const name = `${offerId}/fail-always.txt`;
    await container.getBlockBlobClient(name).upload('bad', 3);
    const poison = await waitFor(
      'the poison record',
      async () => {
        for await (const row of table('DevhostBlobPoison').listEntities<{
          blobName: string;
          failures: number;
          lastError: string;
        }>()) {
          if (row.blobName === name) return row;
        }
        return undefined;
      },
      host,
    );
    expect(poison.failures).toBe(5);
    expect(poison.lastError).toContain('told to fail');
    await pause(1000);
    expect(await invocationsOf(offerId)).toHaveLength(5);
  });
});
