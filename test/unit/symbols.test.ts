import {
  AppSymbols,
  SymbolsError,
  affixFindings,
  breakingChanges,
  parseSymbols,
} from '../../shared/domain/package';
import { SymbolDoc, SymbolObjectSpec, baseSymbols, symbolReference } from '../support/packages';

const parse = (doc: SymbolDoc = baseSymbols(), version?: string): AppSymbols =>
  parseSymbols(symbolReference(doc, version ? { version } : {}));

/** The base symbols with one change applied to a deep copy. */
function changed(edit: (doc: SymbolDoc) => void): AppSymbols {
  const doc = structuredClone(baseSymbols());
  edit(doc);
  return parse(doc);
}

const table = (doc: SymbolDoc) => doc.Tables?.[0] as SymbolObjectSpec;
const codeunit = (doc: SymbolDoc) => doc.Codeunits?.[0] as SymbolObjectSpec;
const forecast = (doc: SymbolDoc) =>
  codeunit(doc).Methods?.[0] as NonNullable<SymbolObjectSpec['Methods']>[number];

describe('reading SymbolReference.json', () => {
  it('reads the compiler shape: app identity, objects, fields, procedures, enum values, extensions', () => {
    const symbols = parse(baseSymbols(), '1.1.0.0');
    expect(symbols).toMatchObject({ runtimeVersion: '13.0', name: 'Contoso Sales', version: '1.1.0.0' });
    const byLabel = new Map(symbols.objects.map((o) => [`${o.kind} ${o.id}`, o]));
    expect(byLabel.get('Table 50100')?.fields).toEqual([
      { id: 1, name: 'No.', type: 'Code[20]' },
      { id: 2, name: 'Amount', type: 'Decimal' },
      { id: 3, name: 'Customer No.', type: 'Code[20]' },
    ]);
    expect(byLabel.get('Codeunit 50100')?.methods[0]).toEqual({
      name: 'Forecast',
      parameters: [
        { type: 'Code[20]', isVar: false },
        { type: 'Decimal', isVar: true },
      ],
      returnType: 'Boolean',
      isLocal: false,
      isInternal: false,
    });
    expect(byLabel.get('Codeunit 50100')?.methods.map((m) => [m.name, m.isLocal, m.isInternal])).toEqual([
      ['Forecast', false, false],
      ['Reset', false, false],
      ['CalcInternal', true, false],
      ['InternalOnly', false, true],
    ]);
    expect(byLabel.get('Codeunit 50101')?.isInternal).toBe(true);
    expect(byLabel.get('Enum 50100')?.values).toEqual(['Linear', 'Seasonal']);
    expect(byLabel.get('TableExtension 50100')).toMatchObject({ targetObject: 'Customer' });
  });

  it('reads a file with a BOM and bytes after the JSON, as the compiler writes it', () => {
    const bytes = symbolReference(baseSymbols(), { trailing: Buffer.from('\r\n\0\0\x1a garbage {') });
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(parseSymbols(bytes).objects).toHaveLength(parse().objects.length);
  });

  it('reads objects nested under Namespaces with their namespace', () => {
    const doc: SymbolDoc = {
      Namespaces: [
        {
          Name: 'Contoso',
          Namespaces: [{ Name: 'Sales', Tables: [{ Id: 50110, Name: 'CSI Nested', Fields: [] }] }],
          Codeunits: [{ Id: 50111, Name: 'CSI Outer' }],
        },
      ],
    };
    const objects = parse(doc).objects;
    expect(objects.map((o) => [o.kind, o.id])).toEqual([
      ['Table', 50110],
      ['Codeunit', 50111],
    ]);
    expect(objects[1]?.namespace).toBe('Contoso');
    expect(objects[0]?.namespace).toMatch(/Sales$/);
  });

  it('decodes escaped names and skips members it does not read, brackets inside strings included', () => {
    const [page] = parseSymbols(
      Buffer.from(
        '{"Pages":[{"Id":1,"Controls":[{"Controls":[{"Name":"x}]\\"","Caption":"a } ]"}]}],"Name":"CSI \\"Quoted\\" \u00e9"}]}',
      ),
    ).objects;
    expect(page).toMatchObject({ kind: 'Page', id: 1, name: 'CSI "Quoted" \u00e9' });
    const names = parseSymbols(
      Buffer.from(JSON.stringify({ Tables: [{ Id: 2, Caption: 'ends \\', Name: 'CSI \\' }] })),
    );
    expect(names.objects[0]?.name).toBe('CSI \\');
  });

  it.each([
    ['not JSON', 'PK\u0003\u0004 binary'],
    ['truncated', '{"Tables":[{"Id":1,"Name":"CSI'],
    ['an unterminated object', '{"Tables":[]'],
    ['nesting too deep', `{"Tables":[${'['.repeat(100)}`],
  ])('refuses %s with a SymbolsError', (_what, text) => {
    expect(() => parseSymbols(Buffer.from(text))).toThrow(SymbolsError);
  });
});

describe('symbols.breaking-change', () => {
  const live = parse(baseSymbols(), '1.1.0.0');
  const breaks = (next: AppSymbols) => breakingChanges(live, next);

  it('stays quiet when the next version only adds', () => {
    const next = changed((doc) => {
      table(doc).Fields?.push({ Id: 4, Name: 'CSI Note', TypeDefinition: { Name: 'Text', Length: 100 } });
      codeunit(doc).Methods?.push({ Name: 'NewProcedure' });
      doc.EnumTypes?.[0]?.Values?.push({ Name: 'Neural', Ordinal: 2 });
      doc.Tables?.push({ Id: 50101, Name: 'CSI New Table', Fields: [] });
      // An overload beside the unchanged procedure is an addition too.
      codeunit(doc).Methods?.push({ Name: 'Forecast', Parameters: [] });
    });
    expect(breaks(next)).toEqual([]);
    expect(breaks(parse())).toEqual([]);
  });

  it('stays quiet when local and internal procedures and internal objects go', () => {
    const next = changed((doc) => {
      codeunit(doc).Methods = codeunit(doc).Methods?.filter((m) => !m.IsLocal && !m.IsInternal) ?? [];
      table(doc).Methods = table(doc).Methods?.filter((m) => !m.IsLocal) ?? [];
      doc.Codeunits = doc.Codeunits?.filter((c) => c.Id !== 50101) ?? [];
    });
    expect(breaks(next)).toEqual([]);
  });

  it('reports a removed field with AS0002 and a path naming table and field', () => {
    const next = changed((doc) => {
      table(doc).Fields = table(doc).Fields?.filter((f) => f.Id !== 2) ?? [];
    });
    expect(breaks(next)).toEqual([
      {
        rule: 'symbols.breaking-change',
        severity: 'error',
        message: expect.stringMatching(
          /^AS0002: Field 2 "Amount" was removed from Table 50100 "CSI Sales Forecast"/,
        ),
        path: 'SymbolReference.json#Table 50100 "CSI Sales Forecast"/Field 2 "Amount"',
      },
    ]);
  });

  it('reports a renamed field (AS0005) and a retyped one (AS0004), one finding each', () => {
    const next = changed((doc) => {
      const fields = table(doc).Fields ?? [];
      fields[0] = { Id: 1, Name: 'Number', TypeDefinition: CODE20() };
      fields[2] = { Id: 3, Name: 'Customer No.', TypeDefinition: { Name: 'Integer' } };
    });
    const found = breaks(next);
    expect(found.map((f) => [f.message.slice(0, 6), f.path])).toEqual([
      ['AS0005', 'SymbolReference.json#Table 50100 "CSI Sales Forecast"/Field 1 "No."'],
      ['AS0004', 'SymbolReference.json#Table 50100 "CSI Sales Forecast"/Field 3 "Customer No."'],
    ]);
    expect(found[1]?.message).toContain('from Code[20] to Integer');
  });

  it('reports removed tables, pages, codeunits and enums, each with its code', () => {
    const next = changed((doc) => {
      doc.Tables = [];
      doc.Pages = [];
      doc.Codeunits = [];
      doc.EnumTypes = [];
    });
    expect(breaks(next).map((f) => [f.message.slice(0, 6), f.path])).toEqual([
      ['AS0001', 'SymbolReference.json#Table 50100 "CSI Sales Forecast"'],
      ['AS0088', 'SymbolReference.json#Codeunit 50100 "CSI Forecast Mgt."'],
      ['AS0029', 'SymbolReference.json#Page 50100 "CSI Forecast List"'],
      ['AS0088', 'SymbolReference.json#Enum 50100 "CSI Forecast Method"'],
    ]);
  });

  it('reports a renamed table (AS0006) and a removed enum value (AS0083)', () => {
    const next = changed((doc) => {
      table(doc).Name = 'CSI Forecast';
      const values = doc.EnumTypes?.[0]?.Values;
      values?.splice(0, 1);
    });
    expect(breaks(next).map((f) => [f.message.slice(0, 6), f.path])).toEqual([
      ['AS0006', 'SymbolReference.json#Table 50100 "CSI Sales Forecast"'],
      ['AS0083', 'SymbolReference.json#Enum 50100 "CSI Forecast Method"/Value "Linear"'],
    ]);
  });

  it('reports a removed public procedure (AS0018) and one made local (AS0022)', () => {
    const next = changed((doc) => {
      codeunit(doc).Methods = codeunit(doc).Methods?.filter((m) => m.Name !== 'Reset') ?? [];
      (table(doc).Methods ?? [])[0] = {
        Name: 'Recalculate',
        IsLocal: true,
        ReturnTypeDefinition: { Name: 'Boolean' },
      };
    });
    expect(breaks(next).map((f) => [f.message.slice(0, 6), f.path])).toEqual([
      ['AS0022', 'SymbolReference.json#Table 50100 "CSI Sales Forecast"/procedure Recalculate(): Boolean'],
      ['AS0018', 'SymbolReference.json#Codeunit 50100 "CSI Forecast Mgt."/procedure Reset()'],
    ]);
  });

  it.each([
    [
      'a parameter type',
      'AS0026',
      (m: ReturnType<typeof forecast>) => {
        (m.Parameters ?? [])[0] = { Name: 'CustomerNo', TypeDefinition: { Name: 'Text' } };
      },
    ],
    [
      'a var modifier',
      'AS0063',
      (m: ReturnType<typeof forecast>) => {
        (m.Parameters ?? [])[1] = { Name: 'Result', TypeDefinition: { Name: 'Decimal' } };
      },
    ],
    [
      'the return type',
      'AS0023',
      (m: ReturnType<typeof forecast>) => {
        m.ReturnTypeDefinition = { Name: 'Integer' };
      },
    ],
    [
      'the number of parameters',
      'AS0024',
      (m: ReturnType<typeof forecast>) => {
        m.Parameters?.pop();
      },
    ],
  ])('reports a changed signature: %s (%s)', (_what, code, edit) => {
    const found = breaks(changed((doc) => edit(forecast(doc))));
    expect(found).toHaveLength(1);
    expect(found[0]?.message.slice(0, 6)).toBe(code);
    expect(found[0]?.path).toBe(
      'SymbolReference.json#Codeunit 50100 "CSI Forecast Mgt."/procedure Forecast(Code[20]; var Decimal): Boolean',
    );
  });

  it('reports a removed field of a table extension', () => {
    const next = changed((doc) => {
      (doc.TableExtensions ?? [])[0] = { ...(doc.TableExtensions?.[0] as SymbolObjectSpec), Fields: [] };
    });
    expect(breaks(next).map((f) => f.path)).toEqual([
      'SymbolReference.json#TableExtension 50100 "CSI Customer Ext"/Field 50100 "CSI Forecast Amount"',
    ]);
  });
});

function CODE20() {
  return { Name: 'Code', Length: 20 };
}

describe('symbols.missing-affix', () => {
  it('stays quiet when every name carries an affix, at either end, in any case', () => {
    expect(affixFindings(parse(), ['CSI'])).toEqual([]);
    expect(affixFindings(parse(), ['csi', 'XYZ'])).toEqual([]);
    const suffixed = changed((doc) => {
      table(doc).Name = 'Sales Forecast CSI';
    });
    expect(affixFindings(suffixed, ['CSI'])).toEqual([]);
  });

  it('stays quiet when the offer lists no affixes', () => {
    expect(affixFindings(parse(), undefined)).toEqual([]);
    expect(affixFindings(parse(), [])).toEqual([]);
  });

  it('reports objects, and fields and procedures added to other publishers objects, without an affix', () => {
    const next = changed((doc) => {
      table(doc).Name = 'Sales Forecast';
      const ext = doc.TableExtensions?.[0] as SymbolObjectSpec;
      ext.Fields = [{ Id: 50101, Name: 'Forecast Date', TypeDefinition: { Name: 'Date' } }];
      ext.Methods = [{ Name: 'Recalc' }];
      // Fields of the app's own table need no affix: the table has one.
      table(doc).Fields?.push({ Id: 9, Name: 'Plain', TypeDefinition: { Name: 'Integer' } });
    });
    const found = affixFindings(next, ['CSI', 'CTS']);
    expect(found.map((f) => f.path)).toEqual([
      'SymbolReference.json#Table 50100 "Sales Forecast"',
      'SymbolReference.json#TableExtension 50100 "CSI Customer Ext"/Field 50101 "Forecast Date"',
      'SymbolReference.json#TableExtension 50100 "CSI Customer Ext"/procedure Recalc',
    ]);
    expect(found[0]).toMatchObject({ rule: 'symbols.missing-affix', severity: 'error' });
    expect(found[0]?.message).toMatch(/^AS0011: .*"Sales Forecast".*CSI, CTS/);
  });
});
