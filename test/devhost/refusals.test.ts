/**
 * Issue 15, "Oversized headers" and "Well-behaved refusals of big bodies", on the local host's HTTP
 * front door over real sockets: headers over 16 KiB get the api.md error body, an announced body
 * over the limit is refused before it is read (and before `100 Continue`), and a client that keeps
 * sending reliably reads the 413 instead of a broken pipe.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createHttpHost } from '../../devhost/httpServer';
import type { PersistentClock } from '../../devhost/clock';
import type { FunctionInvoker } from '../../devhost/types';

const MAX_BODY = 64 * 1024;
let invoked = 0;
const invoker: FunctionInvoker = {
  list: () => [],
  get: () => undefined,
  invoke: async () => {
    invoked++;
    return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: { string: 'ok' } };
  },
};

let server: http.Server;
let port = 0;
beforeAll(async () => {
  server = createHttpHost({
    invoker,
    routes: [{ functionName: 'sink', template: 'sink', methods: [], authLevel: 'anonymous' }],
    routePrefix: 'api',
    clock: {} as PersistentClock,
    maxBodyBytes: MAX_BODY,
    log: () => undefined,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Whether the server ever said `100 Continue`. */
  continued: boolean;
}

/** A request over a plain socket, so what the server sends and when is not hidden by a client library. */
function rawRequest(head: string, body: Buffer | undefined, waitForContinue = false): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let continued = false;
    let sentBody = false;
    const sendBody = () => {
      if (sentBody || !body) return;
      sentBody = true;
      socket.write(body, () => undefined);
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const text = received.toString('latin1');
      if (text.startsWith('HTTP/1.1 100 ')) {
        continued = true;
        received = Buffer.from(text.slice(text.indexOf('\r\n\r\n') + 4), 'latin1');
        sendBody();
        return;
      }
      // A whole answer arrived (its Content-Length is read): this client is done.
      const headEnd = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headEnd))?.[1];
      if (headEnd >= 0 && length !== undefined && received.length >= headEnd + 4 + Number(length))
        socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the answer arrived is fine; before it, the test fails on the status below.
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    socket.on('close', () => {
      const text = received.toString('utf8');
      const [headText = '', bodyText = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = headText.split('\r\n');
      const headers: http.IncomingHttpHeaders = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: bodyText, continued });
    });
    socket.write(head);
    if (!waitForContinue) sendBody();
    setTimeout(() => socket.end(), 3000).unref();
  });
}

const errorCode = (raw: Raw) => (JSON.parse(raw.body) as { error: { code: string } }).error.code;

describe('local host refusals', () => {
  it('answers headers over 16 KiB with 431 and the api.md error body', async () => {
    const head = `GET /api/sink HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20 * 1024)}\r\nConnection: close\r\n\r\n`;
    const raw = await rawRequest(head, undefined);
    expect(raw.status).toBe(431);
    expect(raw.headers['content-type']).toContain('application/json');
    expect(JSON.parse(raw.body)).toEqual({
      error: { code: 'headers_too_large', message: expect.stringContaining('16 KiB') },
    });
  });

  it('refuses an announced oversized body before 100 Continue, without reading it', async () => {
    const before = invoked;
    const head = `PUT /api/sink HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_BODY + 1}\r\nExpect: 100-continue\r\n\r\n`;
    const raw = await rawRequest(head, Buffer.alloc(MAX_BODY + 1), true);
    expect(raw.continued).toBe(false);
    expect(raw.status).toBe(413);
    expect(errorCode(raw)).toBe('payload_too_large');
    expect(invoked).toBe(before);
  });

  it('sends 100 Continue for a body within the limit', async () => {
    const head = `PUT /api/sink HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`;
    const raw = await rawRequest(head, Buffer.alloc(10), true);
    expect(raw.continued).toBe(true);
    expect(raw.status).toBe(200);
  });

  it('lets a client that keeps sending an oversized body read the 413 (fetch, 20 times)', async () => {
    const body = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/api/sink`, { method: 'PUT', body });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    }
  });

  it('lets a raw client that writes its whole oversized body first read the 413 (20 times)', async () => {
    const size = 4 * 1024 * 1024;
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const head = `PUT /api/sink HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`;
      statuses.push((await rawRequest(head, Buffer.alloc(size))).status);
    }
    expect(statuses).toEqual(Array.from({ length: 20 }, () => 413));
  });

  it('lets a chunked sender without Content-Length read the 413', async () => {
    for (let i = 0; i < 10; i++) {
      // Settled once the answer is read and the request is closed, so no socket outlives the test.
      const status = await new Promise<number>((resolve, reject) => {
        let answered = 0;
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'PUT',
            path: '/api/sink',
            agent: false,
            headers: { 'transfer-encoding': 'chunked' },
          },
          (res) => {
            answered = res.statusCode ?? 0;
            res.resume();
            res.on('end', () => req.destroy());
          },
        );
        req.on('error', (error: NodeJS.ErrnoException) => {
          if (!answered) reject(error);
        });
        req.on('close', () => resolve(answered));
        for (let c = 0; c < 256; c++) req.write(Buffer.alloc(16 * 1024));
        req.end();
      });
      expect(status).toBe(413);
    }
  });
});
