import fc from 'fast-check';
import {
  AppSymbols,
  Finding,
  affixFindings,
  breakingChanges,
  parseSymbols,
} from '../../shared/domain/package';
import {
  SymbolDoc,
  SymbolObjectSpec,
  baseSymbols,
  compilerShapedSymbols,
  obsolete,
  obsoleteAttribute,
  symbolReference,
} from '../support/packages';

/**
 * The technical rules judged as AppSourceCop judges them (its rule pages on learn.microsoft.com):
 * for each rule a pair of versions where it fires and one where AppSourceCop stays quiet.
 */
const parse = (doc: SymbolDoc): AppSymbols => parseSymbols(symbolReference(doc));

function edited(edit: (doc: SymbolDoc) => void, from: SymbolDoc = baseSymbols()): SymbolDoc {
  const doc = structuredClone(from);
  edit(doc);
  return doc;
}

const diff = (live: SymbolDoc, next: SymbolDoc): Finding[] => breakingChanges(parse(live), parse(next));
const codes = (found: Finding[]) => found.map((f) => [f.severity, f.message.slice(0, 6), f.path]);
const errors = (found: Finding[]) => found.filter((f) => f.severity === 'error');

const table = (doc: SymbolDoc) => doc.Tables?.[0] as SymbolObjectSpec;
const codeunit = (doc: SymbolDoc) => doc.Codeunits?.[0] as SymbolObjectSpec;
const TABLE = 'SymbolReference.json#Table 50100 "CSI Sales Forecast"';
const CODEUNIT = 'SymbolReference.json#Codeunit 50100 "CSI Forecast Mgt."';

/** The other object kinds the rule compares, beside the base app's. */
function withAllKinds(): SymbolDoc {
  return edited((doc) => {
    doc.Reports = [{ Id: 50100, Name: 'CSI Forecast Report' }];
    doc.Queries = [{ Id: 50100, Name: 'CSI Forecast Query' }];
    doc.XmlPorts = [{ Id: 50100, Name: 'CSI Forecast Import' }];
    doc.Interfaces = [{ Name: 'CSI IForecaster', Methods: [{ Name: 'Forecast' }] }];
  });
}

describe('the misjudgements of issue 22 (each failed on the old rules)', () => {
  it('retiring a codeunit: Pending in the live version, deleted in the next, is no break (AS0088)', () => {
    const live = edited((doc) => {
      codeunit(doc).Properties = obsolete('Pending', 'Use CSI Forecast Engine instead.', '1.3');
    });
    const next = edited((doc) => {
      doc.Codeunits = doc.Codeunits?.filter((c) => c.Id !== 50100) ?? [];
    });
    expect(diff(live, next)).toEqual([]);
  });

  it('retiring a procedure: [Obsolete] in the live version, deleted in the next, is no break (AS0018)', () => {
    const live = edited((doc) => {
      const reset = codeunit(doc).Methods?.find((m) => m.Name === 'Reset');
      if (reset) reset.Attributes = [obsoleteAttribute('Use Forecast instead.', '1.3')];
    });
    const next = edited((doc) => {
      codeunit(doc).Methods = codeunit(doc).Methods?.filter((m) => m.Name !== 'Reset') ?? [];
    });
    expect(diff(live, next)).toEqual([]);
  });

  it('lengthening a Code field is a warning of its own (AS0086), not an error', () => {
    const next = edited((doc) => {
      const field = table(doc).Fields?.[2];
      if (field) field.TypeDefinition = { Name: 'Code', Length: 50 };
    });
    const found = diff(baseSymbols(), next);
    expect(found).toEqual([
      {
        rule: 'symbols.field-lengthened',
        severity: 'warning',
        message: expect.stringMatching(/^AS0086: .*Code\[20\] to Code\[50\]/),
        path: `${TABLE}/Field 3 "Customer No."`,
      },
    ]);
  });

  it('a removed table extension is a break (AS0001)', () => {
    const next = edited((doc) => {
      doc.TableExtensions = [];
    });
    expect(codes(diff(baseSymbols(), next))).toEqual([
      ['error', 'AS0001', 'SymbolReference.json#TableExtension 50100 "CSI Customer Ext"'],
    ]);
  });

  it('objects in a two-level namespace need no affix (AS0011)', () => {
    const doc: SymbolDoc = {
      Namespaces: [
        {
          Namespaces: [{ Codeunits: [{ Id: 50100, Name: 'Forecast Mgt.' }], Name: 'Sales' }],
          Name: 'Contoso',
        },
      ],
    };
    expect(affixFindings(parse(doc), ['CSI'])).toEqual([]);
  });

  it('reads the namespace written after its objects, as the compiler writes it', () => {
    const symbols = parse(compilerShapedSymbols());
    const namespaces = new Map(symbols.objects.map((o) => [o.name, o.namespace]));
    expect(namespaces.get('Forecast Entry')).toBe('Contoso.Sales.Forecast');
    expect(namespaces.get('Forecast Mgt.')).toBe('Contoso.Sales');
    expect(namespaces.get('Forecast Setup')).toBe('Contoso.Sales');
    expect(namespaces.get('CSI Legacy Tools')).toBeUndefined();
  });
});

describe('reading obsolete markers as SymbolReference.json records them', () => {
  const symbols = parse(compilerShapedSymbols());
  const byName = new Map(symbols.objects.map((o) => [o.name, o]));

  it('reads ObsoleteState with reason and tag on objects and fields', () => {
    expect(byName.get('CSI Legacy Tools')).toMatchObject({
      obsolete: { state: 'Pending', reason: 'Replaced by Forecast Mgt.', tag: '2.0' },
    });
    expect(byName.get('Forecast Entry')?.fields.find((f) => f.name === 'Old Amount')).toMatchObject({
      obsolete: { state: 'Removed', reason: 'Not used.', tag: '2.0' },
    });
    expect(byName.get('Forecast Entry')?.obsolete).toBeUndefined();
  });

  it('reads the Obsolete attribute of procedures with its reason and tag', () => {
    const methods = byName.get('Forecast Mgt.')?.methods ?? [];
    expect(methods.find((m) => m.name === 'OldForecast')?.obsolete).toEqual({
      state: 'Pending',
      reason: 'Use Forecast instead.',
      tag: '2.0',
    });
    expect(methods.find((m) => m.name === 'Forecast')?.obsolete).toBeUndefined();
  });

  it('reads members named like Object.prototype keys as unknown members', () => {
    const bytes = Buffer.from(
      JSON.stringify({
        constructor: [{ Id: 1, Name: 'x' }],
        PageExtensions: [{ Id: 2, Name: 'CSI Ext', toString: [1], constructor: { a: 1 } }],
      }),
    );
    expect(parseSymbols(bytes).objects.map((o) => [o.kind, o.id])).toEqual([['PageExtension', 2]]);
  });

  it('reads lengths written inside the type name (Code[20]) as the compiler writes them', () => {
    const fields = byName.get('Forecast Entry')?.fields ?? [];
    expect(fields.find((f) => f.name === 'Customer No.')?.type).toBe('Code[20]');
  });

  it('reads controls and actions a page extension adds, nested groups included', () => {
    const ext = byName.get('CSI Item Card Ext');
    expect(ext?.targetObject).toBe('#437dbf0e84ff417a965ded2bb9650972#Item Card');
    expect(ext?.controls).toEqual(['CSI Forecast Group', 'CSI Forecast', 'Barcode', 'CSI Recalculate']);
  });
});

describe('symbols.breaking-change: removed and renamed objects', () => {
  it.each([
    ['table', (d: SymbolDoc) => (d.Tables = []), 'AS0001', TABLE],
    ['codeunit', (d: SymbolDoc) => (d.Codeunits = d.Codeunits?.slice(1) ?? []), 'AS0088', CODEUNIT],
    [
      'page',
      (d: SymbolDoc) => (d.Pages = []),
      'AS0029',
      'SymbolReference.json#Page 50100 "CSI Forecast List"',
    ],
    [
      'report',
      (d: SymbolDoc) => (d.Reports = []),
      'AS0088',
      'SymbolReference.json#Report 50100 "CSI Forecast Report"',
    ],
    [
      'query',
      (d: SymbolDoc) => (d.Queries = []),
      'AS0088',
      'SymbolReference.json#Query 50100 "CSI Forecast Query"',
    ],
    [
      'xmlport',
      (d: SymbolDoc) => (d.XmlPorts = []),
      'AS0088',
      'SymbolReference.json#XmlPort 50100 "CSI Forecast Import"',
    ],
    [
      'interface',
      (d: SymbolDoc) => (d.Interfaces = []),
      'AS0089',
      'SymbolReference.json#Interface "CSI IForecaster"',
    ],
    [
      'enum',
      (d: SymbolDoc) => (d.EnumTypes = []),
      'AS0088',
      'SymbolReference.json#Enum 50100 "CSI Forecast Method"',
    ],
  ])('a removed %s is a break (%s)', (_kind, remove, code, path) => {
    const found = diff(withAllKinds(), edited(remove, withAllKinds()));
    expect(codes(found)).toEqual([['error', code, path]]);
  });

  it.each([
    [
      'codeunit',
      (d: SymbolDoc) => d.Codeunits?.[0],
      (d: SymbolDoc) => (d.Codeunits = d.Codeunits?.slice(1) ?? []),
    ],
    ['page', (d: SymbolDoc) => d.Pages?.[0], (d: SymbolDoc) => (d.Pages = [])],
    ['report', (d: SymbolDoc) => d.Reports?.[0], (d: SymbolDoc) => (d.Reports = [])],
    ['query', (d: SymbolDoc) => d.Queries?.[0], (d: SymbolDoc) => (d.Queries = [])],
    ['xmlport', (d: SymbolDoc) => d.XmlPorts?.[0], (d: SymbolDoc) => (d.XmlPorts = [])],
    ['interface', (d: SymbolDoc) => d.Interfaces?.[0], (d: SymbolDoc) => (d.Interfaces = [])],
    ['enum', (d: SymbolDoc) => d.EnumTypes?.[0], (d: SymbolDoc) => (d.EnumTypes = [])],
  ])('a %s the live version marks ObsoleteState = Pending may be deleted', (_kind, pick, remove) => {
    const live = edited((d) => {
      const o = pick(d) as SymbolObjectSpec;
      o.Properties = obsolete('Pending', 'Retired.', '2.0');
    }, withAllKinds());
    expect(diff(live, edited(remove, live))).toEqual([]);
  });

  it('tables and table extensions are never deleted, whatever their state (AS0001)', () => {
    const live = edited((d) => {
      table(d).Properties = obsolete('Pending', 'Retired.', '2.0');
    });
    const next = edited((d) => {
      d.Tables = [];
    }, live);
    expect(codes(diff(live, next))).toEqual([['error', 'AS0001', TABLE]]);
  });

  it('a renamed table (AS0006), page (AS0030) and interface with an id (AS0089) are breaks', () => {
    const live = edited((d) => {
      (d.Interfaces ?? [])[0] = { Id: 50100, Name: 'CSI IForecaster' };
    }, withAllKinds());
    const next = edited((d) => {
      table(d).Name = 'CSI Forecast';
      (d.Pages?.[0] as SymbolObjectSpec).Name = 'CSI Forecasts';
      (d.Interfaces?.[0] as SymbolObjectSpec).Name = 'CSI IForecast';
    }, live);
    expect(codes(diff(live, next))).toEqual([
      ['error', 'AS0006', TABLE],
      ['error', 'AS0030', 'SymbolReference.json#Page 50100 "CSI Forecast List"'],
      ['error', 'AS0089', 'SymbolReference.json#Interface 50100 "CSI IForecaster"'],
    ]);
  });

  it('an interface that gained an id (newer compilers write one) is the same interface', () => {
    const next = edited((d) => {
      (d.Interfaces ?? [])[0] = { Id: 50100, Name: 'CSI IForecaster', Methods: [{ Name: 'Forecast' }] };
    }, withAllKinds());
    expect(diff(withAllKinds(), next)).toEqual([]);
  });

  it('moving objects into a namespace is no break (AS0007 no longer exists)', () => {
    const next: SymbolDoc = {
      Namespaces: [{ Namespaces: [{ ...baseSymbols(), Name: 'Sales' }], Name: 'Contoso' }],
    };
    expect(diff(baseSymbols(), next)).toEqual([]);
  });
});

describe('symbols.breaking-change: fields, values and procedures', () => {
  it('a removed field is a break even when the live version marks it Pending (AS0002)', () => {
    const live = edited((d) => {
      const field = table(d).Fields?.[1];
      if (field) field.Properties = obsolete('Pending', 'Not used.', '2.0');
    });
    const next = edited((d) => {
      table(d).Fields = table(d).Fields?.filter((f) => f.Id !== 2) ?? [];
    }, live);
    expect(codes(diff(live, next))).toEqual([['error', 'AS0002', `${TABLE}/Field 2 "Amount"`]]);
  });

  it('shortening a Text or Code field is an error (AS0080); another type is AS0004', () => {
    const next = edited((d) => {
      const fields = table(d).Fields ?? [];
      fields[0] = { Id: 1, Name: 'No.', TypeDefinition: { Name: 'Code', Length: 10 } };
      fields[2] = { Id: 3, Name: 'Customer No.', TypeDefinition: { Name: 'Text', Length: 20 } };
    });
    expect(codes(diff(baseSymbols(), next))).toEqual([
      ['error', 'AS0080', `${TABLE}/Field 1 "No."`],
      ['error', 'AS0004', `${TABLE}/Field 3 "Customer No."`],
    ]);
  });

  it('a field of a table extension lengthened gives the warning, one finding per field', () => {
    const live = edited((d) => {
      const ext = d.TableExtensions?.[0] as SymbolObjectSpec;
      ext.Fields = [{ Id: 50100, Name: 'CSI Note', TypeDefinition: { Name: 'Text[50]' } }];
    });
    const next = edited((d) => {
      const ext = d.TableExtensions?.[0] as SymbolObjectSpec;
      ext.Fields = [{ Id: 50100, Name: 'CSI Note', TypeDefinition: { Name: 'Text[250]' } }];
    }, live);
    expect(codes(diff(live, next))).toEqual([
      [
        'warning',
        'AS0086',
        'SymbolReference.json#TableExtension 50100 "CSI Customer Ext"/Field 50100 "CSI Note"',
      ],
    ]);
  });

  it('ObsoleteState = Removed without Pending in the live version is a break (AS0115)', () => {
    const next = edited((d) => {
      codeunit(d).Properties = obsolete('Removed', 'Gone.', '2.0');
      const field = table(d).Fields?.[1];
      if (field) field.Properties = obsolete('Removed', 'Gone.', '2.0');
    });
    expect(codes(diff(baseSymbols(), next))).toEqual([
      ['error', 'AS0115', `${TABLE}/Field 2 "Amount"`],
      ['error', 'AS0115', CODEUNIT],
    ]);
  });

  it('Removed after Pending is the way to retire a table and a field', () => {
    const live = edited((d) => {
      table(d).Properties = obsolete('Pending', 'Retired.', '2.0');
      const field = table(d).Fields?.[1];
      if (field) field.Properties = obsolete('Pending', 'Retired.', '2.0');
    });
    const next = edited((d) => {
      table(d).Properties = obsolete('Removed', 'Retired.', '3.0');
      const field = table(d).Fields?.[1];
      if (field) field.Properties = obsolete('Removed', 'Retired.', '3.0');
    }, live);
    expect(diff(live, next)).toEqual([]);
  });

  it('a removed enum value is a break (AS0083) unless the live enum is obsolete', () => {
    const remove = (d: SymbolDoc) => d.EnumTypes?.[0]?.Values?.splice(0, 1);
    expect(codes(diff(baseSymbols(), edited(remove)))).toEqual([
      ['error', 'AS0083', 'SymbolReference.json#Enum 50100 "CSI Forecast Method"/Value "Linear"'],
    ]);
    const live = edited((d) => {
      (d.EnumTypes?.[0] as SymbolObjectSpec).Properties = obsolete('Pending', 'Retired.', '2.0');
    });
    expect(diff(live, edited(remove, live))).toEqual([]);
  });

  it('a removed public procedure is a break (AS0018); a procedure of a Pending codeunit is not', () => {
    const remove = (d: SymbolDoc) => {
      codeunit(d).Methods = codeunit(d).Methods?.filter((m) => m.Name !== 'Reset') ?? [];
    };
    expect(codes(diff(baseSymbols(), edited(remove)))).toEqual([
      ['error', 'AS0018', `${CODEUNIT}/procedure Reset()`],
    ]);
    const live = edited((d) => {
      codeunit(d).Properties = obsolete('Pending', 'Retired.', '2.0');
    });
    expect(diff(live, edited(remove, live))).toEqual([]);
  });

  it('an obsolete procedure may change its signature: it is deleted beside a new overload', () => {
    const live = edited((d) => {
      const forecast = codeunit(d).Methods?.[0];
      if (forecast) forecast.Attributes = [obsoleteAttribute('Use Forecast2.', '2.0')];
    });
    const next = edited((d) => {
      codeunit(d).Methods?.[0]?.Parameters?.pop();
    }, live);
    expect(diff(live, next)).toEqual([]);
    const unmarked = edited((d) => {
      codeunit(d).Methods?.[0]?.Parameters?.pop();
    });
    expect(codes(diff(baseSymbols(), unmarked)).map((c) => c[1])).toEqual(['AS0024']);
  });
});

describe('symbols.missing-affix (AS0011)', () => {
  const inNamespace = (name: string, doc: SymbolDoc): SymbolDoc => {
    const [first, ...rest] = name.split('.');
    let inner: Record<string, unknown> & { Name: string } = { ...doc, Name: rest.at(-1) ?? first ?? '' };
    for (const level of [...rest.slice(0, -1)].reverse()) inner = { Namespaces: [inner], Name: level };
    return rest.length === 0
      ? { Namespaces: [inner] }
      : { Namespaces: [{ Namespaces: [inner], Name: first ?? '' }] };
  };
  const plain: SymbolDoc = {
    Codeunits: [{ Id: 50100, Name: 'Forecast Mgt.' }],
    TableExtensions: [
      {
        Id: 50100,
        Name: 'Customer Forecast',
        TargetObject: 'Customer',
        Fields: [{ Id: 50100, Name: 'Forecast Date', TypeDefinition: { Name: 'Date' } }],
        Methods: [{ Name: 'Recalc' }],
      },
    ],
  };
  const paths = (doc: SymbolDoc) => affixFindings(parse(doc), ['CSI']).map((f) => f.path);

  it('an object outside a namespace, or in one of one level, needs the affix', () => {
    expect(paths({ Codeunits: plain.Codeunits })).toEqual([
      'SymbolReference.json#Codeunit 50100 "Forecast Mgt."',
    ]);
    expect(paths(inNamespace('Contoso', { Codeunits: plain.Codeunits }))).toEqual([
      'SymbolReference.json#Codeunit 50100 "Forecast Mgt."',
    ]);
  });

  it('in Contoso.Sales the objects need none, but what they add to others objects does', () => {
    expect(paths(inNamespace('Contoso.Sales', plain))).toEqual([
      'SymbolReference.json#TableExtension 50100 "Customer Forecast"/Field 50100 "Forecast Date"',
      'SymbolReference.json#TableExtension 50100 "Customer Forecast"/procedure Recalc',
    ]);
  });

  it('controls a page extension adds and values an enum extension adds need the affix', () => {
    const doc = compilerShapedSymbols();
    const found = affixFindings(parse(doc), ['CSI']).map((f) => f.path);
    expect(found).toEqual([
      'SymbolReference.json#PageExtension 50100 "CSI Item Card Ext"/Control "Barcode"',
      'SymbolReference.json#EnumExtension 50100 "CSI Method Ext"/Value "Neural"',
    ]);
  });
});

/** A generated app: tables with fields, codeunits with procedures, enums with values. */
const name = fc.stringMatching(/^[A-Z][a-z]{2,8}$/);
const typeDef = fc.oneof(
  fc.constantFrom({ Name: 'Integer' }, { Name: 'Decimal' }, { Name: 'Date' }, { Name: 'Boolean' }),
  fc.record({ Name: fc.constantFrom('Code', 'Text'), Length: fc.integer({ min: 1, max: 250 }) }),
);
const method = fc.record({
  Name: name,
  Parameters: fc.array(fc.record({ Name: name, TypeDefinition: typeDef, IsVar: fc.boolean() }), {
    maxLength: 3,
  }),
  ReturnTypeDefinition: typeDef,
});
const generatedApp = fc
  .record({
    tables: fc.array(fc.array(fc.record({ Name: name, TypeDefinition: typeDef }), { maxLength: 5 }), {
      maxLength: 4,
    }),
    codeunits: fc.array(fc.array(method, { maxLength: 4 }), { maxLength: 4 }),
    enums: fc.array(
      fc.uniqueArray(name, { maxLength: 4, comparator: (a, b) => a.toLowerCase() === b.toLowerCase() }),
      {
        maxLength: 3,
      },
    ),
    namespace: fc.constantFrom(undefined, 'Contoso', 'Contoso.Sales'),
  })
  .map(({ tables, codeunits, enums, namespace }): SymbolDoc => {
    const objects: SymbolDoc = {
      Tables: tables.map((fields, i) => ({
        Id: 50100 + i,
        Name: `CSI Table ${i}`,
        Fields: fields.map((f, j) => ({ ...f, Id: j + 1, Name: `${f.Name} ${j}` })),
      })),
      Codeunits: codeunits.map((methods, i) => ({
        Id: 50100 + i,
        Name: `CSI Codeunit ${i}`,
        Methods: methods.map((m, j) => ({ ...m, Name: `${m.Name}${j}` })),
      })),
      EnumTypes: enums.map((values, i) => ({
        Id: 50100 + i,
        Name: `CSI Enum ${i}`,
        Values: values.map((v, ordinal) => ({ Name: v, Ordinal: ordinal })),
      })),
    };
    if (!namespace) return objects;
    const [outer, inner] = namespace.split('.');
    return {
      Namespaces: [
        inner
          ? { Namespaces: [{ ...objects, Name: inner }], Name: outer ?? '' }
          : { ...objects, Name: outer ?? '' },
      ],
    };
  });

/** Every object list of a generated app, wherever its namespace puts it. */
function objectLists(doc: SymbolDoc): SymbolDoc[] {
  const nested = (doc.Namespaces ?? []).flatMap((n) => objectLists(n as SymbolDoc));
  return [doc, ...nested];
}

describe('properties of the comparison over generated apps', () => {
  it('diff(v, v) is empty', () => {
    fc.assert(fc.property(generatedApp, (doc) => diff(doc, doc).length === 0));
  });

  it("a namespace's Name is read wherever it stands, before or after its objects", () => {
    const nameFirst = (doc: SymbolDoc): SymbolDoc => {
      const { Name, Namespaces, ...rest } = doc as SymbolDoc & { Name?: string };
      return {
        ...(Name === undefined ? {} : { Name }),
        ...rest,
        ...(Namespaces
          ? { Namespaces: Namespaces.map((n) => nameFirst(n as SymbolDoc)) as SymbolDoc['Namespaces'] }
          : {}),
      };
    };
    fc.assert(
      fc.property(generatedApp, (doc) => {
        expect(parse(nameFirst(doc)).objects).toEqual(parse(doc).objects);
      }),
    );
  });

  it('adding fields, procedures, values and objects is never an error', () => {
    fc.assert(
      fc.property(generatedApp, typeDef, method, (doc, type, added) => {
        const next = edited((d) => {
          for (const list of objectLists(d)) {
            for (const t of list.Tables ?? [])
              t.Fields?.push({ Id: 900, Name: 'CSI Added', TypeDefinition: type });
            for (const c of list.Codeunits ?? []) c.Methods?.push({ ...added, Name: `${added.Name}Added` });
            for (const e of list.EnumTypes ?? []) e.Values?.push({ Name: 'CSI Added', Ordinal: 99 });
            list.Codeunits?.push({ Id: 50999, Name: 'CSI Added Codeunit', Methods: [added] });
          }
        }, doc);
        return errors(diff(doc, next)).length === 0;
      }),
    );
  });

  it('the obsolete lifecycle None -> Pending -> deleted (tables and fields: Removed) is never an error', () => {
    fc.assert(
      fc.property(generatedApp, fc.infiniteStream(fc.boolean()), (doc, coin) => {
        const pending = edited((d) => {
          for (const list of objectLists(d)) {
            for (const o of [...(list.Codeunits ?? []), ...(list.EnumTypes ?? []), ...(list.Tables ?? [])]) {
              if (coin.next().value) o.Properties = obsolete('Pending', 'Retired.', '2.0');
              for (const f of o.Fields ?? [])
                if (coin.next().value) f.Properties = obsolete('Pending', 'Retired.', '2.0');
              for (const m of o.Methods ?? [])
                if (coin.next().value) m.Attributes = [obsoleteAttribute('Retired.', '2.0')];
            }
          }
        }, doc);
        const deleted = edited((d) => {
          for (const list of objectLists(d)) {
            const isPending = (o: { Properties?: unknown }) =>
              JSON.stringify(o.Properties ?? []).includes('"Pending"');
            list.Codeunits = (list.Codeunits ?? []).filter((o) => !isPending(o));
            list.EnumTypes = (list.EnumTypes ?? []).filter((o) => !isPending(o));
            for (const c of list.Codeunits) c.Methods = (c.Methods ?? []).filter((m) => !m.Attributes);
            for (const t of list.Tables ?? []) {
              if (isPending(t)) t.Properties = obsolete('Removed', 'Retired.', '3.0');
              for (const f of t.Fields ?? [])
                if (isPending(f)) f.Properties = obsolete('Removed', 'Retired.', '3.0');
            }
          }
        }, pending);
        return errors(diff(doc, pending)).length === 0 && errors(diff(pending, deleted)).length === 0;
      }),
    );
  });
});
