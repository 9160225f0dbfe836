import { TableClient, TableServiceClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { ManagedIdentityCredential } from '@azure/identity';
import type { Settings } from '../config';

/** Where the app's Tables and Blobs live: a connection string locally, a managed identity in Azure. */
export interface StorageClients {
  table(name: string): Promise<TableClient>;
  blobService: BlobServiceClient;
}

type StorageSettings = Pick<
  Settings,
  | 'AzureWebJobsStorage'
  | 'AzureWebJobsStorage__blobServiceUri'
  | 'AzureWebJobsStorage__tableServiceUri'
  | 'AzureWebJobsStorage__clientId'
>;

export function createStorageClients(settings: StorageSettings): StorageClients {
  const tableUri = settings.AzureWebJobsStorage__tableServiceUri;
  const blobUri = settings.AzureWebJobsStorage__blobServiceUri;
  const credential =
    tableUri && blobUri
      ? new ManagedIdentityCredential({ clientId: settings.AzureWebJobsStorage__clientId })
      : undefined;
  const connection = settings.AzureWebJobsStorage ?? '';
  const makeTable = (name: string): TableClient =>
    credential && tableUri
      ? new TableClient(tableUri, name, credential)
      : TableClient.fromConnectionString(connection, name, { allowInsecureConnection: true });
  const blobService =
    credential && blobUri
      ? new BlobServiceClient(blobUri, credential)
      : BlobServiceClient.fromConnectionString(connection);

  const ready = new Map<string, Promise<TableClient>>();
  return {
    blobService,
    table(name) {
      let client = ready.get(name);
      if (!client) {
        const table = makeTable(name);
        client = ensureTable(table).then(() => table);
        client.catch(() => ready.delete(name));
        ready.set(name, client);
      }
      return client;
    },
  };
}

async function ensureTable(table: TableClient): Promise<void> {
  try {
    await table.createTable();
  } catch (error) {
    // createTable already treats "exists" as success; anything else is real.
    if ((error as { statusCode?: number }).statusCode !== 409) throw error;
  }
}

/** Used by the local host and tests, which know only a connection string. */
export function tableServiceFromConnectionString(connection: string): TableServiceClient {
  return TableServiceClient.fromConnectionString(connection, { allowInsecureConnection: true });
}
