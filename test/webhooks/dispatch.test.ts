import { randomBytes } from 'node:crypto';
import type { OrchestrationClient } from '../../shared/http/orchestrations';
import { ADMIN_OWNER, deliveryInstanceId, type WebhookEndpoint } from '../../shared/domain/webhooks';
import { createWebhookDispatch } from '../../shared/webhooks/dispatch';
import { createEndpointDirectory, TRUST_MS, type DirectoryTiming } from '../../shared/webhooks/directory';
import { testServices } from '../api/support';
import type { Services } from '../../shared/services';
import { FailingProxy } from '../faults/failingStorage';
import { isWrite, rowKeysOf } from '../faults/failingStorage';
import { servicesBehindTableProxy } from '../faults/support';
import { completeOffer } from '../support/scenario';
import { createWebhook, updateWebhook } from '../../shared/webhooks/routes';
import { request } from '../api/support';

afterAll(() => removeAdminEndpoints());
import { removeAdminEndpoints } from './cleanup';
import type { Offer } from '../../shared/domain/offer';

/** A monotonic clock the test moves; a pause moves it. */
function fakeTiming(): DirectoryTiming & { advance(ms: number): void } {
  let at = 0;
  return {
    now: () => at,
    advance: (ms) => (at += ms),
    pause: async (ms) => {
      at += ms;
    },
  };
}

/**
 * kick against real stores (Azurite) and a recorder of the durable client (as handler tests use):
 * which endpoints it starts, and how it treats a delivery instance that is running or parked.
 */
const services = testServices();

function recorder(statusOf: (id: string) => string | undefined) {
  const started: string[] = [];
  const client: OrchestrationClient = {
    async startNew(_name, options) {
      started.push(options.instanceId);
      return options.instanceId;
    },
    async raiseEvent() {},
    async getStatus(id) {
      const status = statusOf(id);
      if (!status) throw new Error('Request failed with status code 404');
      return { runtimeStatus: status };
    },
  };
  return { client, started };
}

async function endpoint(owner: string, offerIds: string[] | null, enabled = true): Promise<WebhookEndpoint> {
  const e: WebhookEndpoint = {
    webhookId: `wh_${randomBytes(10).toString('hex')}`,
    owner,
    ownerName: 'x@example.com',
    url: 'https://example.com/h',
    events: ['*'],
    offerIds,
    description: null,
    enabled,
    secrets: [{ secret: 'whsec_AAAA', expiresAt: null }],
    createdAt: '2020-01-01T00:00:00.000Z',
    updatedAt: '2020-01-01T00:00:00.000Z',
    failingSince: null,
    disabledReason: null,
  };
  await services.webhooks.create(e);
  return e;
}

async function offerOf(publisherId: string): Promise<string> {
  const offerId = `kick-${randomBytes(5).toString('hex')}`;
  const now = new Date().toISOString();
  await services.offers.put({
    ...completeOffer(),
    offerId,
    publisherId,
    createdAt: now,
    updatedAt: now,
  } as unknown as Offer);
  return offerId;
}

describe('kick', () => {
  it("starts the offer's publisher's covering endpoints and Admin's, no one else's, none disabled", async () => {
    const publisher = `pub${randomBytes(4).toString('hex')}`;
    const offerId = await offerOf(publisher);
    const all = await endpoint(publisher, null);
    const named = await endpoint(publisher, [offerId]);
    const other = await endpoint(publisher, ['another-offer']);
    const off = await endpoint(publisher, null, false);
    const stranger = await endpoint(`pub${randomBytes(4).toString('hex')}`, null);
    const { client, started } = recorder(() => undefined);
    await createWebhookDispatch(
      {
        offers: services.offers,
        endpoints: createEndpointDirectory(services.webhooks),
        cursors: services.webhookCursors,
        stops: services.webhooks,
      },
      client,
    ).kick(offerId);
    const ids = started.filter((id) => id.endsWith(offerId));
    expect(ids).toEqual(
      expect.arrayContaining([
        deliveryInstanceId(all.webhookId, offerId),
        deliveryInstanceId(named.webhookId, offerId),
      ]),
    );
    for (const e of [other, off, stranger])
      expect(ids).not.toContain(deliveryInstanceId(e.webhookId, offerId));
    // Admin's endpoints (from every test run) cover the offer too.
    const admins = (await services.webhooks.list(ADMIN_OWNER)).filter(
      (e) => e.enabled && e.offerIds === null,
    );
    for (const e of admins) expect(ids).toContain(deliveryInstanceId(e.webhookId, offerId));
  });

  it('leaves a running unparked instance alone, and waits out a parked one before starting anew', async () => {
    const publisher = `pub${randomBytes(4).toString('hex')}`;
    const offerId = await offerOf(publisher);
    const e = await endpoint(publisher, [offerId]);
    const id = deliveryInstanceId(e.webhookId, offerId);
    const deps = {
      offers: services.offers,
      endpoints: createEndpointDirectory(services.webhooks),
      cursors: services.webhookCursors,
      stops: services.webhooks,
    };

    const running = recorder(() => 'Running');
    await createWebhookDispatch(deps, running.client).kick(offerId);
    expect(running.started.filter((s) => s === id)).toEqual([]);

    // Parked: the instance is ending without having seen what was just appended.
    const seen = await services.webhookCursors.seen(offerId);
    expect(await services.webhookCursors.park(offerId, e.webhookId, 0, seen)).toBe(true);
    let polls = 0;
    const ending = recorder((asked) => (asked === id && ++polls < 3 ? 'Running' : 'Completed'));
    await createWebhookDispatch(deps, ending.client).kick(offerId);
    expect(ending.started.filter((s) => s === id)).toEqual([id]);
    expect(polls).toBeGreaterThanOrEqual(3);
  });
});

describe('the endpoints a kick looks up, remembered per process (issue 29: 16 requests per submission)', () => {
  let proxy: FailingProxy;
  let proxied: Services;

  beforeAll(async () => {
    ({ proxy, services: proxied } = await servicesBehindTableProxy());
  });
  afterAll(async () => proxy?.close());

  /** The webhook table's requests while `run` ran. */
  async function webhookRequests(run: () => Promise<unknown>): Promise<string[]> {
    const from = proxy.seen.length;
    await run();
    return proxy.seen.slice(from).filter((r) => /\/WebhookEndpoints\b/.test(r));
  }

  it('an endpoint written is answered as written when raising the registry version fails', async () => {
    const publisher = `pub${randomBytes(4).toString('hex')}`;
    const e = await endpoint(publisher, null);
    // Every write of the registry row fails: the endpoint's own writes land.
    proxy.plan((r) => (isWrite(r) && rowKeysOf(r, 'WebhookEndpoints').includes('version') ? 503 : undefined));
    try {
      const second = { ...e, webhookId: `wh_${randomBytes(10).toString('hex')}` };
      await proxied.webhooks.create(second);
      const updated = await proxied.webhooks.update(publisher, e.webhookId, (x) => ({
        ...x,
        enabled: false,
      }));
      const removed = await proxied.webhooks.remove(publisher, second.webhookId);
      expect([updated?.enabled, removed]).toEqual([false, true]);
      expect(proxy.seen.filter((r) => r.endsWith(' !503')).length).toBeGreaterThanOrEqual(3);
    } finally {
      proxy.plan(() => undefined);
    }
    expect((await services.webhooks.get(publisher, e.webhookId))?.enabled).toBe(false);
  });

  it('kicks within a second cost no request, later ones one point read; an endpoint settled elsewhere is seen by the next kick', async () => {
    const publisher = `pub${randomBytes(4).toString('hex')}`;
    const offerId = await offerOf(publisher);
    const first = await endpoint(publisher, [offerId]);
    const { client, started } = recorder(() => undefined);
    const clock = fakeTiming();
    const dispatch = createWebhookDispatch(
      {
        offers: proxied.offers,
        endpoints: createEndpointDirectory(proxied.webhooks, clock),
        cursors: proxied.webhookCursors,
        stops: proxied.webhooks,
      },
      client,
    );
    expect(await webhookRequests(() => dispatch.kick(offerId, publisher))).toHaveLength(3);
    clock.advance(TRUST_MS - 1);
    expect(await webhookRequests(() => dispatch.kick(offerId, publisher))).toEqual([]);
    clock.advance(1);
    expect(await webhookRequests(() => dispatch.kick(offerId, publisher))).toEqual([
      expect.stringMatching(/^GET .*WebhookEndpoints\(PartitionKey='~registry',RowKey='version'\)/),
    ]);
    // Registered in another process (the test's own services), answered once settled there.
    const second = await endpoint(publisher, [offerId]);
    await createEndpointDirectory(services.webhooks, clock).settled();
    started.length = 0;
    await dispatch.kick(offerId, publisher);
    expect(started).toEqual(
      expect.arrayContaining([
        deliveryInstanceId(first.webhookId, offerId),
        deliveryInstanceId(second.webhookId, offerId),
      ]),
    );
  });
});

describe('an endpoint write is answered once every process sees it (the directory lease)', () => {
  const { client } = recorder(() => undefined);
  const covering = async (directory: ReturnType<typeof createEndpointDirectory>, webhookId: string) =>
    (await directory.endpointsOf(['contoso'])).some((e) => e.webhookId === webhookId);

  it('POST /api/webhooks, and a PATCH of its events or offers, answer after the lease of a kick elsewhere', async () => {
    // Another process, whose kick remembered contoso's endpoints just before the registration.
    const elsewhere = createEndpointDirectory(services.webhooks);
    await elsewhere.endpointsOf(['contoso']);
    const created = await createWebhook(
      services,
      client,
      request('POST', 'webhooks', {
        as: 'ann',
        body: { url: 'https://example.com/lease', events: ['webhook.ping'] },
      }),
    );
    const { webhookId } = created.jsonBody as { webhookId: string };
    expect(await covering(elsewhere, webhookId)).toBe(true);

    const seen = async () =>
      (await elsewhere.endpointsOf(['contoso'])).find((e) => e.webhookId === webhookId)?.events;
    const patch = request('PATCH', `webhooks/${webhookId}`, {
      as: 'ann',
      params: { webhookId },
      body: { events: ['*'] },
    });
    expect((await updateWebhook(services, client, patch)).status).toBe(200);
    expect(await seen()).toEqual(['*']);
    await services.webhooks.remove('contoso', webhookId);
  });
});
