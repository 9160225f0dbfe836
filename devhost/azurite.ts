/**
 * Azurite from the npm package, as a child of the host that dies with it (WATCHDOG below).
 * With a data folder (`npm start`), a pid file in that folder names the Azurite and the host that
 * own it: a second host on the same folder is refused with a clear message, and an Azurite whose
 * host is gone (an orphan from a crash) is stopped before a new one starts.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The published Azurite development account (not a secret: it is the same on every machine). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuritePorts {
  blob: number;
  queue: number;
  table: number;
}

export interface RunningAzurite {
  ports: AzuritePorts;
  connectionString: string;
  pid: number;
  stop(): Promise<void>;
}

export function connectionStringFor(ports: AzuritePorts, host = '127.0.0.1'): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${DEV_ACCOUNT}`,
    `AccountKey=${DEV_KEY}`,
    `BlobEndpoint=http://${host}:${ports.blob}/${DEV_ACCOUNT}`,
    `QueueEndpoint=http://${host}:${ports.queue}/${DEV_ACCOUNT}`,
    `TableEndpoint=http://${host}:${ports.table}/${DEV_ACCOUNT}`,
  ].join(';');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A reason the host cannot start its Azurite; the message says what to do. */
export class AzuriteConflictError extends Error {}

export const PID_FILE = 'devhost-azurite.json';

interface PidFile {
  azuritePid: number;
  hostPid: number;
  ports: AzuritePorts;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Only a process whose command line is Azurite's counts (a pid may have been reused since). */
function isAzurite(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('azurite');
  } catch {
    return false;
  }
}

function readPidFile(location: string): PidFile | undefined {
  try {
    return JSON.parse(readFileSync(path.join(location, PID_FILE), 'utf8')) as PidFile;
  } catch {
    return undefined;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return !alive(pid);
}

/**
 * Before starting Azurite on a data folder: refuses when another live host owns it, and stops an
 * Azurite left by a host that is gone. Returns a line for the log when it stopped one.
 */
export async function claimDataFolder(location: string): Promise<string | undefined> {
  const recorded = readPidFile(location);
  if (!recorded || !alive(recorded.azuritePid) || !isAzurite(recorded.azuritePid)) return undefined;
  if (recorded.hostPid !== process.pid && alive(recorded.hostPid))
    throw new AzuriteConflictError(
      `Another local host (pid ${recorded.hostPid}) is running with Azurite (pid ${recorded.azuritePid}, ` +
        `blob port ${recorded.ports.blob}) on the data folder ${location}. Stop that host first (Ctrl-C in ` +
        'its terminal); two Azurite processes must never share a data folder.',
    );
  process.kill(recorded.azuritePid, 'SIGTERM');
  if (!(await waitForExit(recorded.azuritePid, 5000))) process.kill(recorded.azuritePid, 'SIGKILL');
  await waitForExit(recorded.azuritePid, 2000);
  return `Stopped Azurite pid ${recorded.azuritePid}, left running on ${location} by host pid ${recorded.hostPid}, which is gone.`;
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const PORT_SETTINGS: Record<keyof AzuritePorts, string> = {
  blob: 'AZURITE_BLOB_PORT',
  queue: 'AZURITE_QUEUE_PORT',
  table: 'AZURITE_TABLE_PORT',
};

/** Says which fixed port is taken, and how to choose another (rather than Azurite's EADDRINUSE). */
async function ensurePortsFree(ports: AzuritePorts): Promise<void> {
  for (const service of Object.keys(ports) as (keyof AzuritePorts)[]) {
    if (await portAnswers(ports[service]))
      throw new AzuriteConflictError(
        `Port ${ports[service]} (Azurite ${service}) is already in use on 127.0.0.1, by a process this host ` +
          `did not start. Stop it, pick other ports with ${Object.values(PORT_SETTINGS).join(' / ')}, or use ` +
          'that storage by setting AzureWebJobsStorage.',
      );
  }
}

/**
 * Runs Azurite in the child and ends it when the host that started it is gone, so a host that
 * crashes (SIGKILL, an out-of-memory kill) never leaves an orphan holding the ports and the data
 * folder. `node -e` leaves process.argv as [node, <azurite main>, ...flags], which is what Azurite
 * parses; it shuts down cleanly on SIGTERM (dist/src/azurite.js).
 *
 * Table point lookups, same answers, faster (POINT_LOOKUP): Azurite finds an entity (a point read,
 * and the lookup before every upsert, merge, update and delete) with LokiJS's
 * `findOne({ RowKey, PartitionKey })`. LokiJS narrows an implicit AND by its first key's index,
 * then scans what that left: where many rows share a RowKey ('' in a one-row-per-partition table
 * such as a task hub's Instances), every point operation scanned all of them, so a table of 1,000
 * offers made each one 10 times dearer than a table of 100 (Azure's cost does not grow with the
 * table). The lookup is asked with the key whose index leaves fewer rows first (two binary
 * searches): one partition, or the rows of one RowKey, whichever is smaller.
 */
export const POINT_LOOKUP = `
try {
  const loki = require(require.resolve('lokijs', { paths: [require('path').dirname(process.argv[1])] }));
  const findOne = loki.Collection.prototype.findOne;
  loki.Collection.prototype.findOne = function (query) {
    const pk = query && query.PartitionKey;
    const rk = query && query.RowKey;
    if (typeof pk !== 'string' || typeof rk !== 'string' || !this.binaryIndices.PartitionKey || !this.binaryIndices.RowKey)
      return findOne.call(this, query);
    const rows = (key, value) => {
      if (this.adaptiveBinaryIndices !== true) this.ensureIndex(key);
      const range = this.calculateRange('$eq', key, value);
      return range[1] - range[0] + 1;
    };
    const { PartitionKey, RowKey, ...rest } = query;
    return findOne.call(
      this,
      rows('RowKey', rk) < rows('PartitionKey', pk) ? { RowKey, PartitionKey, ...rest } : { PartitionKey, RowKey, ...rest },
    );
  };
} catch (error) {
  console.error('devhost: Azurite table lookups left as they are: ' + error.message);
}
`;

const WATCHDOG = `
const parent = Number(process.env.DEVHOST_PARENT_PID);
const firstParent = process.ppid;
const gone = () => { if (process.ppid !== firstParent) return true; try { process.kill(parent, 0); return false; } catch { return true; } };
setInterval(() => { if (gone()) process.kill(process.pid, 'SIGTERM'); }, 1000).unref();
${POINT_LOOKUP}
require(process.argv[1]);
`;

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline)
          reject(new Error(`Azurite did not open port ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export interface AzuriteOptions {
  ports?: Partial<AzuritePorts>;
  /** Folder for data kept on disk; omitted means in-memory (tests). */
  location?: string;
  /** Told when an orphaned Azurite on the data folder was stopped. */
  onNotice?: (message: string) => void;
}

/** Starts Azurite (blob, queue, table) from the npm package on 127.0.0.1. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const ports: AzuritePorts = {
    blob: options.ports?.blob ?? (await freePort()),
    queue: options.ports?.queue ?? (await freePort()),
    table: options.ports?.table ?? (await freePort()),
  };
  const stopped = options.location ? await claimDataFolder(options.location) : undefined;
  if (stopped) options.onNotice?.(stopped);
  await ensurePortsFree(ports);
  const main = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
  if (options.location) mkdirSync(options.location, { recursive: true });
  const args = [
    '-e',
    WATCHDOG,
    main,
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(ports.blob),
    '--queueHost',
    '127.0.0.1',
    '--queuePort',
    String(ports.queue),
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(ports.table),
    '--silent',
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
    ...(options.location ? ['--location', options.location] : ['--inMemoryPersistence']),
  ];
  // Its own process group: Ctrl-C in the terminal reaches the host only, which stops Azurite
  // last, after everything that still talks to it.
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
    env: { ...process.env, DEVHOST_PARENT_PID: String(process.pid) },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`Azurite exited (${code}): ${stderr.trim()}`))),
  );
  await Promise.race([
    Promise.all([waitForPort(ports.blob, 60_000), waitForPort(ports.table, 60_000)]),
    exited,
  ]);
  exited.catch(() => undefined);
  const pidFile = options.location ? path.join(options.location, PID_FILE) : undefined;
  if (pidFile) {
    const recorded: PidFile = { azuritePid: child.pid ?? -1, hostPid: process.pid, ports };
    writeFileSync(pidFile, JSON.stringify(recorded));
  }
  return {
    ports,
    connectionString: connectionStringFor(ports),
    pid: child.pid ?? -1,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          if (pidFile && existsSync(pidFile)) rmSync(pidFile, { force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}
