import fc from 'fast-check';
import { makePutOffer } from '../../functions/putOffer';
import { RunningHost, startHost } from '../support/host';
import { asPerson, principalHeader } from '../support/principals';
import { call, request, testServices, uniqueOfferId } from './support';

/** Design.md "First writer owns an offer id" and issue 16's "one clock", through the local host. */
const services = testServices();
let host: RunningHost;

beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  await host?.stop();
});

interface OfferBody {
  publisherId: string;
  createdAt: string;
  updatedAt: string;
}

describe('first writer owns an offer id', () => {
  it('gives one of two publishers creating the same id at once 201 and the other 403 (through the host)', async () => {
    for (let round = 0; round < 12; round++) {
      const offerId = uniqueOfferId('race');
      const contenders = (['ann', 'bob'] as const).map((person) =>
        host.request('PUT', `/api/offers/${offerId}`, { name: `By ${person}` }, asPerson(person)),
      );
      const [ann, bob] = await Promise.all(contenders);
      expect([ann?.status, bob?.status].sort()).toEqual([201, 403]);
      const winner = ann?.status === 201 ? 'contoso' : 'fabrikam';
      const stored = await host.request('GET', `/api/offers/${offerId}`, undefined, asPerson('ann'));
      if (winner === 'contoso') expect(stored.json<OfferBody>().publisherId).toBe('contoso');
      else expect(stored.status).toBe(403);
      expect((await services.offers.get(offerId))?.publisherId).toBe(winner);
    }
  });

  it('has exactly one owner however many publishers race, in any order', async () => {
    const putOffer = makePutOffer(services);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.constantFrom('contoso', 'fabrikam', 'litware', 'adatum', 'tailspin'), {
          minLength: 2,
          maxLength: 5,
        }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 5, maxLength: 5 }),
        async (publishers, delays) => {
          const offerId = uniqueOfferId('race');
          const answers = await Promise.all(
            publishers.map(async (publisherId, i) => {
              await new Promise((r) => setTimeout(r, delays[i] ?? 0));
              const header = principalHeader(`owner@${publisherId}.example`, ['Publisher'], publisherId);
              const res = await call(
                putOffer,
                request('PUT', `offers/${offerId}`, {
                  headers: { 'x-ms-client-principal': header },
                  params: { offerId },
                  body: { name: publisherId },
                }),
              );
              return { publisherId, status: res.status };
            }),
          );
          const winners = answers.filter((a) => a.status === 201);
          expect(winners).toHaveLength(1);
          expect(answers.filter((a) => a.status === 403)).toHaveLength(publishers.length - 1);
          const stored = await services.offers.get(offerId);
          expect([stored?.publisherId, stored?.name]).toEqual([
            winners[0]?.publisherId,
            winners[0]?.publisherId,
          ]);
        },
      ),
      { seed: 12, numRuns: 25 },
    );
  });
});

describe('one clock', () => {
  it("stamps offers with the host's clock, the clock the workflow runs on", async () => {
    const advanced = await host.request('POST', '/admin/clock/advance', { by: 'P30D' });
    expect(advanced.status).toBe(200);
    const before = new Date(advanced.json<{ now: string }>().now).getTime();
    const offerId = uniqueOfferId('clock');
    const own = { 'x-ms-client-principal': principalHeader('kim@clock.example', ['Publisher'], offerId) };
    const created = await host.request('PUT', `/api/offers/${offerId}`, { name: 'Clocked' }, own);
    expect(created.status).toBe(201);
    const after = new Date((await host.request('GET', '/admin/clock')).json<{ now: string }>().now).getTime();
    const body = created.json<OfferBody>();
    for (const stamp of [body.createdAt, body.updatedAt]) {
      expect(new Date(stamp).getTime()).toBeGreaterThanOrEqual(before);
      expect(new Date(stamp).getTime()).toBeLessThanOrEqual(after);
    }
    const listed = await host.request('GET', '/api/offers', undefined, own);
    const item = listed
      .json<{ offers: { offerId: string; updatedAt: string }[] }>()
      .offers.find((o) => o.offerId === offerId);
    expect(item?.updatedAt).toBe(body.updatedAt);
  });
});
