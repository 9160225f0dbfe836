import { Finding, error, warning } from './findings';
import {
  AppSymbols,
  ObjectKind,
  SYMBOLS_FILE,
  SymbolField,
  SymbolMethod,
  SymbolObject,
  methodLabel,
  objectLabel,
} from './symbols';

/**
 * `symbols.breaking-change` of design.md: the live version's public surface compared with the
 * next one, as AppSourceCop judges it (docs/validation.md maps each code). Messages carry the
 * AppSourceCop code a publisher knows from the compiler.
 */
const REMOVAL_CODES: Partial<Record<ObjectKind, string>> = {
  Table: 'AS0001',
  TableExtension: 'AS0001',
  Page: 'AS0029',
  Codeunit: 'AS0088',
  Report: 'AS0088',
  XmlPort: 'AS0088',
  Query: 'AS0088',
  Enum: 'AS0088',
  Interface: 'AS0089',
};
const RENAME_CODES: Partial<Record<ObjectKind, string>> = {
  Table: 'AS0006',
  TableExtension: 'AS0006',
  Page: 'AS0030',
  Interface: 'AS0089',
};
/** Fields of a table extension are table fields too (AS0002 counts them). */
const FIELD_KINDS: ReadonlySet<ObjectKind> = new Set<ObjectKind>(['Table', 'TableExtension']);
/**
 * AS0001 judges tables "independently of their Accessibility or ObsoleteState": they hold the
 * schema, so they (and their fields) are retired by Pending then Removed, never deleted.
 */
const NEVER_DELETED: ReadonlySet<ObjectKind> = FIELD_KINDS;
/** Obsolete states after which an object may be deleted (AS0088's "previously marked Pending"). */
const RETIRED = new Set(['pending', 'removed', 'pendingmove', 'moved']);

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
  private readonly byId = new Map<string, number>();
  private readonly byName = new Map<string, number>();
  private readonly found = new Map<number, Finding[]>();

  constructor(private readonly live: AppSymbols) {
    this.surface = live.objects.filter(isCompared);
    this.surface.forEach((o, i) => {
      if (o.id !== undefined) this.byId.set(idKey(o), i);
      this.byName.set(nameKey(o), i);
    });
  }

  readonly visit = (after: SymbolObject): void => {
    const i = this.match(after);
    const before = i === undefined ? undefined : this.surface[i];
    if (i === undefined || !before) return;
    this.found.set(i, [
      ...renamed(before, after),
      ...obsoleteJump(before.obsolete, after.obsolete, pathOf(before), objectLabel(before)),
      ...fieldBreaks(before, after),
      ...valueBreaks(before, after),
      ...methodBreaks(before, after),
    ]);
  };

  /**
   * Objects with an id are matched by kind and id (a rename keeps the id); those without, by name.
   * Interfaces gained ids in newer compilers: one written without an id is matched by name.
   */
  private match(after: SymbolObject): number | undefined {
    const byId = after.id === undefined ? undefined : this.byId.get(idKey(after));
    if (byId !== undefined) return byId;
    const byName = this.byName.get(nameKey(after));
    const before = byName === undefined ? undefined : this.surface[byName];
    return before && (before.id === undefined || after.id === undefined) ? byName : undefined;
  }

  findings(): Finding[] {
    return this.surface.flatMap((before, i) => {
      const found = this.found.get(i);
      if (found) return found;
      if (!(before.kind in REMOVAL_CODES) || (isRetired(before) && !NEVER_DELETED.has(before.kind)))
        return [];
      return [removedObject(before, this.live)];
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

function idKey(o: SymbolObject): string {
  return `${o.kind}:${o.id}`;
}

function nameKey(o: SymbolObject): string {
  return `${o.kind}:"${o.name.toLowerCase()}"`;
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
const KEEP =
  'Tables, table extensions and fields hold data and are never deleted: restore it, and retire it with ObsoleteState = Pending in one version and Removed in a later one.';

function isRetired(o: { obsolete?: { state: string } }): boolean {
  return !!o.obsolete && RETIRED.has(o.obsolete.state.toLowerCase());
}

function removedObject(o: SymbolObject, live: AppSymbols): Finding {
  const version = live.version ? ` (live version ${live.version} has it)` : '';
  const undo = NEVER_DELETED.has(o.kind) ? KEEP : UNDO;
  return breaking(REMOVAL_CODES[o.kind], `${objectLabel(o)} was removed${version}. ${undo}`, pathOf(o));
}

/** AS0115: the obsolete state may not go from none straight to Removed. */
function obsoleteJump(
  before: { state: string } | undefined,
  after: { state: string } | undefined,
  path: string,
  what: string,
): Finding[] {
  if (before || after?.state.toLowerCase() !== 'removed') return [];
  return [
    breaking(
      'AS0115',
      `${what} is ObsoleteState = Removed but the live version did not mark it Pending; mark it Pending in this version and Removed in a later one.`,
      path,
    ),
  ];
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
    findings.push(...obsoleteJump(f.obsolete, now.obsolete, path, `${label} of ${objectLabel(before)}`));
    findings.push(...typeBreaks(f, now, `${label} of ${objectLabel(before)}`, path));
  }
  return findings;
}

const SIZED = /^(code|text)\[(\d+)\]$/i;

/** A changed type is AS0004; the same Code/Text shorter is AS0080, longer only a warning (AS0086). */
function typeBreaks(f: SymbolField, now: SymbolField, what: string, path: string): Finding[] {
  if (now.type.toLowerCase() === f.type.toLowerCase()) return [];
  const was = SIZED.exec(f.type);
  const is = SIZED.exec(now.type);
  const change = `from ${f.type} to ${now.type}`;
  if (was && is && was[1]?.toLowerCase() === is[1]?.toLowerCase()) {
    if (Number(is[2]) < Number(was[2])) {
      return [
        breaking(
          'AS0080',
          `${what} was shortened ${change}; stored values may not fit. Restore the length, or add a new field and retire this one.`,
          path,
        ),
      ];
    }
    return [
      warning(
        'symbols.field-lengthened',
        `AS0086: ${what} was lengthened ${change}; apps that copy it into a ${f.type} variable may fail at runtime. Check the apps that depend on it.`,
        path,
      ),
    ];
  }
  return [
    breaking(
      'AS0004',
      `${what} changed type ${change}; field types must not change. Add a new field instead.`,
      path,
    ),
  ];
}

/** AS0083: values are not deleted "unless the enum is marked as obsolete". */
function valueBreaks(before: SymbolObject, after: SymbolObject): Finding[] {
  if (isRetired(before)) return [];
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
  // The procedures of an obsolete object, and [Obsolete] procedures, may go (AS0018): a changed
  // signature of one is its deletion beside a new overload, which is allowed too.
  if (isRetired(before)) return [];
  const kept = new Set(after.methods.filter(isSurface).map(signature));
  const findings: Finding[] = [];
  for (const m of before.methods.filter(isSurface)) {
    if (kept.has(signature(m)) || m.obsolete) continue;
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
