import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  SymbolObjectSpec,
  appWithSymbols,
  baseSymbols,
  compilerShapedSymbols,
  navxAttributes,
  navxManifest,
  symbolReference,
} from '../support/packages';

const ROOT = path.resolve(__dirname, '../..');

/** npm run check:real-apps -- DIR, over packages built like the compiler's (jest's setup compiled dist/). */
describe('check:real-apps', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'real-apps-'));
    mkdirSync(path.join(dir, '.alpackages'));
    const version = (v: string, doc = baseSymbols()) =>
      appWithSymbols(symbolReference(doc, { version: v }), navxManifest(navxAttributes({ Version: v })));
    const next = baseSymbols();
    const field = (next.Tables?.[0] as SymbolObjectSpec).Fields?.[2];
    if (field) field.TypeDefinition = { Name: 'Code[10]' };
    writeFileSync(path.join(dir, 'Contoso_Sales_1.1.0.0.app'), version('1.1.0.0'));
    writeFileSync(path.join(dir, 'Contoso_Sales_1.2.0.0.app'), version('1.2.0.0', next));
    writeFileSync(
      path.join(dir, '.alpackages', 'Contoso_Shapes_1.0.0.0.app'),
      appWithSymbols(
        symbolReference(compilerShapedSymbols()),
        navxManifest(navxAttributes({ Id: '0d6b3a51-7a0e-4f7e-9a55-3c1c1a2b3c4d', Version: '1.0.0.0' })),
      ),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints every report, what the reader found, and each version as an update of the one before', () => {
    const out = execFileSync(process.execPath, [path.join(ROOT, 'dist/scripts/check-real-apps.js'), dir], {
      encoding: 'utf8',
    });
    expect(out).toContain('== .alpackages/Contoso_Shapes_1.0.0.0.app');
    expect(out).toMatch(/symbols: 6 objects .*\n {2}in a namespace: 3 \(2 namespaces\)/);
    expect(out).toContain('== Contoso_Sales_1.2.0.0.app as an update of Contoso_Sales_1.1.0.0.app');
    expect(out).toContain(
      'error symbols.breaking-change at SymbolReference.json#Table 50100 "CSI Sales Forecast"/Field 3 "Customer No."',
    );
    expect(out).toMatch(/AS0080: .*from Code\[20\] to Code\[10\]/);
    expect(out).toContain('3 package(s), 3 passed, 0 failed');
  });

  it('says how to call it when no folder is given', () => {
    expect(() =>
      execFileSync(process.execPath, [path.join(ROOT, 'dist/scripts/check-real-apps.js')], { stdio: 'pipe' }),
    ).toThrow(/usage: npm run check:real-apps -- DIR/);
  });
});
