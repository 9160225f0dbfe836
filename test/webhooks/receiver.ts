import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * A webhook receiver on the local host, as a publisher would write one: verifies every request
 * with `standardwebhooks` (any one of the signing secrets), then answers what `answer` says.
 */
export interface Received {
  id: string;
  type: string;
  seq?: number;
  body: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
  verified: boolean;
  status: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Verified deliveries de-duplicated by webhook-id, in arrival order. */
  unique(): Received[];
  secrets: string[];
  close(): Promise<void>;
}

export async function startReceiver(
  answer: (n: number, body: Record<string, unknown>) => number = () => 200,
): Promise<Receiver> {
  const received: Received[] = [];
  const secrets: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const headers = req.headers as Record<string, string>;
      const verified = secrets.some((secret) => {
        try {
          new Webhook(secret).verify(text, headers);
          return true;
        } catch {
          return false;
        }
      });
      const body = JSON.parse(text) as Record<string, unknown>;
      const status = verified ? answer(received.length, body) : 401;
      received.push({
        id: String(headers['webhook-id']),
        type: String(body.type),
        seq:
          typeof (body.data as { seq?: unknown })?.seq === 'number'
            ? (body.data as { seq: number }).seq
            : undefined,
        body,
        headers: req.headers,
        verified,
        status,
      });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? 'thanks' : `no: ${'x'.repeat(3000)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    secrets,
    unique() {
      const seen = new Set<string>();
      return received.filter((r) => r.verified && r.status < 300 && !seen.has(r.id) && seen.add(r.id));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // a sender still connected would hold close() open
      }),
  };
}
