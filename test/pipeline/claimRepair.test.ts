/**
 * App-id claims on real Azurite tables: any number of offers claiming one id at once, in any
 * order, leave exactly one holder; and the reconciler's pass reconcileAppClaims releases a claim
 * whose submission ended without its release, and claims again for an active submission past
 * step 2 whose claim was lost.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { CONTAINERS } from '../../shared/contracts/names';
import { notStartedStatus, OfferStatus } from '../../shared/domain/status';
import { reconcileAppClaims } from '../../shared/repair/appClaims';
import { snapshotBlobNameFor } from '../../shared/domain/workflow';
import { testServices, uniqueOfferId } from '../steps/helpers';

const services = testServices();
const AT = '2026-12-01T10:00:00.000Z';

async function statusOf(offerId: string, change: Partial<OfferStatus>): Promise<OfferStatus> {
  return services.statuses.update(
    offerId,
    (s) => ({ ...s, ...change }),
    () => notStartedStatus(offerId, AT),
  );
}

describe('app-id claims', () => {
  it('gives one id to exactly one of any number of offers claiming it at once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 6 }), async (n) => {
        const appId = randomUUID();
        const offers = Array.from({ length: n }, () => uniqueOfferId('racer'));
        const inProgress = () => Promise.resolve(true);
        const results = await Promise.all(
          offers.map((o) => services.appClaims.claim(appId, o, '1', AT, inProgress)),
        );
        expect(results.filter((r) => r.taken)).toHaveLength(1);
        const winner = offers[results.findIndex((r) => r.taken)];
        expect((await services.appClaims.get(appId))?.offerId).toBe(winner);
      }),
      { numRuns: 8, seed: 22 },
    );
  });

  it('reconcileAppClaims releases a claim whose submission failed and re-claims a lost one', async () => {
    const stale = { appId: randomUUID(), offerId: uniqueOfferId('stale') };
    await statusOf(stale.offerId, { submissionId: '1', state: 'Running' });
    const inProgress = () => Promise.resolve(true);
    expect((await services.appClaims.claim(stale.appId, stale.offerId, '1', AT, inProgress)).taken).toBe(
      true,
    );
    await statusOf(stale.offerId, { state: 'Failed' }); // ended, but its release never ran

    const lost = { appId: randomUUID(), offerId: uniqueOfferId('lost') };
    const active = await statusOf(lost.offerId, {
      submissionId: '2',
      state: 'WaitingForPublisher',
      steps: notStartedStatus(lost.offerId, AT).steps.map((s) =>
        s.id === 'automated-validation' ? { ...s, state: 'Succeeded' } : s,
      ),
    });
    await services.blobs.upload(
      { container: CONTAINERS.submissions, name: snapshotBlobNameFor(lost.offerId, '2') },
      Buffer.from(JSON.stringify({ app: { id: lost.appId } })),
      'application/json',
    );

    const repaired = await reconcileAppClaims(services, [active], () => new Date(AT));
    expect(repaired).toEqual(
      expect.arrayContaining([
        { offerId: stale.offerId, what: expect.stringContaining(`released the claim of ${stale.offerId}`) },
        { offerId: lost.offerId, what: expect.stringContaining(`claimed again for ${lost.offerId}`) },
      ]),
    );
    expect(await services.appClaims.get(stale.appId)).toBeUndefined();
    expect(await services.appClaims.get(lost.appId)).toMatchObject({
      offerId: lost.offerId,
      submissionId: '2',
    });
    // A second pass finds nothing to repair of these two.
    const again = await reconcileAppClaims(services, [active]);
    expect(again.filter((r) => r.offerId === stale.offerId || r.offerId === lost.offerId)).toEqual([]);
  });
});
