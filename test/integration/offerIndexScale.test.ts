/**
 * Issue 21 item 4: a publisher's "All offers" holds any number of offers, and concurrent status
 * changes of different offers of one publisher never conflict. Real Azurite through the real SDK;
 * Azure's entity limits are enforced by the adapters (documents.ts), as Azure would refuse.
 */
import { randomBytes } from 'node:crypto';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { TableClient } from '@azure/data-tables';
import { makeListOffers } from '../../functions/listOffers';
import { encodeDoc } from '../../shared/adapters/tables/documents';
import { loadConfig } from '../../shared/config';
import { TABLES } from '../../shared/contracts/names';
import { startSubmission } from '../../shared/domain/transitions';
import { notStartedStatus } from '../../shared/domain/status';
import { createServices, Services } from '../../shared/services';
import { startAzurite, RunningAzurite } from '../../devhost/azurite';
import { principalHeader } from '../support/principals';
import { call, request, testServices } from '../api/support';

interface ListBody {
  offers: { offerId: string; state: string; name: string | null }[];
  continuation: string | null;
}

/** Every page of a publisher's list, `top` at a time. */
async function listAll(services: Services, header: string, query: Record<string, string> = {}) {
  const listOffers = makeListOffers(services);
  const all: ListBody['offers'] = [];
  let continuation: string | null = null;
  do {
    const res = await call(
      listOffers,
      request('GET', 'offers', {
        headers: { 'x-ms-client-principal': header },
        query: { top: '200', ...query, ...(continuation ? { continuation } : {}) },
      }),
    );
    expect(res.status).toBe(200);
    const body = res.body as ListBody;
    all.push(...body.offers);
    continuation = body.continuation;
  } while (continuation);
  return all;
}

async function pool<T>(items: T[], width: number, job: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await job(items[next++] as T);
    }),
  );
}

describe('a publisher with more offers than one table entity holds', () => {
  let azurite: RunningAzurite;
  beforeAll(async () => {
    // An account of its own: the index's one-time backfill runs once per storage account.
    // (Started again if a loaded machine makes the first start miss its deadline.)
    azurite = await startAzurite().catch(() => startAzurite());
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  it('lists every one of 1,200 offers with 256-character names, and follows a status change', async () => {
    const services = createServices(
      loadConfig({ AzureWebJobsStorage: azurite.connectionString, LOCAL_MODE: 'true' }),
    );
    const publisherId = 'bigpub';
    const at = '2026-12-01T00:00:00.000Z';
    const ids = Array.from({ length: 1200 }, (_, i) => `big-${String(i).padStart(5, '0')}`);
    // Stored before the index knew them (as offers of an older version would be): the backfill
    // must index them all. In one row they are ~560,000 characters, over what an entity holds.
    const offers = TableClient.fromConnectionString(azurite.connectionString, TABLES.offers, {
      allowInsecureConnection: true,
    });
    await offers.createTable();
    await pool(ids, 16, (offerId) =>
      offers.upsertEntity({
        partitionKey: offerId,
        rowKey: 'offer',
        ...encodeDoc({ offerId, publisherId, name: 'n'.repeat(256), createdAt: at, updatedAt: at }),
      }),
    );
    const owner = principalHeader('owner@bigpub.example', ['Publisher'], publisherId);
    const listed = await listAll(services, owner);
    expect(listed.map((o) => o.offerId)).toEqual(ids);

    await services.statuses.update(
      ids[700]!,
      (current) => startSubmission(current, '1', 'ann@bigpub.example', at),
      () => notStartedStatus(ids[700]!, at),
    );
    const running = await listAll(services, owner, { state: 'Running' });
    expect(running.map((o) => o.offerId)).toEqual([ids[700]]);
  });
});

describe('status changes of one publisher', () => {
  it('100 concurrent changes of 100 offers all land, and none meets a conflict in the index', async () => {
    const services = testServices();
    const publisherId = `hot-${randomBytes(4).toString('hex')}`;
    const at = new Date().toISOString();
    const ids = Array.from({ length: 100 }, (_, i) => `${publisherId}-${String(i).padStart(3, '0')}`);
    for (const offerId of ids) {
      await services.offers.put({ offerId, publisherId, name: offerId, createdAt: at, updatedAt: at });
    }
    // Every answer of the index tables, counted at the SDK's pipeline: a 412 or 409 is a conflict.
    const conflicts: string[] = [];
    const counter: PipelinePolicy = {
      name: 'count-conflicts',
      async sendRequest(req, next) {
        const res = await next(req);
        if (res.status === 412 || res.status === 409)
          conflicts.push(`${res.status} ${req.method} ${req.url}`);
        return res;
      },
    };
    for (const name of [TABLES.offersByPublisher, TABLES.offerCatalog])
      (await services.storage.table(name)).pipeline.addPolicy(counter);

    const results = await Promise.allSettled(
      ids.map((offerId) =>
        services.statuses.update(
          offerId,
          (current) => startSubmission(current, '1', 'ann@contoso.com', at),
          () => notStartedStatus(offerId, at),
        ),
      ),
    );
    const failures = results.filter((r) => r.status === 'rejected').map((r) => String(r.reason));
    expect(failures).toEqual([]);
    expect(conflicts).toEqual([]);
    const owner = principalHeader(`owner@${publisherId}.example`, ['Publisher'], publisherId);
    const running = await listAll(services, owner, { state: 'Running' });
    expect(running.map((o) => o.offerId)).toEqual(ids);
  });
});
