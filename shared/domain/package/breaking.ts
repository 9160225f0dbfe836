import { Finding, error } from './findings';
import {
  AppSymbols,
  ObjectKind,
  SYMBOLS_FILE,
  SymbolMethod,
  SymbolObject,
  methodLabel,
  objectLabel,
} from './symbols';

/**
 * `symbols.breaking-change` of design.md: the live version's public surface compared with the
 * next one. Messages carry the AppSourceCop code a publisher knows from the compiler.
 */
const REMOVAL_CODES: Partial<Record<ObjectKind, string>> = {
  Table: 'AS0001',
  Page: 'AS0029',
  Codeunit: 'AS0088',
  Report: 'AS0088',
  XmlPort: 'AS0088',
  Query: 'AS0088',
  Enum: 'AS0088',
  Interface: 'AS0065',
};
const RENAME_CODES: Partial<Record<ObjectKind, string>> = { Table: 'AS0006', Page: 'AS0030' };
/** Fields of a table extension are table fields too (AS0002 counts them). */
const FIELD_KINDS: ReadonlySet<ObjectKind> = new Set<ObjectKind>(['Table', 'TableExtension']);

export function breakingChanges(live: AppSymbols, next: AppSymbols): Finding[] {
  const comparison = new BreakingChanges(live);
  for (const o of next.objects) comparison.visit(o);
  return comparison.findings();
}

/**
 * The comparison one object of the next version at a time, so the next version's objects need
 * not be held: only the live version's surface is kept. Findings come in the live version's order.
 */
export class BreakingChanges {
  private readonly surface: SymbolObject[];
  private readonly index = new Map<string, number>();
  private readonly found = new Map<number, Finding[]>();

  constructor(private readonly live: AppSymbols) {
    this.surface = live.objects.filter(isCompared);
    this.surface.forEach((o, i) => this.index.set(objectKey(o), i));
  }

  readonly visit = (after: SymbolObject): void => {
    const i = this.index.get(objectKey(after));
    const before = i === undefined ? undefined : this.surface[i];
    if (i === undefined || !before) return;
    this.found.set(i, [
      ...renamed(before, after),
      ...fieldBreaks(before, after),
      ...valueBreaks(before, after),
      ...methodBreaks(before, after),
    ]);
  };

  findings(): Finding[] {
    return this.surface.flatMap((before, i) => {
      const found = this.found.get(i);
      if (found) return found;
      return before.kind in REMOVAL_CODES ? [removedObject(before, this.live)] : [];
    });
  }
}

function isCompared(o: SymbolObject): boolean {
  return !o.isInternal && (o.kind in REMOVAL_CODES || FIELD_KINDS.has(o.kind));
}

/**
 * What of a live object the comparison reads: compared kinds only, public procedures only. The
 * baseline is kept in this form while the upload is read.
 */
export function baselineSurface(o: SymbolObject): SymbolObject | undefined {
  if (!isCompared(o)) return undefined;
  return { ...o, methods: o.methods.filter(isSurface) };
}

/** Objects with an id are matched by kind and id (a rename keeps the id); interfaces by name. */
function objectKey(o: SymbolObject): string {
  return o.id === undefined ? `${o.kind}:${o.name.toLowerCase()}` : `${o.kind}:${o.id}`;
}

function pathOf(o: SymbolObject, member?: string): string {
  return `${SYMBOLS_FILE}#${objectLabel(o)}${member ? `/${member}` : ''}`;
}

function breaking(code: string | undefined, text: string, path: string): Finding {
  const prefix = code ? `${code}: ` : '';
  return error('symbols.breaking-change', `${prefix}${text}`, path);
}

const UNDO =
  'Apps that depend on the live version break; restore it, or mark it ObsoleteState = Pending in one version and remove it in a later one.';

function removedObject(o: SymbolObject, live: AppSymbols): Finding {
  const version = live.version ? ` (live version ${live.version} has it)` : '';
  return breaking(REMOVAL_CODES[o.kind], `${objectLabel(o)} was removed${version}. ${UNDO}`, pathOf(o));
}

function renamed(before: SymbolObject, after: SymbolObject): Finding[] {
  if (before.name.toLowerCase() === after.name.toLowerCase()) return [];
  return [
    breaking(
      RENAME_CODES[before.kind],
      `${objectLabel(before)} was renamed to "${after.name}"; other apps refer to it by name. Keep the name.`,
      pathOf(before),
    ),
  ];
}

function fieldBreaks(before: SymbolObject, after: SymbolObject): Finding[] {
  if (!FIELD_KINDS.has(before.kind)) return [];
  const byId = new Map(after.fields.map((f) => [f.id ?? f.name.toLowerCase(), f]));
  const findings: Finding[] = [];
  for (const f of before.fields) {
    const label = `Field ${f.id ?? ''} "${f.name}"`.replace('  ', ' ');
    const path = pathOf(before, label);
    const now = byId.get(f.id ?? f.name.toLowerCase());
    if (!now) {
      findings.push(breaking('AS0002', `${label} was removed from ${objectLabel(before)}. ${UNDO}`, path));
      continue;
    }
    if (now.name.toLowerCase() !== f.name.toLowerCase()) {
      findings.push(
        breaking(
          'AS0005',
          `${label} of ${objectLabel(before)} was renamed to "${now.name}". Keep the name.`,
          path,
        ),
      );
    }
    if (now.type.toLowerCase() !== f.type.toLowerCase()) {
      findings.push(
        breaking(
          'AS0004',
          `${label} of ${objectLabel(before)} changed type from ${f.type} to ${now.type}; field types must not change. Add a new field instead.`,
          path,
        ),
      );
    }
  }
  return findings;
}

function valueBreaks(before: SymbolObject, after: SymbolObject): Finding[] {
  const names = new Set(after.values.map((v) => v.toLowerCase()));
  return before.values
    .filter((v) => !names.has(v.toLowerCase()))
    .map((v) =>
      breaking(
        'AS0083',
        `Value "${v}" was removed from ${objectLabel(before)}; stored records and other apps use it. Restore the value.`,
        pathOf(before, `Value "${v}"`),
      ),
    );
}

function isSurface(m: SymbolMethod): boolean {
  return !m.isLocal && !m.isInternal;
}

function signature(m: SymbolMethod): string {
  return methodLabel(m).toLowerCase();
}

function methodBreaks(before: SymbolObject, after: SymbolObject): Finding[] {
  const kept = new Set(after.methods.filter(isSurface).map(signature));
  const findings: Finding[] = [];
  for (const m of before.methods.filter(isSurface)) {
    if (kept.has(signature(m))) continue;
    findings.push(
      methodBreak(
        before,
        m,
        after.methods.filter((n) => sameName(n, m)),
      ),
    );
  }
  return findings;
}

function sameName(a: SymbolMethod, b: SymbolMethod): boolean {
  return a.name.toLowerCase() === b.name.toLowerCase();
}

/** Names the change the way AppSourceCop would: removed, hidden, parameters, types, var, return. */
function methodBreak(o: SymbolObject, m: SymbolMethod, namesakes: SymbolMethod[]): Finding {
  const path = pathOf(o, methodLabel(m));
  const where = `${methodLabel(m)} in ${objectLabel(o)}`;
  const visible = namesakes.filter(isSurface);
  if (visible.length === 0) {
    return namesakes.length > 0
      ? breaking('AS0022', `${where} became local or internal; other apps call it. Keep it public.`, path)
      : breaking('AS0018', `${where} was removed; other apps call it. ${UNDO}`, path);
  }
  const same = visible.find((n) => n.parameters.length === m.parameters.length);
  if (!same) {
    return breaking(
      'AS0024',
      `${where} now takes different parameters (${visible.map(methodLabel).join(' / ')}); add an overload instead of changing it.`,
      path,
    );
  }
  const now = methodLabel(same);
  const code = m.parameters.some((p, i) => p.type.toLowerCase() !== same.parameters[i]?.type.toLowerCase())
    ? 'AS0026'
    : m.parameters.some((p, i) => p.isVar !== same.parameters[i]?.isVar)
      ? 'AS0063'
      : 'AS0023';
  return breaking(
    code,
    `${where} changed its signature to ${now}; add an overload instead of changing it.`,
    path,
  );
}
