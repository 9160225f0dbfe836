import { assertEntityFits, encodeDoc } from '../../shared/adapters/tables/documents';
import {
  boundedFindings,
  IngestionPackage,
  MAX_FINDINGS_PER_PACKAGE,
  MAX_PACKAGES_KEPT,
  ProductState,
} from '../../shared/domain/ingestion';

/** Azurite enforces no entity limit: the worst case is checked against Azure's here. */
describe("the ingestion front door's stored state", () => {
  it('fits one table entity with every package at its bounds, however many findings a library had', () => {
    const huge = 'x'.repeat(100_000);
    const findings = Array.from({ length: 5000 }, (_, i) => ({
      code: `rule.${i}`,
      message: huge,
      path: `lib${i}.app#${huge}`,
      severity: 'error' as const,
    }));
    const bounded = boundedFindings(findings);
    expect(bounded).toHaveLength(MAX_FINDINGS_PER_PACKAGE);
    expect(bounded.at(-1)?.message).toContain(`and ${5000 - MAX_FINDINGS_PER_PACKAGE} more findings`);
    const pkg = (i: number): IngestionPackage => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceType: 'Dynamics365BusinessCentralAddOnLibraryExtensionPackage',
      fileName: 'y'.repeat(200),
      state: 'Processed',
      blobName: 'z'.repeat(110),
      findings: bounded,
      libraries: Array.from({ length: 50 }, () => ({
        file: 'f'.repeat(100),
        id: '00000000-0000-4000-8000-000000000000',
        name: 'n'.repeat(100),
        publisher: 'p'.repeat(100),
        version: '1.0.0.0',
      })),
      version: 2,
      leaseId: '00000000-0000-4000-8000-000000000000',
      sasExpiresAt: '2026-12-07T12:00:00.000Z',
      validation: {
        state: 'Completed',
        startedAt: '2026-12-07T12:00:00.000Z',
        beatAt: '2026-12-07T12:00:00.000Z',
      },
    });
    const state: ProductState = {
      productId: '00000000-0000-4000-8000-000000000001',
      offerId: 'o'.repeat(50),
      packages: Array.from({ length: MAX_PACKAGES_KEPT }, (_, i) => pkg(i)),
      packageReferences: [],
      configurationVersion: 1,
    };
    const entity = { partitionKey: state.productId, rowKey: 'state', ...encodeDoc(state) };
    expect(() => assertEntityFits(entity)).not.toThrow();
  });
});
