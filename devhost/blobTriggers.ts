/**
 * Blob triggers by polling, like the Functions host's scan for storage accounts without Event Grid:
 * every new or changed blob (by ETag) invokes the function once. Receipts in a table make "once"
 * survive a restart; a failing blob is retried with backoff and after five failures it is
 * recorded in a poison table, as Azure moves it to the webjobs-blobtrigger-poison queue.
 *
 * The same polling stands in for the storage account's Event Grid system topic: for each event
 * subscription of local.eventgrid.json whose function has an Event Grid trigger, every new blob
 * version under its subject prefix is delivered as a `Microsoft.Storage.BlobCreated` event
 * (EventGridSchema), built from the blob's properties; the blob's content is never read. A
 * failing delivery is retried the same way (Event Grid retries too, up to the subscription's
 * maxDeliveryAttempts, then dead-letters), and so is a delivery that gets no answer within 30 s,
 * as Event Grid does: the invocation goes on running meanwhile, its late answer is ignored.
 */
import type { ExtraInputsFor } from './bindingInputs';
import type { EventSubscription } from './appFiles';
import { createHash, randomUUID } from 'node:crypto';
import { RestError, TableClient } from '@azure/data-tables';
import {
  BlobClient,
  BlobGetPropertiesResponse,
  BlobServiceClient,
  ContainerClient,
} from '@azure/storage-blob';
import { createTableIfMissing } from './clock';
import type { FunctionInvoker, FunctionRegistration } from './types';

export const RECEIPTS_TABLE = 'DevhostBlobReceipts';
export const POISON_TABLE = 'DevhostBlobPoison';
export const MAX_ATTEMPTS = 5;
/** Event Grid counts a delivery unanswered within 30 s as failed and retries it. */
export const EVENT_ANSWER_MS = 30_000;
/** Blob versions handled at once; the rest wait for a later poll (a container may hold thousands). */
const MAX_IN_FLIGHT = 8;
/**
 * A poll lists every blob of the watched containers, so its cost grows with them (1,000 packages:
 * a 1,000-entry listing for Azurite to build and the host to parse). After a poll that found
 * nothing new, the pause is at least this many times as long as the poll took, so an idle watch
 * keeps to a bounded share of the host's and Azurite's time however many blobs there are. A poll
 * that found new versions or failed, and any poll of a small container, is followed after the interval.
 */
const POLL_PAUSE_PER_POLL_TIME = 9;

export interface BlobTriggerOptions {
  invoker: FunctionInvoker;
  storageConnectionString: string;
  /** Connection strings by app-setting name, for triggers that name their own `connection`. */
  settings?: Record<string, string | undefined>;
  pollIntervalMs?: number;
  /** Backoff before attempt n+1 (n failures so far). */
  retryDelayMs?: (failures: number) => number;
  /** How long an attempt may run before another host (or this one, restarted) may take it over. */
  leaseMs?: number;
  /** Extra inputs (the durable client) a function declares. */
  extraInputsFor?: ExtraInputsFor;
  /** Event Grid subscriptions to blob events of the local storage account (local.eventgrid.json). */
  eventSubscriptions?: EventSubscription[];
  /** How long an Event Grid delivery may go unanswered before it counts as failed (EVENT_ANSWER_MS). */
  eventAnswerMs?: number;
  log: (message: string) => void;
}

export interface BlobTriggerRunner {
  /** Creates the tables and containers; then polls until stop(). */
  start(): Promise<void>;
  stop(): Promise<void>;
  describe(): string[];
}

interface BlobWatch {
  /** `blob`: a blob trigger (gets the bytes); `event`: an Event Grid trigger (gets BlobCreated). */
  kind: 'blob' | 'event';
  functionName: string;
  /** Receipts and the settled map are per watch: one blob may feed a blob trigger and a subscription. */
  watchKey: string;
  container: ContainerClient;
  containerName: string;
  prefix: string;
  pattern: RegExp;
  path: string;
}

type ReceiptStatus = 'Running' | 'Succeeded' | 'Poisoned' | 'Superseded';

interface Receipt {
  partitionKey: string;
  rowKey: string;
  functionName: string;
  container: string;
  blobName: string;
  etag: string;
  status: ReceiptStatus;
  failures: number;
  nextAttemptAt: number;
  /** Until then one host owns the current attempt (ms since epoch). */
  leaseUntil: number;
  lastError?: string;
}

export function createBlobTriggerRunner(options: BlobTriggerOptions): BlobTriggerRunner {
  const tableOptions = { allowInsecureConnection: true };
  const receipts = TableClient.fromConnectionString(
    options.storageConnectionString,
    RECEIPTS_TABLE,
    tableOptions,
  );
  const poison = TableClient.fromConnectionString(
    options.storageConnectionString,
    POISON_TABLE,
    tableOptions,
  );
  const registrations = options.invoker.list();
  const watches = [
    ...registrations
      .filter((r) => r.trigger.type.toLowerCase() === 'blobtrigger')
      .map((r) => toWatch(r, options)),
    ...(options.eventSubscriptions ?? []).flatMap((s) => eventWatch(s, registrations, options)),
  ];
  const leaseMs = options.leaseMs ?? 60000;
  const retryDelay = options.retryDelayMs ?? backoff(1000);
  /** The ETag already handled (or in hand) per function+blob, to skip table reads on every poll. */
  const settled = new Map<string, string>();
  const inFlight = new Map<string, Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> = Promise.resolve();
  let stopped = false;

  async function start(): Promise<void> {
    if (watches.length === 0) return;
    await createTableIfMissing(receipts);
    await createTableIfMissing(poison);
    for (const watch of watches) await watch.container.createIfNotExists();
    schedule();
  }

  function schedule(idlePollMs = 0): void {
    if (stopped) return;
    const pause = Math.max(options.pollIntervalMs ?? 500, POLL_PAUSE_PER_POLL_TIME * idlePollMs);
    timer = setTimeout(() => {
      const started = performance.now();
      // Only an idle poll that succeeded measures a listing: a failed one took as long as storage
      // made it wait (its retries), and the next poll comes after the interval.
      let listed = false;
      polling = pollAll()
        .then((busy) => void (listed = !busy))
        .catch((error: unknown) => options.log(`Blob trigger poll failed: ${describeError(error)}`))
        .finally(() => schedule(listed ? performance.now() - started : 0));
    }, pause);
  }

  /**
   * Starts handling every new version it lists (up to MAX_IN_FLIGHT at once). True when there was
   * work: a version started, or one left for the next poll because MAX_IN_FLIGHT were in hand.
   */
  async function pollAll(): Promise<boolean> {
    let started = false;
    for (const watch of watches) {
      // Names and ETags only: a version's properties and metadata are read when it is handled.
      for await (const blob of watch.container.listBlobsFlat({ prefix: watch.prefix })) {
        if (stopped) return started;
        if (inFlight.size >= MAX_IN_FLIGHT) return true;
        const match = watch.pattern.exec(blob.name);
        const params = match ? (match.groups ?? {}) : undefined;
        const etag = blob.properties.etag;
        const key = `${watch.watchKey}|${watch.containerName}|${blob.name}`;
        if (!params || !etag || settled.get(key) === etag || inFlight.has(key)) continue;
        const work = handleVersion(watch, blob.name, etag, { ...params })
          .then((finished) => void (finished && settled.set(key, etag)))
          .catch((error: unknown) =>
            options.log(`Blob trigger ${watch.functionName} (${blob.name}): ${describeError(error)}`),
          )
          .finally(() => inFlight.delete(key));
        inFlight.set(key, work);
        started = true;
      }
    }
    return started;
  }

  /** Returns true when this version needs no more work (succeeded, poisoned or superseded). */
  async function handleVersion(
    watch: BlobWatch,
    blobName: string,
    etag: string,
    params: Record<string, string>,
  ): Promise<boolean> {
    const claim = await claimReceipt(watch, blobName, etag);
    if (claim === 'finished') return true;
    if (claim === 'busy') return false;
    const receipt = claim;
    const blob = watch.container.getBlobClient(blobName);
    if (watch.kind === 'event') return deliverEvent(watch, blob, receipt);
    let bytes: Buffer;
    let properties: Record<string, unknown>;
    let metadata: Record<string, string>;
    try {
      // Only the version this receipt is for: a newer upload gets its own receipt.
      bytes = await blob.downloadToBuffer(0, undefined, { conditions: { ifMatch: etag } });
      const props = await blob.getProperties({ conditions: { ifMatch: etag } });
      properties = blobProperties(props, bytes.length);
      metadata = props.metadata ?? {};
    } catch (error) {
      if (error instanceof RestError && (error.statusCode === 412 || error.statusCode === 404)) {
        await saveReceipt({ ...receipt, status: 'Superseded' });
        return true;
      }
      throw error;
    }
    const triggerMetadata = {
      name: blobName,
      blobTrigger: `${watch.containerName}/${blobName}`,
      uri: blob.url,
      properties,
      metadata,
      ...params,
    };
    try {
      await options.invoker.invoke(watch.functionName, bytes, {
        triggerMetadata,
        extraInputs: options.extraInputsFor?.(watch.functionName),
      });
      await saveReceipt({ ...receipt, status: 'Succeeded', lastError: undefined, leaseUntil: 0 });
      return true;
    } catch (error) {
      return recordFailure(watch, receipt, error);
    }
  }

  /** Event Grid delivery: the BlobCreated event of this version, from its properties (no content read). */
  async function deliverEvent(watch: BlobWatch, blob: BlobClient, receipt: Receipt): Promise<boolean> {
    let props: BlobGetPropertiesResponse;
    try {
      props = await blob.getProperties({ conditions: { ifMatch: receipt.etag } });
    } catch (error) {
      if (error instanceof RestError && (error.statusCode === 412 || error.statusCode === 404)) {
        await saveReceipt({ ...receipt, status: 'Superseded' });
        return true;
      }
      throw error;
    }
    try {
      const invocation = options.invoker.invoke(watch.functionName, blobCreatedEvent(watch, blob, props), {
        extraInputs: options.extraInputsFor?.(watch.functionName),
      });
      await answeredWithin(invocation, options.eventAnswerMs ?? EVENT_ANSWER_MS);
      await saveReceipt({ ...receipt, status: 'Succeeded', lastError: undefined, leaseUntil: 0 });
      return true;
    } catch (error) {
      return recordFailure(watch, receipt, error);
    }
  }

  /**
   * The receipt is written before the first invocation, with a lease: after a restart a Succeeded
   * receipt is never re-run, and one still Running (the host died mid-invocation) is retried once
   * its lease ran out (at least once, as in Azure). The lease also keeps two hosts sharing one
   * storage account from running the same version at the same time.
   */
  async function claimReceipt(
    watch: BlobWatch,
    blobName: string,
    etag: string,
  ): Promise<Receipt | 'finished' | 'busy'> {
    const now = Date.now();
    const fresh: Receipt = {
      partitionKey: keyOf(`${watch.watchKey}|${watch.containerName}|${blobName}`),
      rowKey: keyOf(etag),
      functionName: watch.functionName,
      container: watch.containerName,
      blobName,
      etag,
      status: 'Running',
      failures: 0,
      nextAttemptAt: 0,
      leaseUntil: now + leaseMs,
    };
    try {
      await receipts.createEntity(fresh);
      return fresh;
    } catch (error) {
      if (!(error instanceof RestError && error.statusCode === 409)) throw error;
    }
    const stored = await receipts.getEntity<Receipt>(fresh.partitionKey, fresh.rowKey);
    if (stored.status !== 'Running') return 'finished';
    if (Number(stored.nextAttemptAt) > now || Number(stored.leaseUntil) > now) return 'busy';
    try {
      const lease = { partitionKey: fresh.partitionKey, rowKey: fresh.rowKey, leaseUntil: now + leaseMs };
      await receipts.updateEntity(lease, 'Merge', { etag: stored.etag });
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 412) return 'busy';
      throw error;
    }
    return { ...fresh, failures: Number(stored.failures), nextAttemptAt: Number(stored.nextAttemptAt) };
  }

  async function recordFailure(watch: BlobWatch, receipt: Receipt, error: unknown): Promise<boolean> {
    const failures = Number(receipt.failures) + 1;
    const lastError = describeError(error).slice(0, 4000);
    if (failures >= MAX_ATTEMPTS) {
      await poison.upsertEntity({
        partitionKey: receipt.partitionKey,
        rowKey: receipt.rowKey,
        functionName: watch.functionName,
        container: watch.containerName,
        blobName: receipt.blobName,
        etag: receipt.etag,
        failures,
        lastError,
      });
      await saveReceipt({ ...receipt, status: 'Poisoned', failures, lastError, leaseUntil: 0 });
      options.log(
        `Blob trigger ${watch.functionName}: ${receipt.blobName} failed ${failures} times; poisoned.`,
      );
      return true;
    }
    const delay = retryDelay(failures);
    await saveReceipt({ ...receipt, failures, lastError, nextAttemptAt: Date.now() + delay, leaseUntil: 0 });
    options.log(
      `Blob trigger ${watch.functionName}: ${receipt.blobName} failed (${failures}), retry in ${delay} ms.`,
    );
    return false;
  }

  async function saveReceipt(receipt: Receipt): Promise<void> {
    const { lastError, ...rest } = receipt;
    await receipts.upsertEntity(lastError === undefined ? rest : { ...rest, lastError }, 'Replace');
  }

  async function stop(): Promise<void> {
    stopped = true;
    if (timer) clearTimeout(timer);
    await polling;
    await Promise.allSettled([...inFlight.values()]);
  }

  return {
    start,
    stop,
    describe: () => watches.map((w) => `${w.functionName}: ${w.path}`),
  };
}

/**
 * Waits for the invocation's answer at most `ms`; past that it throws (the delivery failed) while
 * the invocation goes on, its outcome unobserved, as Event Grid treats a webhook that is slow to answer.
 */
async function answeredWithin(invocation: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms; delivered again`)), ms);
  });
  invocation.catch(() => undefined); // a late failure is nobody's to see, as in Event Grid
  try {
    await Promise.race([invocation, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** 1 s, 2 s, 4 s, 8 s ... capped at 30 s. */
export function backoff(baseMs: number): (failures: number) => number {
  return (failures) => Math.min(baseMs * 2 ** (failures - 1), 30000);
}

function toWatch(registration: FunctionRegistration, options: BlobTriggerOptions): BlobWatch {
  const path = String(registration.trigger.path ?? '');
  const slash = path.indexOf('/');
  const containerName = slash < 0 ? path : path.slice(0, slash);
  const namePattern = slash < 0 ? '{name}' : path.slice(slash + 1);
  const connection = connectionFor(registration, options);
  const service = BlobServiceClient.fromConnectionString(connection);
  return {
    kind: 'blob',
    functionName: registration.name,
    watchKey: registration.name,
    container: service.getContainerClient(containerName),
    containerName,
    prefix: namePattern.split('{')[0] ?? '',
    pattern: compileBlobPattern(namePattern),
    path,
  };
}

const BLOB_SUBJECT = /^\/blobServices\/default\/containers\/([^/]+)\/(?:blobs\/(.*))?$/;

/** A subscription to BlobCreated under a subject prefix, for a registered Event Grid trigger. */
function eventWatch(
  subscription: EventSubscription,
  registrations: FunctionRegistration[],
  options: BlobTriggerOptions,
): BlobWatch[] {
  const target = registrations.find((r) => r.name === subscription.function);
  if (!target || target.trigger.type.toLowerCase() !== 'eventgridtrigger') return [];
  const types = subscription.includedEventTypes;
  if (types.length > 0 && !types.includes(BLOB_CREATED)) return [];
  const subject = BLOB_SUBJECT.exec(subscription.subjectBeginsWith);
  if (!subject?.[1]) return [];
  const containerName = subject[1];
  const prefix = subject[2] ?? '';
  const service = BlobServiceClient.fromConnectionString(options.storageConnectionString);
  return [
    {
      kind: 'event',
      functionName: target.name,
      watchKey: `eventgrid:${subscription.name}`,
      container: service.getContainerClient(containerName),
      containerName,
      prefix,
      pattern: new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.+$`),
      path: `${subscription.subjectBeginsWith} (Event Grid subscription ${subscription.name})`,
    },
  ];
}

const BLOB_CREATED = 'Microsoft.Storage.BlobCreated';

/** The event Blob Storage publishes when a block blob is committed (EventGridSchema, data version ''). */
function blobCreatedEvent(watch: BlobWatch, blob: BlobClient, props: BlobGetPropertiesResponse) {
  const account = blob.accountName;
  return {
    id: randomUUID(),
    topic: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.Storage/storageAccounts/${account}`,
    subject: `/blobServices/default/containers/${watch.containerName}/blobs/${blob.name}`,
    eventType: BLOB_CREATED,
    eventTime: (props.lastModified ?? new Date()).toISOString(),
    dataVersion: '',
    metadataVersion: '1',
    data: {
      api: 'PutBlockList',
      requestId: randomUUID(),
      eTag: props.etag,
      contentType: props.contentType,
      contentLength: props.contentLength,
      blobType: 'BlockBlob',
      url: blob.url,
      // Opaque and ordered per blob name, as Azure's is: here the version's modification time.
      sequencer: String(props.lastModified?.getTime() ?? 0).padStart(32, '0'),
      storageDiagnostics: { batchId: randomUUID() },
    },
  };
}

function connectionFor(registration: FunctionRegistration, options: BlobTriggerOptions): string {
  const setting = typeof registration.trigger.connection === 'string' ? registration.trigger.connection : '';
  const value = setting ? options.settings?.[setting] : undefined;
  // A setting that is not a connection string (identity-based, or unset) falls back to local storage.
  return value && value.includes('AccountName=') ? value : options.storageConnectionString;
}

/**
 * `{offerId}/{fileName}` → a regex with named groups. Each parameter stops at a slash except the
 * last one, which takes the rest of the name (Azure's `{name}` matches names with folders too).
 */
export function compileBlobPattern(namePattern: string): RegExp {
  const tokens = namePattern.split(/(\{[^}]+\})/).filter((t) => t !== '');
  const lastParam = tokens.map((t) => t.startsWith('{')).lastIndexOf(true);
  const source = tokens
    .map((token, i) => {
      if (!token.startsWith('{')) return token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const name = token.slice(1, -1).replace(/[^A-Za-z0-9_]/g, '_');
      return i === lastParam ? `(?<${name}>.+)` : `(?<${name}>[^/]+)`;
    })
    .join('');
  return new RegExp(`^${source}$`);
}

function blobProperties(props: BlobGetPropertiesResponse, length: number): Record<string, unknown> {
  return {
    contentType: props.contentType,
    contentLength: length,
    eTag: props.etag,
    lastModified: props.lastModified,
    createdOn: props.createdOn,
    contentMD5: props.contentMD5 ? Buffer.from(props.contentMD5).toString('base64') : undefined,
  };
}

/** Table keys may not contain / \ # ? or control characters: hash, and keep the readable parts as properties. */
function keyOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
