/**
 * The Event Grid `Microsoft.Storage.BlobCreated` event (EventGridSchema) as Blob Storage sends it
 * for a blob, built from the blob's real properties. Tests hand it to the package trigger the way
 * Event Grid (in Azure) and the local host's blob polling deliver it.
 */
import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';

export interface BlobCreatedEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  dataVersion: string;
  metadataVersion: string;
  data: Record<string, unknown>;
}

export async function blobCreatedEvent(container: string, blobName: string): Promise<BlobCreatedEvent> {
  const service = BlobServiceClient.fromConnectionString(process.env.TEST_STORAGE_CONNECTION ?? '');
  const blob = service.getContainerClient(container).getBlobClient(blobName);
  const properties = await blob.getProperties();
  return {
    id: randomUUID(),
    topic: `/subscriptions/local/resourceGroups/local/providers/Microsoft.Storage/storageAccounts/${service.accountName}`,
    subject: `/blobServices/default/containers/${container}/blobs/${blobName}`,
    eventType: 'Microsoft.Storage.BlobCreated',
    eventTime: new Date().toISOString(),
    dataVersion: '',
    metadataVersion: '1',
    data: {
      api: 'PutBlockList',
      eTag: properties.etag,
      contentType: properties.contentType,
      contentLength: properties.contentLength,
      blobType: 'BlockBlob',
      url: blob.url,
      sequencer: String(Date.now()).padStart(32, '0'),
    },
  };
}
