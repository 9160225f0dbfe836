/**
 * The host as a neighbour on a shared machine: loopback only by default, an Azurite that dies with
 * the host that started it, never two Azurite processes on one data folder, clear words when the
 * ports are taken, and one log line per invocation that tells a failed submission from a live one.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, PID_FILE, startAzurite, type RunningAzurite } from '../../devhost/azurite';
import { failed, invocationLine, succeeded } from '../../devhost/functionsCore';
import { startHost } from '../support/host';

const COMPILED_AZURITE = path.resolve('dist/devhost/azurite.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(probe: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`never: ${what}`);
}

async function ports() {
  return { blob: await freePort(), queue: await freePort(), table: await freePort() };
}

function tempFolder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'devhost-azurite-'));
}

/** A stand-in host process that starts Azurite on `location` and reports its pid. */
function hostWithAzurite(location: string, p: Awaited<ReturnType<typeof ports>>) {
  const script = `
    const { startAzurite } = require(${JSON.stringify(COMPILED_AZURITE)});
    startAzurite({ location: ${JSON.stringify(location)}, ports: ${JSON.stringify(p)} })
      .then((a) => console.log(JSON.stringify({ azuritePid: a.pid })), (e) => { console.error(e.message); process.exit(1); });
    setInterval(() => undefined, 1000);
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const started = new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /\{"azuritePid":(\d+)\}/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`stand-in host exited ${code}`)));
  });
  return { child, started };
}

describe('Azurite started by the host', () => {
  it('dies when its host is killed, and the next start on the folder is not blocked', async () => {
    const location = tempFolder();
    const p = await ports();
    const host = hostWithAzurite(location, p);
    const azuritePid = await host.started;
    expect(alive(azuritePid)).toBe(true);
    host.child.kill('SIGKILL');
    await until(() => !alive(azuritePid), `Azurite ${azuritePid} gone after its host was killed`);
    const next = await startAzurite({ location, ports: p });
    expect(alive(next.pid)).toBe(true);
    await next.stop();
    expect(fs.existsSync(path.join(location, PID_FILE))).toBe(false);
  }, 60_000);

  it('refuses a second Azurite on a data folder whose host is running, and says so', async () => {
    const location = tempFolder();
    const host = hostWithAzurite(location, await ports());
    const azuritePid = await host.started;
    try {
      await expect(startAzurite({ location, ports: await ports() })).rejects.toThrow(
        `Another local host (pid ${host.child.pid}) is running with Azurite (pid ${azuritePid}`,
      );
    } finally {
      host.child.kill('SIGTERM');
      await until(() => !alive(azuritePid), 'the first Azurite gone');
    }
  }, 60_000);

  it('stops an Azurite whose host is gone before starting its own on the folder', async () => {
    const location = tempFolder();
    const first: RunningAzurite = await startAzurite({ location, ports: await ports() });
    // As if the host that started it had crashed before its watchdog could act.
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.once('exit', resolve));
    const file = path.join(location, PID_FILE);
    const recorded = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...recorded, hostPid: gone.pid }));
    const notices: string[] = [];
    const second = await startAzurite({ location, ports: await ports(), onNotice: (m) => notices.push(m) });
    try {
      expect(alive(first.pid)).toBe(false);
      expect(notices).toEqual([
        `Stopped Azurite pid ${first.pid}, left running on ${location} by host pid ${gone.pid}, which is gone.`,
      ]);
    } finally {
      await second.stop();
    }
  }, 60_000);

  it('says which port is taken instead of failing inside Azurite', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startAzurite({ ports: { ...(await ports()), blob: taken } })).rejects.toThrow(
        `Port ${taken} (Azurite blob) is already in use on 127.0.0.1`,
      );
    } finally {
      blocker.close();
    }
  });
});

describe('the HTTP server', () => {
  it('listens on loopback only by default', async () => {
    const host = await startHost({ main: 'dist/test/fixtures/hostapp/durableApp.js' });
    try {
      expect(host.output()).toContain(`Listening on http://127.0.0.1:${host.port} (DEVHOST_LISTEN_HOST)`);
      const external = Object.values(os.networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
      const reachable = await new Promise<boolean>((resolve) => {
        const socket = net.connect(host.port, external ?? '127.0.0.2');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      expect(reachable).toBe(false);
    } finally {
      await host.stop();
    }
  }, 60_000);
});

describe('the invocation log line', () => {
  it('names the function, trigger, outcome and duration', () => {
    expect(
      invocationLine('getStatus', 'httpTrigger', succeeded('httpTrigger', { statusCode: 404 }), 12.4),
    ).toBe("Executed 'Functions.getStatus' (http, Succeeded (HTTP 404), Duration=12ms)");
  });

  it('shows what a finished orchestration returned, so Failed never reads as a plain success', () => {
    const line = invocationLine(
      'publishSubmission',
      'orchestrationTrigger',
      succeeded('orchestrationTrigger', { isDone: true, output: 'Failed' }),
      3,
    );
    expect(line).toBe(
      `Executed 'Functions.publishSubmission' (orchestration, Completed (output: "Failed"), Duration=3ms)`,
    );
    expect(succeeded('orchestrationTrigger', { isDone: false, actions: [[]] })).toBe('Awaiting');
  });

  it('gives the first line of an error, without the SDK state appended to it', () => {
    expect(failed(new Error('the orchestration gave up\n\n$OutOfProcData$:{"isDone":false}'))).toBe(
      'Failed (the orchestration gave up)',
    );
  });
});
