/**
 * The bench's HTTP client, as a real client of the API would be: a bounded pool of kept-alive
 * connections shared by every simulated publisher, polls that back off, and retries of a request
 * that never reached the host (a refused connection, or a kept-alive socket the server closed as
 * the request went out). 1,000 publishers each polling every 100 ms on their own connection
 * measure the client, not the pipeline (notes in bench/pipeline.ts).
 */
import http from 'node:http';
import type { ClientOptions, Send } from '../../test/support/scenario';

export interface PoliteClientOptions {
  /** Connections to the host at most; requests beyond wait in the agent's queue. */
  connections?: number;
  /** First pause between polls, then ×1.5 per poll up to `pollMaxMs` (each ±25 % jitter). */
  pollFirstMs?: number;
  pollMaxMs?: number;
  /** Retries of a request that did not reach the host, with doubling pauses from 100 ms. */
  retries?: number;
}

export interface PoliteClient extends Required<ClientOptions> {
  /** Requests retried so far (a refused or reset connection). */
  retried(): number;
  close(): void;
}

/** Errors that mean the request was not handled: safe to send again, whatever the method. */
const NOT_DELIVERED = new Set(['ECONNREFUSED', 'EADDRNOTAVAIL', 'ENOTCONN']);

export function politeClient(options: PoliteClientOptions = {}): PoliteClient {
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: options.connections ?? 64,
    maxFreeSockets: options.connections ?? 64,
    // Below the server's keep-alive timeout (Node's default 5 s), so the client lets an idle
    // socket go before the server does.
    timeout: 4_000,
    scheduling: 'lifo',
  });
  const first = options.pollFirstMs ?? 250;
  const max = options.pollMaxMs ?? 2_000;
  const retries = options.retries ?? 8;
  let retried = 0;

  const once = (url: string, init: Parameters<Send>[1]) =>
    new Promise<{ status: number; text: string; reused: boolean }>((resolve, reject) => {
      const req = http.request(url, { method: init.method, headers: init.headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            reused: req.reusedSocket,
          }),
        );
        res.once('error', reject);
      });
      req.once('error', (error: NodeJS.ErrnoException) =>
        reject(Object.assign(error, { reusedSocket: req.reusedSocket })),
      );
      req.end(init.body);
    });

  const send: Send = async (url, init) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await once(url, init);
      } catch (error) {
        const e = error as NodeJS.ErrnoException & { reusedSocket?: boolean };
        // A reset on a reused kept-alive socket is the server closing it as the request went out
        // (Node's documented retry case); a GET may be sent again after any reset.
        const again =
          NOT_DELIVERED.has(e.code ?? '') ||
          (e.code === 'ECONNRESET' && (e.reusedSocket || init.method === 'GET'));
        if (!again || attempt >= retries) throw error;
        retried++;
        await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** attempt)));
      }
    }
  };

  return {
    send,
    pollDelayMs: (attempt) => jitter(Math.min(max, first * 1.5 ** (attempt - 1))),
    retried: () => retried,
    close: () => agent.destroy(),
  };
}

function jitter(ms: number): number {
  return Math.round(ms * (0.75 + Math.random() * 0.5));
}
