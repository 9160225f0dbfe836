import { bufferSource, validatePackage } from '../../shared/adapters/package';
import { offerDraftSchema } from '../../shared/domain/offer';
import {
  CatalogEntry,
  PackageManifest,
  PackageReport,
  appIdFindings,
  dependencyFindings,
  manifestFindings,
  normalizeAppId,
  parseAppJson,
  parseNavxManifest,
  runtimeFindings,
} from '../../shared/domain/package';
import {
  OFFER_APP,
  SymbolDoc,
  SymbolObjectSpec,
  appJson,
  appPackage,
  appWithSymbols,
  baseSymbols,
  buildZip,
  largeSymbols,
  navxAttributes,
  navxContent,
  navxManifest,
  symbolReference,
  zipPackage,
} from '../support/packages';

const NOW = '2025-03-01T12:00:00.000Z';
const expected = { app: OFFER_APP };
const LIB_ID = '7d1c5b2a-1111-4222-8333-944455556666';

function navx(attributes = navxAttributes(), dependencies = ''): PackageManifest {
  const xml = navxManifest(attributes).replace(
    /<Dependencies>.*<\/Dependencies>/,
    `<Dependencies>${dependencies}</Dependencies>`,
  );
  const parsed = parseNavxManifest(xml);
  if ('finding' in parsed) throw new Error(parsed.finding.message);
  return parsed.manifest;
}

function dependency(publisher: string, version = '2.0.0.0', id = LIB_ID): string {
  return `<Dependency Id="${id}" Name="Contoso Library" Publisher="${publisher}" MinVersion="${version}" />`;
}

function catalogOf(...entries: CatalogEntry[]): Map<string, CatalogEntry[]> {
  const map = new Map<string, CatalogEntry[]>();
  for (const e of entries) map.set(normalizeAppId(e.appId), [...(map.get(normalizeAppId(e.appId)) ?? []), e]);
  return map;
}

const rules = (report: PackageReport) => report.findings.map((f) => f.rule);

describe('dependencies.unresolved', () => {
  it("stays quiet for Microsoft's apps, whatever their version", () => {
    expect(dependencyFindings(navx(undefined, dependency('Microsoft', '99.0.0.0')), new Map())).toEqual([]);
    expect(dependencyFindings(navx(undefined, dependency('microsoft')), new Map())).toEqual([]);
  });

  it('stays quiet for an app live here at that version or higher', () => {
    const live = (liveVersion: string) =>
      catalogOf({ appId: `{${LIB_ID.toUpperCase()}}`, offerId: 'lib', liveVersion });
    const manifest = navx(undefined, dependency('Fabrikam', '2.0.0.0'));
    expect(dependencyFindings(manifest, live('2.0.0.0'))).toEqual([]);
    expect(dependencyFindings(manifest, live('2.10.0.0'))).toEqual([]);
  });

  it('reports an app that is live only at a lower version, naming both versions', () => {
    const manifest = navx(undefined, dependency('Fabrikam', '2.0.0.0'));
    const found = dependencyFindings(
      manifest,
      catalogOf({ appId: LIB_ID, offerId: 'lib', liveVersion: '1.9.0.0' }),
    );
    expect(found).toEqual([
      {
        rule: 'dependencies.unresolved',
        severity: 'error',
        message: expect.stringContaining('only version 1.9.0.0 is live here'),
        path: 'NavxManifest.xml#Dependencies[0]',
      },
    ]);
    expect(found[0]?.message).toMatch(/^AVS0101: .*"Contoso Library" by Fabrikam .*2\.0\.0\.0 or higher/);
  });

  it('reports an app not live here at all, even one that only passed validation', () => {
    const passedOnly = catalogOf({ appId: LIB_ID, offerId: 'lib', passedAt: NOW });
    expect(dependencyFindings(navx(undefined, dependency('Fabrikam')), passedOnly)).toHaveLength(1);
    const zip = parseAppJson(
      JSON.stringify(
        appJson({ dependencies: [{ id: LIB_ID, name: 'L', publisher: 'Fabrikam', version: '1.0.0.0' }] }),
      ),
    );
    if ('finding' in zip) throw new Error('app.json');
    expect(dependencyFindings(zip.manifest, new Map()).map((f) => f.path)).toEqual([
      'app.json#dependencies[0]',
    ]);
  });
});

describe('manifest.app-id-taken', () => {
  const manifest = navx();

  it('stays quiet when only this offer uses the id, or nobody does', () => {
    expect(appIdFindings(manifest, 'contoso-sales', [])).toEqual([]);
    const own = { appId: OFFER_APP.id, offerId: 'contoso-sales', liveVersion: '1.0.0.0', passedAt: NOW };
    expect(appIdFindings(manifest, 'contoso-sales', [own])).toEqual([]);
  });

  it('reports an id live in another offer', () => {
    const other = { appId: OFFER_APP.id, offerId: 'fabrikam-sales', liveVersion: '3.0.0.0' };
    expect(appIdFindings(manifest, 'contoso-sales', [other])).toEqual([
      {
        rule: 'manifest.app-id-taken',
        severity: 'error',
        message: expect.stringMatching(/offer "fabrikam-sales".*live there at version 3\.0\.0\.0/),
        path: 'NavxManifest.xml#Id',
      },
    ]);
  });

  it('reports an id whose package passed validation in another offer', () => {
    const other = { appId: OFFER_APP.id, offerId: 'fabrikam-sales', passedAt: NOW };
    expect(appIdFindings(manifest, 'contoso-sales', [other])[0]?.message).toContain(
      'passed validation there',
    );
  });
});

describe('manifest.runtime-too-new', () => {
  it.each([
    ['13.0', '24.0.0.0'],
    ['12.1', '24.0.0.0'],
    ['6.0', '17.0.0.0'],
    // Before Business Central 17 runtimes did not follow the releases: no rule.
    ['9.0', '16.0.0.0'],
  ])('stays quiet for runtime %s on application %s', (Runtime, Application) => {
    expect(runtimeFindings(navx(navxAttributes({ Runtime, Application })))).toEqual([]);
  });

  it('stays quiet when runtime or application is not given', () => {
    expect(runtimeFindings(navx(navxAttributes({ Runtime: '' })))).toEqual([]);
    expect(runtimeFindings(navx(navxAttributes({ Application: '' })))).toEqual([]);
  });

  it('reports a runtime newer than the application release supports', () => {
    expect(runtimeFindings(navx(navxAttributes({ Runtime: '14.0', Application: '24.0.0.0' })))).toEqual([
      {
        rule: 'manifest.runtime-too-new',
        severity: 'error',
        message: expect.stringMatching(
          /^AVS0002: runtime 14\.0 .*Business Central 24.*newest runtime is 13\.x/,
        ),
        path: 'NavxManifest.xml#Runtime',
      },
    ]);
  });
});

describe('messages name the app.json key with the NavxManifest attribute beside it', () => {
  it('names privacyStatement and PrivacyStatement for a .app', () => {
    const [finding] = manifestFindings(navx(navxAttributes({ PrivacyStatement: '' })), {});
    expect(finding?.message).toContain(
      '"privacyStatement" in app.json (NavxManifest attribute PrivacyStatement)',
    );
    expect(finding?.path).toBe('NavxManifest.xml#PrivacyStatement');
  });

  it('names the app.json key alone for a zip with app.json', () => {
    const zip = parseAppJson(JSON.stringify(appJson({ EULA: '' })));
    if ('finding' in zip) throw new Error('app.json');
    expect(manifestFindings(zip.manifest, {})[0]?.message).toContain('set "EULA" in app.json and');
  });
});

describe('package.unsigned', () => {
  it('stays quiet for a signed .app and for a zip with app.json', async () => {
    const signed = await validatePackage(bufferSource(appPackage()), expected, 'o/p.app', NOW);
    expect(signed.findings).toEqual([]);
    const zip = await validatePackage(bufferSource(zipPackage()), expected, 'o/p.zip', NOW);
    expect(zip.findings).toEqual([]);
  });

  it('warns about a .app with nothing after its zip, and still passes it', async () => {
    const report = await validatePackage(
      bufferSource(appPackage(undefined, {}, false)),
      expected,
      'o/p.app',
      NOW,
    );
    expect(report.findings).toEqual([
      expect.objectContaining({ rule: 'package.unsigned', severity: 'warning' }),
    ]);
    expect(report.state).toBe('Passed');
  });
});

describe('symbols.unreadable', () => {
  const validate = (bytes: Buffer) => validatePackage(bufferSource(bytes), expected, 'o/p.app', NOW);

  it('reads symbols with a BOM and trailing bytes, and without a BOM', async () => {
    const trailing = symbolReference(baseSymbols(), { trailing: Buffer.from('\0\0\0 signature-ish bytes') });
    expect((await validate(appWithSymbols(trailing))).findings).toEqual([]);
    expect((await validate(appWithSymbols(symbolReference(baseSymbols(), { bom: false })))).findings).toEqual(
      [],
    );
  });

  it('warns when SymbolReference.json is missing or is not JSON, and still passes', async () => {
    const missing = await validate(appWithSymbols(null));
    expect(missing.findings).toEqual([
      expect.objectContaining({
        rule: 'symbols.unreadable',
        severity: 'warning',
        message: expect.stringContaining('is missing'),
        path: 'SymbolReference.json',
      }),
    ]);
    expect(missing.state).toBe('Passed');
    const broken = await validate(appWithSymbols(Buffer.from('\ufeff{"Tables":[{"Id":1,')));
    expect(broken.findings).toEqual([
      expect.objectContaining({
        rule: 'symbols.unreadable',
        message: expect.stringContaining('not valid JSON'),
      }),
    ]);
  });

  it('does not inflate a SymbolReference.json declared larger than the cap', async () => {
    const content = buildZip([
      { name: 'NavxManifest.xml', data: Buffer.from(navxManifest()) },
      {
        name: 'SymbolReference.json',
        data: symbolReference(),
        method: 0,
        declaredUncompressed: 65 * 1024 * 1024,
        declaredCompressed: 1024 * 1024,
      },
      { name: 'logo/contoso.png', data: Buffer.from('89504e470d0a1a0a', 'hex'), method: 0 },
    ]);
    const report = await validate(appPackage(content));
    expect(report.findings).toEqual([
      expect.objectContaining({
        rule: 'symbols.unreadable',
        message: expect.stringContaining('over the 64 MiB'),
      }),
    ]);
  });

  it('does not read symbols in a zip with app.json', async () => {
    const report = await validatePackage(bufferSource(zipPackage()), expected, 'o/p.zip', NOW);
    expect(report.findings).toEqual([]);
  });
});

describe('symbols.missing-affix through validation', () => {
  it('uses the offer mandatoryAffixes', async () => {
    const doc = baseSymbols();
    (doc.Codeunits?.[0] as SymbolObjectSpec).Name = 'Forecast Mgt.';
    const bytes = appWithSymbols(symbolReference(doc));
    const quiet = await validatePackage(bufferSource(bytes), expected, 'o/p.app', NOW);
    expect(quiet.findings).toEqual([]);
    const strict = await validatePackage(
      bufferSource(bytes),
      { ...expected, mandatoryAffixes: ['CSI'] },
      'o/p.app',
      NOW,
    );
    expect(strict.state).toBe('Failed');
    expect(strict.findings.map((f) => f.path)).toEqual([
      'SymbolReference.json#Codeunit 50100 "Forecast Mgt."',
    ]);
  });
});

describe('symbols.breaking-change through validation', () => {
  const live = appWithSymbols(symbolReference(baseSymbols(), { version: '1.1.0.0' }));
  const baseline = (bytes: Buffer | undefined) => ({
    baseline: async () => (bytes ? { source: bufferSource(bytes), name: 'contoso/live/p.app' } : undefined),
  });

  function nextApp(edit: (doc: SymbolDoc) => void): Buffer {
    const doc = structuredClone(baseSymbols());
    edit(doc);
    return appWithSymbols(symbolReference(doc));
  }

  it('stays quiet without a live version, and when the next version only adds', async () => {
    const removed = nextApp((doc) => {
      doc.Tables = [];
    });
    const noBaseline = await validatePackage(
      bufferSource(removed),
      expected,
      'o/p.app',
      NOW,
      baseline(undefined),
    );
    expect(noBaseline.findings).toEqual([]);
    const adds = nextApp((doc) => {
      doc.Codeunits?.push({ Id: 50109, Name: 'CSI Extra' });
    });
    expect(
      (await validatePackage(bufferSource(adds), expected, 'o/p.app', NOW, baseline(live))).findings,
    ).toEqual([]);
  });

  it('reads the live package as the baseline and reports one finding per break', async () => {
    const next = nextApp((doc) => {
      const table = doc.Tables?.[0] as SymbolObjectSpec;
      table.Fields = table.Fields?.filter((f) => f.Id !== 3) ?? [];
      (doc.Codeunits?.[0] as SymbolObjectSpec).Methods?.shift();
    });
    const report = await validatePackage(bufferSource(next), expected, 'o/p.app', NOW, baseline(live));
    expect(report.state).toBe('Failed');
    expect(report.findings.map((f) => [f.rule, f.path])).toEqual([
      [
        'symbols.breaking-change',
        'SymbolReference.json#Table 50100 "CSI Sales Forecast"/Field 3 "Customer No."',
      ],
      [
        'symbols.breaking-change',
        'SymbolReference.json#Codeunit 50100 "CSI Forecast Mgt."/procedure Forecast(Code[20]; var Decimal): Boolean',
      ],
    ]);
  });

  it('warns, without failing, when the live package has no readable symbols', async () => {
    const report = await validatePackage(
      bufferSource(appPackage()),
      expected,
      'o/p.app',
      NOW,
      baseline(appWithSymbols(null)),
    );
    expect(report.findings).toEqual([
      expect.objectContaining({
        rule: 'symbols.unreadable',
        message: expect.stringContaining("live package's"),
      }),
    ]);
    expect(report.state).toBe('Passed');
  });

  it('compares 20 MiB of symbols with a 20 MiB baseline and finds the one removed field', async () => {
    const doc = largeSymbols(20 * 1024 * 1024);
    const liveBytes = symbolReference(doc, { version: '1.1.0.0' });
    expect(liveBytes.length).toBeGreaterThan(20 * 1024 * 1024);
    const table = doc.Tables?.[1000] as SymbolObjectSpec;
    const removed = table.Fields?.splice(5, 1)[0];
    const next = appPackage(navxContent(navxManifest(), [], symbolReference(doc)));
    const report = await validatePackage(
      bufferSource(next),
      expected,
      'o/p.app',
      NOW,
      baseline(appPackage(navxContent(navxManifest(), [], liveBytes))),
    );
    expect(rules(report)).toEqual(['symbols.breaking-change']);
    expect(report.findings[0]?.path).toBe(
      `SymbolReference.json#Table ${table.Id} "${table.Name}"/Field 6 "${removed?.Name}"`,
    );
  });
});

describe('the offer field mandatoryAffixes', () => {
  it('accepts a list of 2-8 character strings', () => {
    expect(offerDraftSchema.safeParse({ mandatoryAffixes: ['CS', 'CONTOSO1'] }).success).toBe(true);
    expect(offerDraftSchema.safeParse({}).success).toBe(true);
  });

  it.each([[['C']], [['CONTOSO12']], [Array.from({ length: 11 }, (_, i) => `AB${i}`)], ['CSI']])(
    'rejects %j',
    (mandatoryAffixes) => {
      expect(offerDraftSchema.safeParse({ mandatoryAffixes }).success).toBe(false);
    },
  );
});
