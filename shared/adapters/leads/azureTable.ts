import { RestError, TableClient } from '@azure/data-tables';
import { DEFAULT_LEAD_TABLE, DeliveryResult, Lead } from '../../domain/leads';
import { isTimeout, networkReason } from '../testDriveProbe';

export interface AzureTableDestination {
  connectionString: string;
  tableName?: string;
}

export interface AzureTableDeliveryOptions {
  timeoutMs: number;
  /** Only tests (Azurite speaks http) set this; the publisher's account must be reached over https. */
  allowInsecureConnection?: boolean;
}

const failed = (problem: string): DeliveryResult => ({ delivered: false, attempts: 1, problem });

function openTable(destination: AzureTableDestination, options: AzureTableDeliveryOptions): TableClient {
  const tableName = destination.tableName ?? DEFAULT_LEAD_TABLE;
  return TableClient.fromConnectionString(destination.connectionString, tableName, {
    allowInsecureConnection: options.allowInsecureConnection ?? false,
    retryOptions: { maxRetries: 2 },
  });
}

/**
 * Turns an SDK error into a sentence that says what to fix. SDK messages are never passed on:
 * they can carry the request URL, which holds the SAS token of a SAS connection string.
 */
function problemOf(error: unknown, timeoutMs: number): string {
  if (isTimeout(error))
    return `The table endpoint did not answer within ${timeoutMs} ms: check the account name and endpoint in the connection string.`;
  if (error instanceof RestError && error.statusCode !== undefined) {
    const code = error.code ? `, ${error.code}` : '';
    if (error.statusCode === 403)
      return `The storage account refused the credentials (HTTP 403${code}): check the account key or SAS in the connection string; a SAS must allow creating tables and adding entities.`;
    return `The table service answered HTTP ${error.statusCode}${code}: check the connection string and the table name.`;
  }
  return `The table endpoint could not be reached (${networkReason(error).slice(0, 100)}): check the account name and endpoint in the connection string.`;
}

/**
 * Writes the lead into the publisher's table (created if missing), as the marketplace does.
 * Insert-if-absent with the lead id as row key, so a retried step never writes a second row.
 */
export async function deliverToAzureTable(
  destination: AzureTableDestination,
  lead: Lead,
  options: AzureTableDeliveryOptions,
): Promise<DeliveryResult> {
  let table: TableClient;
  try {
    table = openTable(destination, options);
  } catch {
    return failed(
      'The connection string is not a valid Azure Storage connection string: copy it from the storage account (Access keys), with DefaultEndpointsProtocol, AccountName and AccountKey, or use a SAS connection string.',
    );
  }
  if (!options.allowInsecureConnection && new URL(table.url).protocol !== 'https:')
    return failed('The connection string must use https (DefaultEndpointsProtocol=https).');
  const abortSignal = AbortSignal.timeout(options.timeoutMs);
  try {
    await table.createTable({ abortSignal });
    await table.createEntity({ partitionKey: lead.offerId, rowKey: lead.leadId, ...lead }, { abortSignal });
    return { delivered: true, attempts: 1, tableResult: 'Created' };
  } catch (error) {
    if (error instanceof RestError && error.statusCode === 409)
      return { delivered: true, attempts: 1, tableResult: 'AlreadyExists' };
    return failed(problemOf(error, options.timeoutMs));
  }
}
