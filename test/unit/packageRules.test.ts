import {
  Finding,
  PackageManifest,
  capPerRule,
  compareVersions,
  completedReport,
  manifestFindings,
  parseAppJson,
  parseManifest,
  parseNavxHeader,
  parseNavxManifest,
  pendingReport,
} from '../../shared/domain/package';
import { parseXml } from '../../shared/domain/package/xml';
import { OFFER_APP, appJson, navxAttributes, navxHeader, navxManifest } from '../support/packages';

function manifestOf(parse: ReturnType<typeof parseAppJson>): PackageManifest {
  if ('finding' in parse) throw new Error(`unexpected finding ${parse.finding.message}`);
  return parse.manifest;
}

const zipManifest = (overrides: Record<string, unknown> = {}) =>
  manifestOf(parseAppJson(JSON.stringify(appJson(overrides))));
const appManifest = (overrides: Record<string, string> = {}, ranges?: [number | string, number | string][]) =>
  manifestOf(parseNavxManifest(navxManifest(navxAttributes(overrides), ranges)));
const rules = (findings: Finding[]) => findings.map((f) => f.rule);

describe('manifest parsing', () => {
  it('reads app.json fields, id ranges and the legacy idRange', () => {
    const m = zipManifest({ idRanges: undefined, idRange: { from: 50000, to: 50010 } });
    expect(m).toMatchObject({ format: 'zip', id: OFFER_APP.id, eula: 'https://contoso.example.com/eula' });
    expect(m.idRanges).toEqual([{ from: 50000, to: 50010 }]);
  });

  it('reads NavxManifest.xml attributes, decoding references, and treats empty ones as missing', () => {
    const m = appManifest({ Brief: '', Description: 'Sales &amp; &#x41;&#66; &quot;x&quot;' });
    expect(m.brief).toBeUndefined();
    expect(m.description).toBe('Sales & AB "x"');
    expect(m.logo).toBe('/logo/contoso.png');
    expect(m.idRanges).toEqual([{ from: 50100, to: 50149 }]);
    expect(m.dependencies).toEqual([
      {
        id: '63ca2fa4-4f03-4f2b-a480-172fef340d3f',
        name: 'System Application',
        publisher: 'Microsoft',
        version: '24.0.0.0',
      },
    ]);
  });

  it('reads a UTF-16 manifest with a byte order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(navxManifest(), 'utf16le')]);
    const parsed = parseManifest('app', bytes);
    expect('manifest' in parsed && parsed.manifest.name).toBe(OFFER_APP.name);
  });

  it.each([
    ['not JSON', 'zip', '{"id": '],
    ['a JSON array', 'zip', '[]'],
    [
      'a DTD (entity expansion)',
      'app',
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Package><App Id="&a;"/></Package>',
    ],
    ['an undefined entity', 'app', '<Package><App Name="&foo;"/></Package>'],
    ['no Package/App', 'app', '<Package><Other/></Package>'],
    ['mismatched tags', 'app', '<Package><App></Package></App>'],
    ['content after the root', 'app', '<Package><App/></Package><Package/>'],
    ['invalid UTF-8', 'app', Buffer.from([0x3c, 0xc3, 0x28])],
  ] as const)('reports manifest.unparseable for %s', (_, format, text) => {
    const parsed = parseManifest(format, typeof text === 'string' ? Buffer.from(text) : text);
    expect('finding' in parsed && parsed.finding.rule).toBe('manifest.unparseable');
  });

  it('refuses deeply nested XML instead of overflowing the stack', () => {
    expect(() => parseXml('<a>'.repeat(10_000) + '</a>'.repeat(10_000))).toThrow(/nested deeper/);
  });
});

describe('manifest rules', () => {
  it('finds nothing wrong with a complete manifest that matches the offer', () => {
    expect(manifestFindings(zipManifest(), { app: OFFER_APP, lastLiveVersion: '1.1.0.0' })).toEqual([]);
    const names = new Set(['logo/contoso.png']);
    expect(manifestFindings(appManifest(), { app: OFFER_APP }, names)).toEqual([]);
  });

  it('names both values in a mismatch', () => {
    const findings = manifestFindings(zipManifest({ version: '1.0.0.0' }), { app: OFFER_APP });
    expect(findings).toEqual([
      {
        rule: 'manifest.version-mismatch',
        severity: 'error',
        message: 'app.json version is 1.0.0.0 but the offer says 1.2.0.0; make them equal.',
        path: 'app.json#version',
      },
    ]);
  });

  it.each([
    ['id', { id: '11111111-2222-3333-4444-555555555555' }, 'manifest.id-mismatch'],
    ['name', { name: 'Fabrikam Sales' }, 'manifest.name-mismatch'],
    ['publisher', { publisher: 'Fabrikam' }, 'manifest.publisher-mismatch'],
    ['version', { version: '1.3.0.0' }, 'manifest.version-mismatch'],
  ])('reports a %s mismatch as an error', (_, override, rule) => {
    const findings = manifestFindings(zipManifest(override), { app: OFFER_APP });
    expect(rules(findings)).toEqual([rule]);
    expect(findings[0]?.severity).toBe('error');
  });

  it('compares ids without case or braces and versions numerically', () => {
    const m = zipManifest({ id: `{${OFFER_APP.id.toUpperCase()}}`, version: '01.2.0.0' });
    expect(manifestFindings(m, { app: OFFER_APP })).toEqual([]);
  });

  it('uses the NavxManifest spelling in messages', () => {
    const findings = manifestFindings(appManifest({ Publisher: 'Fabrikam' }), { app: OFFER_APP });
    expect(findings[0]?.message).toBe(
      'NavxManifest.xml Publisher is Fabrikam but the offer says Contoso; make them equal.',
    );
  });

  it.each([
    'id',
    'name',
    'publisher',
    'version',
    'brief',
    'description',
    'privacyStatement',
    'EULA',
    'help',
    'url',
    'logo',
  ])('reports a missing %s', (field) => {
    const findings = manifestFindings(zipManifest({ [field]: '' }), {});
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'manifest.missing-field',
        severity: 'error',
        path: `app.json#${field}`,
      }),
    ]);
  });

  it('checks the id is a GUID and the version has four numeric parts', () => {
    expect(rules(manifestFindings(zipManifest({ id: 'not-a-guid' }), {}))).toEqual(['manifest.id-not-guid']);
    expect(rules(manifestFindings(zipManifest({ version: '1.2.3' }), {}))).toEqual([
      'manifest.version-format',
    ]);
    expect(rules(manifestFindings(zipManifest({ version: '1.2.x.0' }), {}))).toEqual([
      'manifest.version-format',
    ]);
  });

  it('requires a version higher than the live one', () => {
    expect(rules(manifestFindings(zipManifest(), { lastLiveVersion: '1.2.0.0' }))).toEqual([
      'manifest.version-not-higher',
    ]);
    expect(rules(manifestFindings(zipManifest(), { lastLiveVersion: '1.10.0.0' }))).toEqual([
      'manifest.version-not-higher',
    ]);
    expect(manifestFindings(zipManifest({ version: '1.10.0.0' }), { lastLiveVersion: '1.9.0.0' })).toEqual(
      [],
    );
    expect(compareVersions('2.0.0.0', '1.99.99.99')).toBe(1);
  });

  it.each(['http://contoso.example.com/help', 'contoso.example.com', '/help', 'https://'])(
    'requires https URLs, not %s',
    (url) => {
      const findings = manifestFindings(zipManifest({ help: url }), {});
      expect(findings).toEqual([
        expect.objectContaining({ rule: 'manifest.url-not-https', path: 'app.json#help' }),
      ]);
    },
  );

  it.each([
    ['reversed', [{ from: 50149, to: 50100 }]],
    ['zero', [{ from: 0, to: 10 }]],
    ['not a number', [{ from: 'abc', to: 10 }]],
    ['missing to', [{ from: 1 }]],
  ])('reports %s id ranges as invalid', (_, idRanges) => {
    const findings = manifestFindings(zipManifest({ idRanges }), {});
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'manifest.idranges-invalid', severity: 'error' }),
    ]);
  });

  it('warns when no id ranges are declared', () => {
    const findings = manifestFindings(zipManifest({ idRanges: [] }), {});
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'manifest.idranges-invalid', severity: 'warning' }),
    ]);
  });

  it('reports overlapping id ranges, including one nested in an earlier wide range', () => {
    const ranges: [number, number][] = [
      [50000, 50999],
      [51000, 51009],
      [50500, 50510],
    ];
    const findings = manifestFindings(appManifest({}, ranges), {}, new Set(['logo/contoso.png']));
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'manifest.idranges-overlap',
        message: 'NavxManifest.xml IdRanges overlap: 50000..50999 and 50500..50510.',
      }),
    ]);
    expect(
      manifestFindings(
        appManifest({}, [
          [1, 10],
          [11, 20],
        ]),
        {},
        new Set(['logo/contoso.png']),
      ),
    ).toEqual([]);
  });

  it('warns when the .app logo names no file in the package', () => {
    const findings = manifestFindings(
      appManifest({ Logo: '/logo/missing.png' }),
      {},
      new Set(['logo/contoso.png']),
    );
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'manifest.logo-not-in-package', severity: 'warning' }),
    ]);
  });
});

describe('NAVX header', () => {
  it('reads the content length and the per-build package id', () => {
    const parsed = parseNavxHeader(navxHeader({ contentLength: 100 }), 140);
    expect(parsed).toEqual({
      header: { packageId: '33221100-5544-7766-8899-aabbccddeeff', contentLength: 100 },
    });
  });

  it.each([
    ['bad magic', navxHeader({ contentLength: 10, magic: 'ZIPX' }), 50, 'navx.bad-magic'],
    ['bad version', navxHeader({ contentLength: 10, version: 1 }), 50, 'navx.bad-version'],
    ['content past the end', navxHeader({ contentLength: 11 }), 50, 'navx.content-length'],
    ['zero content', navxHeader({ contentLength: 0 }), 50, 'navx.content-length'],
    ['negative content', navxHeader({ contentLength: -1 }), 50, 'navx.content-length'],
  ])('reports %s', (_, header, size, rule) => {
    const parsed = parseNavxHeader(header, size);
    expect('finding' in parsed && parsed.finding.rule).toBe(rule);
  });
});

describe('package report', () => {
  it('is Failed when any finding is an error and Passed with warnings only', () => {
    const warningOnly = manifestFindings(zipManifest({ idRanges: [] }), {});
    const base = { blobName: 'contoso-sales/p.zip', now: '2025-01-01T00:00:00.000Z', etag: '"e"' };
    expect(completedReport({ ...base, findings: warningOnly }).state).toBe('Passed');
    const failed = completedReport({
      ...base,
      findings: manifestFindings(zipManifest({ name: 'X' }), { app: OFFER_APP }),
    });
    expect(failed).toMatchObject({ state: 'Failed', etag: '"e"', validatedAt: base.now });
    expect(pendingReport('contoso-sales/p.zip', base.now)).toEqual({
      blobName: 'contoso-sales/p.zip',
      state: 'Pending',
      findings: [],
      validatedAt: base.now,
    });
  });

  it('keeps ten findings per rule and says how many more there were', () => {
    const many: Finding[] = Array.from({ length: 25 }, (_, i) => ({
      rule: 'zip.encrypted',
      severity: 'error',
      message: `e${i}`,
    }));
    const capped = capPerRule(many);
    expect(capped).toHaveLength(11);
    expect(capped[10]?.message).toBe('... and 15 more zip.encrypted findings.');
  });
});
