import http from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../shared/config';
import { Services, createServices } from '../../shared/services';
import { CONTAINERS } from '../../shared/contracts/names';
import type { Offer, OfferDraft } from '../../shared/domain/offer';
import type { StepActivityInput } from '../../shared/contracts/activities';

/** Services over the run's Azurite, built the way the composition root builds them. */
export function testServices(): Services {
  const connection = process.env.TEST_STORAGE_CONNECTION;
  if (!connection) throw new Error('TEST_STORAGE_CONNECTION is not set (jest globalSetup starts Azurite)');
  return createServices(loadConfig({ AzureWebJobsStorage: connection, LOCAL_MODE: 'true' }));
}

export function uniqueOfferId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Stores the offer snapshot a submission started with and returns the step's activity input. */
export async function submit(
  services: Services,
  offerId: string,
  draft: OfferDraft,
  submissionId = '1',
): Promise<StepActivityInput> {
  const at = '2026-11-25T10:00:00.000Z';
  const offer: Offer = { ...draft, offerId, publisherId: 'contoso', createdAt: at, updatedAt: at };
  const snapshotBlobName = `${offerId}/${submissionId}/offer.json`;
  await services.blobs.upload(
    { container: CONTAINERS.submissions, name: snapshotBlobName },
    Buffer.from(JSON.stringify(offer)),
    'application/json',
  );
  return { offerId, submissionId, snapshotBlobName, at };
}

export interface LocalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1; close() also drops connections a hanging handler kept open. */
export async function startServer(handler: http.RequestListener): Promise<LocalServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
