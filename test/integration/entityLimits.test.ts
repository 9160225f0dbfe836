/**
 * Issue 15, "Azure's limits, enforced locally": Azurite stores entities Azure would refuse, so the
 * table adapters count every entity as Azure does (UTF-16, property names, per-entity overhead)
 * and refuse it themselves: a test fails here exactly where a write would fail in Azure.
 */
import {
  AZURE_TABLE_LIMITS,
  EntityTooLargeError,
  assertEntityFits,
  encodeDoc,
  entitySize,
} from '../../shared/adapters/tables/documents';
import type { Offer } from '../../shared/domain/offer';
import { testServices, uniqueOfferId } from '../steps/helpers';

describe('Azure Table entity limits', () => {
  it('counts an entity as Azure documents it', () => {
    // 4 + 2 x len(PK + RK) + per property: 8 + 2 x len(name) + value (string: 2 x chars + 4).
    expect(entitySize({ partitionKey: 'ab', rowKey: 'c', s: 'xyz' })).toBe(4 + 6 + (8 + 2 + 10));
    expect(entitySize({ partitionKey: 'p', rowKey: 'r', n: 1, b: true, f: 1.5 })).toBe(
      4 + 4 + (8 + 2 + 4) + (8 + 2 + 1) + (8 + 2 + 8),
    );
    // Characters outside the BMP are two UTF-16 code units, as Azure stores them.
    expect(entitySize({ partitionKey: 'p', rowKey: 'r', s: '😀' })).toBe(4 + 4 + (8 + 2 + 8));
  });

  it('refuses a string property over 64 KiB and an entity over 1 MiB before storage sees it', () => {
    const base = { partitionKey: 'p', rowKey: 'r' };
    expect(() => assertEntityFits({ ...base, s: 'x'.repeat(32 * 1024) })).toThrow(EntityTooLargeError);
    expect(() => assertEntityFits({ ...base, s: 'x'.repeat(32 * 1024 - 3) })).not.toThrow();
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`p${i}`, 'x'.repeat(30_000)]));
    expect(() => assertEntityFits({ ...base, ...many })).toThrow(/1 MiB/);
    const wide = Object.fromEntries(Array.from({ length: 253 }, (_, i) => [`c${i}`, 1]));
    expect(() => assertEntityFits({ ...base, ...wide })).toThrow(/252/);
  });

  it('splits documents into properties Azure accepts, and refuses one that cannot fit a row', () => {
    const doc = { text: 'é'.repeat(300_000) };
    const props = encodeDoc(doc);
    expect(() =>
      assertEntityFits({ partitionKey: 'p'.repeat(50), rowKey: 'r'.repeat(200), ...props }),
    ).not.toThrow();
    expect(() => encodeDoc({ text: 'x'.repeat(AZURE_TABLE_LIMITS.entityBytes / 2) })).toThrow(
      EntityTooLargeError,
    );
  });

  it('never splits a surrogate pair across two properties', () => {
    const doc = { text: '😀'.repeat(40_000) };
    const props = encodeDoc(doc);
    for (const [name, value] of Object.entries(props)) {
      if (typeof value !== 'string') continue;
      expect(`${name}:${/^[\uDC00-\uDFFF]/.test(value)}`).toBe(`${name}:false`);
    }
  });

  it('refuses, in the store, an offer document that Azure would refuse, and stores nothing', async () => {
    const services = testServices();
    const offerId = uniqueOfferId('entity');
    const at = new Date().toISOString();
    const offer: Offer = {
      offerId,
      publisherId: 'contoso',
      createdAt: at,
      updatedAt: at,
      description: 'd'.repeat(600_000),
    };
    await expect(services.offers.put(offer)).rejects.toBeInstanceOf(EntityTooLargeError);
    expect(await services.offers.get(offerId)).toBeUndefined();
  });
});
