/**
 * Instances and their histories in Azure Tables, named from the task hub:
 * - `${hub}Instances`: one row per instance (PartitionKey = instance id, RowKey = "").
 * - `${hub}History`: one row per event (PartitionKey = instance id,
 *   RowKey = `${executionId}_${index}`), so a history never outgrows an entity.
 *
 * Crash safety: history rows are written first, then the instance row, whose HistoryLength is the
 * commit point. Rows past HistoryLength are leftovers of an interrupted write and are ignored (and
 * overwritten by the next append). A new execution (restart of an id, ContinueAsNew) gets a new
 * ExecutionId, so its rows never collide with an older execution's.
 */
import { TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import { EventType, type HistoryEvent } from './history';
import { LargeTextStore, type Properties } from './payloads';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated' | 'ContinuedAsNew';

export interface InstanceRecord {
  instanceId: string;
  name: string;
  /** JSON text of the input, output and custom status. */
  input: string;
  output: string;
  customStatus: string;
  runtimeStatus: RuntimeStatus;
  createdTime: string;
  lastUpdatedTime: string;
  executionId: string;
  historyLength: number;
}

export function isActive(status: RuntimeStatus): boolean {
  return status === 'Pending' || status === 'Running';
}

/** Table batches: 100 operations and 4 MiB at most (Azurite does not check the size). */
const BATCH_OPERATIONS = 100;
const BATCH_CHARS = 1_500_000;

export class DurableStore {
  readonly instances: TableClient;
  readonly history: TableClient;
  private readonly large: LargeTextStore;

  constructor(connectionString: string, taskHub: string) {
    if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(taskHub))
      throw new Error(`Task hub name "${taskHub}" must be 3-45 letters and digits, starting with a letter.`);
    const options = { allowInsecureConnection: true };
    this.instances = TableClient.fromConnectionString(connectionString, `${taskHub}Instances`, options);
    this.history = TableClient.fromConnectionString(connectionString, `${taskHub}History`, options);
    this.large = new LargeTextStore(connectionString, `${taskHub.toLowerCase()}-largemessages`);
  }

  async init(): Promise<void> {
    await Promise.all([ensureTable(this.instances), ensureTable(this.history)]);
  }

  async getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    try {
      const entity = await this.instances.getEntity<Properties>(instanceId, '');
      return await this.toRecord(entity);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async putInstance(record: InstanceRecord): Promise<void> {
    const id = record.instanceId;
    const entity: TableEntity<Properties> = {
      partitionKey: id,
      rowKey: '',
      Name: record.name,
      RuntimeStatus: record.runtimeStatus,
      CreatedTime: record.createdTime,
      LastUpdatedTime: record.lastUpdatedTime,
      ExecutionId: record.executionId,
      HistoryLength: record.historyLength,
      ...(await this.large.pack('Input', record.input, id)),
      ...(await this.large.pack('Output', record.output, id)),
      ...(await this.large.pack('CustomStatus', record.customStatus, id)),
    };
    // Replace, not merge: chunk properties of an earlier, longer value must not linger.
    await this.instances.upsertEntity(entity, 'Replace');
  }

  async listInstances(): Promise<InstanceRecord[]> {
    const records: InstanceRecord[] = [];
    for await (const entity of this.instances.listEntities<Properties>())
      records.push(await this.toRecord(entity));
    return records;
  }

  /** Writes events at positions `from`, `from + 1`, ... of the record's execution (not committed yet). */
  async appendHistory(record: InstanceRecord, from: number, events: HistoryEvent[]): Promise<void> {
    const actions: TransactionAction[] = [];
    for (const [i, e] of events.entries())
      actions.push(['upsert', await this.historyEntity(record, from + i, e), 'Replace']);
    for (const batch of batches(actions)) await this.history.submitTransaction(batch);
  }

  /** The committed history of the record's current execution. */
  async loadHistory(record: InstanceRecord): Promise<HistoryEvent[]> {
    const prefix = `${record.executionId}_`;
    const filter = `PartitionKey eq '${escapeOData(record.instanceId)}' and RowKey ge '${escapeOData(prefix)}' and RowKey lt '${escapeOData(prefix)}~'`;
    const events: HistoryEvent[] = [];
    for await (const entity of this.history.listEntities<Properties>({ queryOptions: { filter } })) {
      const index = Number(entity.rowKey?.slice(prefix.length));
      if (index >= record.historyLength) continue;
      const text = await this.large.unpack(entity, 'Event');
      if (text !== undefined) events[index] = JSON.parse(text) as HistoryEvent;
    }
    if (events.length !== record.historyLength || events.some((e) => e === undefined))
      throw new Error(`History of instance "${record.instanceId}" is incomplete in the table.`);
    return events;
  }

  /** Deletes history rows of every execution except `keepExecutionId`. */
  async deleteHistory(instanceId: string, keepExecutionId?: string): Promise<void> {
    const filter = `PartitionKey eq '${escapeOData(instanceId)}'`;
    const doomed: TransactionAction[] = [];
    for await (const entity of this.history.listEntities<Properties>({
      queryOptions: { filter, select: ['RowKey'] },
    })) {
      const rowKey = entity.rowKey ?? '';
      if (keepExecutionId === undefined || !rowKey.startsWith(`${keepExecutionId}_`))
        doomed.push(['delete', { partitionKey: instanceId, rowKey }]);
    }
    for (const batch of batches(doomed)) await this.history.submitTransaction(batch);
  }

  async purge(instanceId: string): Promise<void> {
    await this.deleteHistory(instanceId);
    await this.instances.deleteEntity(instanceId, '').catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
    await this.large.deleteOwner(instanceId);
  }

  private async historyEntity(
    record: InstanceRecord,
    index: number,
    e: HistoryEvent,
  ): Promise<TableEntity<Properties>> {
    return {
      partitionKey: record.instanceId,
      rowKey: `${record.executionId}_${String(index).padStart(8, '0')}`,
      EventType: EventType[e.EventType] ?? String(e.EventType),
      EventId: e.EventId,
      // "Timestamp" is the table's own system property.
      EventTime: e.Timestamp,
      ...(e.Name === undefined ? {} : { Name: e.Name }),
      ...(await this.large.pack('Event', JSON.stringify(e), record.instanceId)),
    };
  }

  private async toRecord(entity: Properties): Promise<InstanceRecord> {
    const id = String(entity.partitionKey);
    return {
      instanceId: id,
      name: String(entity.Name ?? ''),
      input: (await this.large.unpack(entity, 'Input')) ?? 'null',
      output: (await this.large.unpack(entity, 'Output')) ?? 'null',
      customStatus: (await this.large.unpack(entity, 'CustomStatus')) ?? 'null',
      runtimeStatus: String(entity.RuntimeStatus) as RuntimeStatus,
      createdTime: String(entity.CreatedTime),
      lastUpdatedTime: String(entity.LastUpdatedTime),
      executionId: String(entity.ExecutionId),
      historyLength: Number(entity.HistoryLength ?? 0),
    };
  }
}

function batches(actions: TransactionAction[]): TransactionAction[][] {
  const result: TransactionAction[][] = [];
  let current: TransactionAction[] = [];
  let chars = 0;
  for (const action of actions) {
    const size = JSON.stringify(action[1]).length;
    if (current.length > 0 && (current.length >= BATCH_OPERATIONS || chars + size > BATCH_CHARS)) {
      result.push(current);
      current = [];
      chars = 0;
    }
    current.push(action);
    chars += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

function escapeOData(value: string): string {
  return value.replace(/'/g, "''");
}

async function ensureTable(table: TableClient): Promise<void> {
  try {
    await table.createTable();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 409) throw error;
  }
}
