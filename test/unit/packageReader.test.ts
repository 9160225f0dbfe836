import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  RandomAccessSource,
  SourceReadError,
  bufferSource,
  cachedSource,
  fileSource,
  sliceSource,
  validatePackage,
} from '../../shared/adapters/package';
import {
  OFFER_APP,
  appJson,
  appPackage,
  buildZip,
  hostileCases,
  navxAttributes,
  navxContent,
  navxManifest,
  noise,
  zipPackage,
} from '../support/packages';

const NOW = '2025-03-01T12:00:00.000Z';
const expected = { app: OFFER_APP, lastLiveVersion: '1.1.0.0' };

/** Counts what the reader asks for, to pin that only the directory and manifest are read. */
function counting(source: RandomAccessSource) {
  const stats = { bytes: 0, reads: 0 };
  return {
    stats,
    source: {
      size: source.size,
      read: async (offset: number, length: number) => {
        const bytes = await source.read(offset, length);
        stats.bytes += bytes.length;
        stats.reads += 1;
        return bytes;
      },
    },
  };
}

const rulesOf = (report: { findings: { rule: string }[] }) => report.findings.map((f) => f.rule);

describe('validatePackage on valid packages', () => {
  it('passes a zip with app.json that matches the offer', async () => {
    const report = await validatePackage(bufferSource(zipPackage()), expected, 'contoso-sales/app.zip', NOW);
    expect(report).toMatchObject({
      blobName: 'contoso-sales/app.zip',
      state: 'Passed',
      findings: [],
      validatedAt: NOW,
    });
    expect(report.manifest).toMatchObject({ format: 'zip', ...OFFER_APP, logo: 'logo/contoso.png' });
  });

  it('passes a signed .app and reports the header package id, not the app id', async () => {
    const report = await validatePackage(
      bufferSource(appPackage()),
      expected,
      'contoso-sales/Contoso_Sales_1.2.0.0.app',
      NOW,
    );
    expect(report.findings).toEqual([]);
    expect(report.state).toBe('Passed');
    expect(report.packageId).toBe('33221100-5544-7766-8899-aabbccddeeff');
    expect(report.manifest).toMatchObject({
      format: 'app',
      ...OFFER_APP,
      logo: '/logo/contoso.png',
      runtime: '13.0',
    });
  });

  it('recognises a .app by its header whatever the blob is called', async () => {
    const report = await validatePackage(
      bufferSource(appPackage()),
      expected,
      'contoso-sales/upload.bin',
      NOW,
    );
    expect(report.manifest?.format).toBe('app');
  });

  it('reports a mismatch with both values', async () => {
    const bytes = appPackage(navxContent(navxManifest(navxAttributes({ Version: '1.0.0.0' }))));
    const report = await validatePackage(bufferSource(bytes), { app: OFFER_APP }, 'o/p.app', NOW);
    expect(report.state).toBe('Failed');
    expect(report.findings).toEqual([
      expect.objectContaining({
        rule: 'manifest.version-mismatch',
        message: 'NavxManifest.xml Version is 1.0.0.0 but the offer says 1.2.0.0; make them equal.',
      }),
    ]);
  });

  it('reports each missing marketplace field of a .app', async () => {
    const blank = { Brief: '', Description: '', PrivacyStatement: '', EULA: '', Help: '', Url: '', Logo: '' };
    const bytes = appPackage(navxContent(navxManifest(navxAttributes(blank))));
    const report = await validatePackage(bufferSource(bytes), expected, 'o/p.app', NOW);
    expect(report.findings.map((f) => f.path)).toEqual(
      Object.keys(blank).map((k) => `NavxManifest.xml#${k}`),
    );
    expect(new Set(rulesOf(report))).toEqual(new Set(['manifest.missing-field']));
  });

  it('reports a version that is not higher than the live one', async () => {
    const report = await validatePackage(
      bufferSource(zipPackage()),
      { lastLiveVersion: '1.2.0.0' },
      'o/p.zip',
      NOW,
    );
    expect(rulesOf(report)).toEqual(['manifest.version-not-higher']);
  });
});

describe('validatePackage on hostile and damaged packages', () => {
  it.each(Object.entries(hostileCases()))('rejects %s', async (_, { bytes, fileName, rule }) => {
    const report = await validatePackage(bufferSource(bytes), expected, `o/${fileName}`, NOW);
    expect(report.state).toBe('Failed');
    expect(rulesOf(report)).toContain(rule);
    expect(report.findings.find((f) => f.rule === rule)?.severity).toBe('error');
  });

  it('reports a zip without app.json at its root', async () => {
    const bytes = buildZip([{ name: 'MyApp/app.json', data: Buffer.from(JSON.stringify(appJson())) }]);
    const report = await validatePackage(bufferSource(bytes), expected, 'o/p.zip', NOW);
    expect(rulesOf(report)).toEqual(['manifest.missing']);
  });

  it('reports an unparseable manifest', async () => {
    const bytes = buildZip([{ name: 'app.json', data: Buffer.from('{ "id": ') }]);
    const report = await validatePackage(bufferSource(bytes), expected, 'o/p.zip', NOW);
    expect(rulesOf(report)).toEqual(['manifest.unparseable']);
  });

  it('reports a manifest whose checksum does not match', async () => {
    const bytes = zipPackage();
    const dataStart = 30 + 'app.json'.length;
    bytes[dataStart + 3] = (bytes[dataStart + 3] ?? 0) ^ 0xff;
    const report = await validatePackage(bufferSource(bytes), expected, 'o/p.zip', NOW);
    expect(rulesOf(report)).toEqual(['zip.corrupt']);
  });

  it('stops inflating a manifest at 1 MiB whatever its header says', async () => {
    const { bytes } = hostileCases().manifestInflatesTooLarge;
    const { source, stats } = counting(bufferSource(bytes));
    const report = await validatePackage(source, expected, 'o/p.zip', NOW);
    expect(rulesOf(report)).toEqual(['zip.manifest-too-large']);
    expect(stats.bytes).toBeLessThanOrEqual(bytes.length);
  });

  it('reads the zip of a .app only up to its content length, ignoring the signature', async () => {
    const content = navxContent();
    // A signature that itself looks like the end of a zip must not be read as part of the package.
    const fakeEnd = buildZip([{ name: 'app.json', data: Buffer.from('{}') }]);
    const bytes = Buffer.concat([appPackage(content, {}, false), fakeEnd]);
    const report = await validatePackage(bufferSource(bytes), expected, 'o/p.app', NOW);
    expect(report.findings).toEqual([]);
  });

  it('throws a source failure instead of reporting a damaged package', async () => {
    const failing: RandomAccessSource = {
      size: 1000,
      read: () => Promise.reject(new SourceReadError('storage unavailable')),
    };
    await expect(validatePackage(failing, expected, 'o/p.zip', NOW)).rejects.toBeInstanceOf(SourceReadError);
  });
});

describe('bounded reading', () => {
  it('reads the directory and manifest of a 32 MiB package, not its content', async () => {
    const big = zipPackage(appJson(), [
      { name: 'data/a.bin', data: noise(16 * 1024 * 1024, 3), method: 0 },
      { name: 'data/b.bin', data: noise(16 * 1024 * 1024, 5), method: 0 },
    ]);
    const { source, stats } = counting(bufferSource(big));
    const report = await validatePackage(source, expected, 'o/p.zip', NOW);
    expect(report.state).toBe('Passed');
    expect(stats.bytes).toBeLessThan(big.length / 100);
  });

  it('serves nearby small reads from one cached block', async () => {
    const { source, stats } = counting(bufferSource(noise(300 * 1024)));
    const cached = cachedSource(source);
    for (let at = 0; at < 60_000; at += 46) await cached.read(at, 46);
    expect(stats.reads).toBe(1);
    expect(await cached.read(65_530, 12)).toEqual(await source.read(65_530, 12));
  });

  it('slices a source and clamps reads at its end', async () => {
    const slice = sliceSource(bufferSource(Buffer.from('0123456789')), 2, 5);
    expect(slice.size).toBe(5);
    expect((await slice.read(3, 10)).toString()).toBe('56');
    expect((await slice.read(5, 1)).length).toBe(0);
  });
});

describe('file source', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'package-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validates a .app from a local file', async () => {
    const file = path.join(dir, 'p.app');
    writeFileSync(file, appPackage());
    const source = await fileSource(file);
    try {
      const report = await validatePackage(source, expected, 'o/p.app', NOW);
      expect(report.state).toBe('Passed');
      expect((await source.read(source.size - 4, 100)).length).toBe(4);
    } finally {
      await source.close();
    }
  });
});
