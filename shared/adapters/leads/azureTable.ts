import http from 'node:http';
import https from 'node:https';
import { RestError, TableClient } from '@azure/data-tables';
import { DEFAULT_LEAD_TABLE, DeliveryResult, Lead } from '../../domain/leads';
import {
  OutboundPolicy,
  OutboundRefusal,
  checkedAddress,
  describeNetworkFailure,
  pinnedLookup,
  seconds,
} from '../outbound';
import { isTimeout } from '../testDriveProbe';

export interface AzureTableDestination {
  connectionString: string;
  tableName?: string;
}

export interface AzureTableDeliveryOptions {
  timeoutMs: number;
  /** The outbound policy: http (Azurite) and loopback only off Azure. */
  policy: OutboundPolicy;
  /** This app's own storage (connection strings or table service URLs), which is never a destination. */
  ownStorage: string[];
}

/**
 * The storage account a connection string or service URL names: the account of a
 * `{account}.table.{suffix}` host, or host and first path segment for path-style endpoints
 * (Azurite, IP addresses), so two local Azurite instances are different accounts.
 */
export function tableAccountOf(connectionOrUrl: string): string | undefined {
  const fromUrl = (value: string) => {
    try {
      const url = new URL(value);
      const hostStyle = /^([a-z0-9]{3,24})\.table\./i.exec(url.hostname);
      return (hostStyle?.[1] ?? `${url.host}/${url.pathname.split('/')[1] ?? ''}`).toLowerCase();
    } catch {
      return undefined;
    }
  };
  if (/^https?:\/\//i.test(connectionOrUrl)) return fromUrl(connectionOrUrl);
  const parts = new Map(
    connectionOrUrl
      .split(';')
      .map((p) => p.split('='))
      .filter((kv) => kv.length >= 2)
      .map(([k, ...v]) => [String(k).trim().toLowerCase(), v.join('=').trim()] as const),
  );
  const endpoint = parts.get('tableendpoint');
  if (endpoint) return fromUrl(endpoint);
  if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true') return '127.0.0.1:10002/devstoreaccount1';
  return parts.get('accountname')?.toLowerCase();
}

const failed = (problem: string): DeliveryResult => ({ delivered: false, attempts: 1, problem });

function openTable(destination: AzureTableDestination, options: AzureTableDeliveryOptions): TableClient {
  const tableName = destination.tableName ?? DEFAULT_LEAD_TABLE;
  return TableClient.fromConnectionString(destination.connectionString, tableName, {
    allowInsecureConnection: options.policy.allowHttp,
    retryOptions: { maxRetries: 2 },
  });
}

/**
 * Checks the table endpoint under the outbound policy and pins every request of the SDK to the
 * checked address (an agent whose lookup returns only it), so DNS rebinding cannot slip past.
 */
async function pinTable(table: TableClient, options: AzureTableDeliveryOptions): Promise<TableClient> {
  const url = new URL(table.url);
  const checked = await checkedAddress(url.hostname, options.policy);
  const lookup = pinnedLookup(checked);
  const agent = url.protocol === 'https:' ? new https.Agent({ lookup }) : new http.Agent({ lookup });
  table.pipeline.addPolicy({
    name: 'pinnedAddress',
    sendRequest: (request, next) => {
      request.agent = agent;
      return next(request);
    },
  });
  return table;
}

/**
 * Turns an SDK error into a sentence that says what to fix. SDK messages are never passed on:
 * they can carry the request URL, which holds the SAS token of a SAS connection string.
 */
function problemOf(error: unknown, timeoutMs: number): string {
  if (isTimeout(error))
    return `The table endpoint did not answer within ${seconds(timeoutMs)}: check the account name and endpoint in the connection string.`;
  if (error instanceof RestError && error.statusCode !== undefined) {
    const code = error.code ? `, ${error.code}` : '';
    if (error.statusCode === 403)
      return `The storage account refused the credentials (HTTP 403${code}): check the account key or SAS in the connection string; a SAS must allow creating tables and adding entities.`;
    return `The table service answered HTTP ${error.statusCode}${code}: check the connection string and the table name.`;
  }
  return `The table endpoint could not be reached (${describeNetworkFailure(error)}): check the account name and endpoint in the connection string.`;
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
  const account = tableAccountOf(destination.connectionString);
  if (account && options.ownStorage.some((own) => tableAccountOf(own) === account))
    return failed(
      "The connection string names this marketplace's own storage account: use a storage account of your own.",
    );
  if (!options.policy.allowHttp && new URL(table.url).protocol !== 'https:')
    return failed('The connection string must use https (DefaultEndpointsProtocol=https).');
  try {
    table = await pinTable(table, options);
  } catch (error) {
    if (!(error instanceof OutboundRefusal)) throw error;
    return failed(`The table endpoint is not called: ${error.message}; use a public storage account.`);
  }
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
