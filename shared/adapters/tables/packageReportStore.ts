import type { PackageReport } from '../../domain/package/report';
import type { PackageReportStore } from '../../ports/stores';
import type { StorageClients } from '../storage';
import { TABLES } from '../../contracts/names';
import { decodeDoc, encodeDoc, getEntity, insertIfAbsent, safeKey } from './documents';

const LATEST = 'latest';

/** A receipt per blob version: the blob trigger may fire twice for one upload (at least once). */
function receiptKey(blobName: string, etag: string): string {
  return `receipt-${safeKey(blobName)}-${safeKey(etag.replace(/"/g, ''))}`;
}

/** Table PackageReports: row `latest` per offer (what step 2 and the API read) plus receipts. */
export function createPackageReportStore(storage: StorageClients): PackageReportStore {
  const table = () => storage.table(TABLES.packageReports);
  return {
    async get(offerId) {
      const row = await getEntity(await table(), offerId, LATEST);
      return row && decodeDoc<PackageReport>(row);
    },
    async put(offerId, report) {
      const entity = { partitionKey: offerId, rowKey: LATEST, ...encodeDoc(report) };
      await (await table()).upsertEntity(entity, 'Replace');
    },
    async wasHandled(offerId, blobName, etag) {
      return (await getEntity(await table(), offerId, receiptKey(blobName, etag))) !== undefined;
    },
    async markHandled(offerId, blobName, etag) {
      return insertIfAbsent(await table(), {
        partitionKey: offerId,
        rowKey: receiptKey(blobName, etag),
        ...encodeDoc({ blobName, etag }),
      });
    },
  };
}
