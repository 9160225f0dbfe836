/**
 * SymbolReference.json, the AL compiler's description of every object and member an app defines
 * or extends, reduced to what the technical rules compare: objects, fields, procedures, enum values.
 *
 * The file can be tens of MiB. JSON.parse would build the whole tree (pages' controls, actions,
 * properties) only to throw most of it away, so a small parser walks the bytes and builds one
 * object at a time, skipping every member the rules do not read without decoding it.
 */

/** Array keys of the file and the AL keyword each kind of object is written with. */
export const OBJECT_KINDS = {
  Tables: 'Table',
  Codeunits: 'Codeunit',
  Pages: 'Page',
  Reports: 'Report',
  XmlPorts: 'XmlPort',
  Queries: 'Query',
  EnumTypes: 'Enum',
  Interfaces: 'Interface',
  PermissionSets: 'PermissionSet',
  PermissionSetExtensions: 'PermissionSetExtension',
  ControlAddIns: 'ControlAddIn',
  TableExtensions: 'TableExtension',
  PageExtensions: 'PageExtension',
  EnumExtensionTypes: 'EnumExtension',
  ReportExtensions: 'ReportExtension',
  PageCustomizations: 'PageCustomization',
  Profiles: 'Profile',
} as const;
export type ObjectKind = (typeof OBJECT_KINDS)[keyof typeof OBJECT_KINDS];

export const EXTENSION_KINDS: ReadonlySet<ObjectKind> = new Set<ObjectKind>([
  'TableExtension',
  'PageExtension',
  'EnumExtension',
  'ReportExtension',
  'PermissionSetExtension',
  'PageCustomization',
]);

/**
 * Where an element stands in its retirement: `ObsoleteState` (Pending, Removed, PendingMove, Moved)
 * with `ObsoleteReason` and `ObsoleteTag` on objects, fields and values; on procedures the
 * `[Obsolete(reason, tag)]` attribute, which is always Pending (a procedure is removed by deleting it).
 */
export interface ObsoleteMark {
  state: string;
  reason?: string;
  tag?: string;
}

export interface SymbolField {
  id: number | undefined;
  name: string;
  type: string;
  obsolete?: ObsoleteMark;
}

export interface SymbolParameter {
  type: string;
  isVar: boolean;
}

export interface SymbolMethod {
  name: string;
  parameters: SymbolParameter[];
  returnType: string;
  /** Local and internal procedures are not part of the app's public surface. */
  isLocal: boolean;
  isInternal: boolean;
  obsolete?: ObsoleteMark;
}

export interface SymbolObject {
  kind: ObjectKind;
  id: number | undefined;
  name: string;
  namespace?: string;
  /** `Access = Internal`: invisible to other apps, so not public surface. */
  isInternal: boolean;
  targetObject?: string;
  fields: SymbolField[];
  methods: SymbolMethod[];
  values: string[];
  obsolete?: ObsoleteMark;
  /** Controls and actions a page extension adds to its target page (not those it modifies). */
  controls?: string[];
}

export interface AppSymbols {
  appId?: string;
  name?: string;
  publisher?: string;
  version?: string;
  runtimeVersion?: string;
  objects: SymbolObject[];
}

export class SymbolsError extends Error {}

export const SYMBOLS_FILE = 'SymbolReference.json';
/** Nesting deeper than this is not a compiler's output; refused before it exhausts the stack. */
const MAX_DEPTH = 64;
const TOP_LEVEL = ['RuntimeVersion', 'AppId', 'Name', 'Publisher', 'Version'] as const;
/** Members the rules read; everything else (controls, actions, keys, variables...) is skipped. */
const KEPT = new Set([
  'Id',
  'Name',
  'Fields',
  'Methods',
  'Parameters',
  'TypeDefinition',
  'ReturnTypeDefinition',
  'IsLocal',
  'IsInternal',
  'IsVar',
  'Values',
  'TargetObject',
  'Properties',
  'Value',
  'Subtype',
  'Length',
  'TypeArguments',
  'Temporary',
  'IsTemporary',
  'ArrayDimensions',
  'Attributes',
  'Arguments',
]);
/** Of `Properties`, the ones the rules read; captions and tooltips are stepped over undecoded. */
const KEPT_PROPERTIES = new Set(['Access', 'ObsoleteState', 'ObsoleteReason', 'ObsoleteTag']);
/** A page extension's changes; the controls and actions they add are read as names only. */
const CHANGES = new Map([
  ['ControlChanges', 'Controls'],
  ['ActionChanges', 'Actions'],
]);
/**
 * `ChangeKind` of a change that adds (addfirst, addlast, addafter, addbefore as the compiler
 * numbers them: 0-4); `modify` and `move` name controls the target page already has.
 */
const ADDING_CHANGES = new Set([0, 1, 2, 3, 4]);
/** Where the reader puts the added names in the raw object. */
const ADDED = '@added';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Parses SymbolReference.json as the AL compiler writes it: a UTF-8 BOM is skipped and bytes
 * after the closing brace (some compilers append them) are ignored. Objects nested under
 * `Namespaces` (newer compilers) are read with their namespace.
 */
export function parseSymbols(bytes: Uint8Array): AppSymbols {
  const objects: SymbolObject[] = [];
  return { ...readSymbols(bytes, (o) => objects.push(o)), objects };
}

/**
 * The same, handing each object to `visit` as it is read instead of keeping them all: a caller
 * that compares with a baseline holds one version's objects, not two.
 */
export function readSymbols(bytes: Uint8Array, visit: (o: SymbolObject) => void): AppSymbols {
  const parser = new Parser(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), visit);
  return parser.root();
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

class Parser {
  private pos = 0;
  /** Namespace names found by the look-ahead, by the position after the namespace's `{`. */
  private readonly namespaces = new Map<number, string | undefined>();
  private readonly texts = new Map<string, string>();
  /** Type texts repeat (Code[20], Decimal...): one string each, not one per field. */
  private readonly intern = (text: string): string => {
    const known = this.texts.get(text);
    if (known !== undefined) return known;
    this.texts.set(text, text);
    return text;
  };

  constructor(
    private readonly b: Buffer,
    private readonly visit: (o: SymbolObject) => void,
  ) {
    if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) this.pos = 3;
  }

  root(): AppSymbols {
    const symbols: AppSymbols = { objects: [] };
    this.container(undefined, 0, (key) => {
      if (!(TOP_LEVEL as readonly string[]).includes(key)) return false;
      const value = this.value(1);
      if (typeof value === 'string' && value !== '') {
        const field =
          key === 'RuntimeVersion' ? 'runtimeVersion' : key.charAt(0).toLowerCase() + key.slice(1);
        (symbols as unknown as Record<string, string>)[field] = value;
      }
      return true;
    });
    return symbols;
  }

  /**
   * An object holding object arrays and `Namespaces`: the root, or one namespace. The compiler
   * writes a namespace's `Name` after its objects, so it is looked up first (a pass that steps
   * over the namespace's values without decoding them) and the objects are read with it.
   */
  private container(parent: string | undefined, depth: number, other: (key: string) => boolean): void {
    if (depth > MAX_DEPTH) throw this.fail('nesting too deep');
    this.expect(0x7b);
    const name = depth > 0 ? this.namespaceName(depth) : undefined;
    const namespace = name ? (parent ? `${parent}.${name}` : name) : parent;
    this.members((key) => {
      // Own keys only: a member named "constructor" is not an object kind.
      const kind = Object.hasOwn(OBJECT_KINDS, key)
        ? (OBJECT_KINDS as Record<string, ObjectKind>)[key]
        : undefined;
      if (kind) {
        this.elements(() => this.visit(toObject(kind, this.value(depth + 1), namespace, this.intern)));
      } else if (key === 'Namespaces') {
        this.elements(() => this.container(namespace, depth + 1, () => false));
      } else if (!other(key)) {
        this.skip();
      }
    });
  }

  /**
   * The `Name` of the namespace whose `{` was just read, wherever it stands; the position is kept.
   * One look-ahead pass finds the names of the nested namespaces too, so however deep the nesting,
   * the bytes are stepped over twice at most (a hostile file cannot make it quadratic).
   */
  private namespaceName(depth: number): string | undefined {
    const start = this.pos;
    if (!this.namespaces.has(start)) {
      this.lookAhead(depth);
      this.pos = start;
    }
    const name = this.namespaces.get(start);
    this.namespaces.delete(start);
    return name;
  }

  private lookAhead(depth: number): void {
    if (depth > MAX_DEPTH) throw this.fail('nesting too deep');
    const start = this.pos;
    let name: string | undefined;
    this.members((key) => {
      if (key === 'Name' && this.peek() === QUOTE) {
        name = this.string();
      } else if (key === 'Namespaces') {
        this.elements(() => {
          this.expect(0x7b);
          this.lookAhead(depth + 1);
        });
      } else {
        this.skip();
      }
    });
    this.namespaces.set(start, name);
  }

  private value(depth: number): Json {
    if (depth > MAX_DEPTH) throw this.fail('nesting too deep');
    const c = this.peek();
    if (c === QUOTE) return this.string();
    if (c === 0x7b) {
      this.pos++;
      const out: { [key: string]: Json } = {};
      this.members((key) => {
        const added = CHANGES.get(key);
        if (key === 'Properties') out[key] = this.keptProperties();
        else if (added) out[ADDED] = [...list(out[ADDED]), ...this.addedNames(added, depth + 1)];
        else if (KEPT.has(key)) out[key] = this.value(depth + 1);
        else this.skip();
      });
      return out;
    }
    if (c === 0x5b) {
      const out: Json[] = [];
      this.elements(() => out.push(this.value(depth + 1)));
      return out;
    }
    return this.literal();
  }

  /**
   * Of `Properties: [{Name, Value}]` only KEPT_PROPERTIES matter; captions and tooltips, most of a
   * real file's text, are stepped over without being decoded.
   */
  private keptProperties(): Json {
    const kept: Json[] = [];
    this.elements(() => {
      this.expect(0x7b);
      let name: string | undefined;
      let value: string | undefined;
      this.members((key) => {
        if (key === 'Name' && this.peek() === QUOTE) name = this.string();
        else if (
          key === 'Value' &&
          (name === undefined || KEPT_PROPERTIES.has(name)) &&
          this.peek() === QUOTE
        )
          value = this.string();
        else this.skip();
      });
      if (name !== undefined && KEPT_PROPERTIES.has(name) && value !== undefined) {
        kept.push({ Name: name, Value: value });
      }
    });
    return kept;
  }

  /**
   * `ControlChanges: [{Anchor, ChangeKind, Controls: [...]}]` (or actions): the names of the
   * controls each adding change brings, groups' nested controls included, as `{Name}` objects.
   */
  private addedNames(member: string, depth: number): Json[] {
    if (depth > MAX_DEPTH) throw this.fail('nesting too deep');
    const names: Json[] = [];
    this.elements(() => {
      this.expect(0x7b);
      let kind: Json = null;
      const found: string[] = [];
      this.members((key) => {
        if (key === 'ChangeKind') kind = this.peek() === QUOTE ? this.string() : this.literal();
        else if (key === member) this.controlNames(member, found, depth + 1);
        else this.skip();
      });
      if (isAdding(kind)) names.push(...found.map((Name) => ({ Name })));
    });
    return names;
  }

  private controlNames(member: string, into: string[], depth: number): void {
    if (depth > MAX_DEPTH) throw this.fail('nesting too deep');
    this.elements(() => {
      this.expect(0x7b);
      const nested: string[] = [];
      let name: string | undefined;
      this.members((key) => {
        if (key === 'Name' && this.peek() === QUOTE) name = this.string();
        else if (key === member) this.controlNames(member, nested, depth + 1);
        else this.skip();
      });
      if (name !== undefined) into.push(name);
      into.push(...nested);
    });
  }

  /** Calls `each` with every key of the object whose `{` was just read, positioned at its value. */
  private members(each: (key: string) => void): void {
    if (this.peek() === 0x7d) {
      this.pos++;
      return;
    }
    for (;;) {
      if (this.peek() !== QUOTE) throw this.fail('expected a property name');
      const key = this.string();
      this.expect(0x3a);
      each(key);
      const c = this.peek();
      this.pos++;
      if (c === 0x7d) return;
      if (c !== 0x2c) throw this.fail('expected , or }');
    }
  }

  private elements(each: () => void): void {
    if (this.peek() === 0x6e) {
      this.literal(); // null where an array was expected: no elements
      return;
    }
    this.expect(0x5b);
    if (this.peek() === 0x5d) {
      this.pos++;
      return;
    }
    for (;;) {
      each();
      const c = this.peek();
      this.pos++;
      if (c === 0x5d) return;
      if (c !== 0x2c) throw this.fail('expected , or ]');
    }
  }

  private string(): string {
    const start = this.pos + 1;
    const end = this.closingQuote(start);
    this.pos = end + 1;
    let escaped = false;
    for (let i = start; i < end && !escaped; i++) escaped = this.b[i] === BACKSLASH;
    if (!escaped) return this.b.toString('utf8', start, end);
    return JSON.parse(this.b.toString('utf8', start - 1, end + 1)) as string;
  }

  /** The index of the quote closing a string that starts at `from`: one not escaped by a backslash. */
  private closingQuote(from: number): number {
    let at = from;
    for (;;) {
      const quote = this.b.indexOf(QUOTE, at);
      if (quote === -1) throw this.fail('unterminated string');
      let slashes = 0;
      while (this.b[quote - 1 - slashes] === BACKSLASH) slashes++;
      if (slashes % 2 === 0) return quote;
      at = quote + 1;
    }
  }

  private literal(): Json {
    this.ws();
    const start = this.pos;
    while (this.pos < this.b.length && !isDelimiter(this.b[this.pos] as number)) this.pos++;
    const text = this.b.toString('latin1', start, this.pos);
    if (text === 'true') return true;
    if (text === 'false') return false;
    if (text === 'null') return null;
    const n = Number(text);
    if (text === '' || !Number.isFinite(n)) throw this.fail(`unexpected "${text.slice(0, 20)}"`);
    return n;
  }

  /** Skips one value without decoding it: brackets are counted, strings stepped over. */
  private skip(): void {
    const c = this.peek();
    if (c === QUOTE) {
      this.skipString();
      return;
    }
    if (c !== 0x7b && c !== 0x5b) {
      this.literal();
      return;
    }
    let depth = 0;
    for (;;) {
      const d = this.b[this.pos];
      if (d === undefined) throw this.fail('unexpected end of file');
      if (d === QUOTE) {
        this.skipString();
        continue;
      }
      this.pos++;
      if (d === 0x7b || d === 0x5b) depth++;
      else if ((d === 0x7d || d === 0x5d) && --depth === 0) return;
    }
  }

  private skipString(): void {
    this.pos = this.closingQuote(this.pos + 1) + 1;
  }

  private peek(): number | undefined {
    this.ws();
    return this.b[this.pos];
  }

  private ws(): void {
    for (;;) {
      const c = this.b[this.pos];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  private expect(c: number): void {
    if (this.peek() !== c) throw this.fail(`expected "${String.fromCharCode(c)}"`);
    this.pos++;
  }

  private fail(why: string): SymbolsError {
    return new SymbolsError(`${why} at byte ${this.pos}`);
  }
}

/** A change kind as a number (the compiler's) or, should a compiler write it so, a name. */
function isAdding(kind: Json): boolean {
  return typeof kind === 'number' ? ADDING_CHANGES.has(kind) : typeof kind === 'string' && /^add/i.test(kind);
}

function isDelimiter(c: number): boolean {
  return c === 0x2c || c === 0x7d || c === 0x5d || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

type JsonObject = { [key: string]: Json };

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(v: Json | undefined): JsonObject[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

function str(v: Json | undefined): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function num(v: Json | undefined): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

function toObject(
  kind: ObjectKind,
  raw: Json,
  namespace: string | undefined,
  intern: (text: string) => string,
): SymbolObject {
  const o = isObject(raw) ? raw : {};
  const type = (t: Json | undefined) => intern(typeText(t));
  const target = str(o.TargetObject);
  const obsolete = obsoleteState(o);
  const controls = list(o[ADDED]).map((c) => str(c.Name));
  return {
    kind,
    id: num(o.Id),
    name: str(o.Name),
    ...(namespace ? { namespace } : {}),
    isInternal: o.IsInternal === true || property(o, 'Access').toLowerCase() === 'internal',
    ...(target ? { targetObject: target } : {}),
    fields: list(o.Fields).map((f) => toField(f, type)),
    methods: list(o.Methods).map((m) => toMethod(m, type)),
    values: list(o.Values).map((v) => str(v.Name)),
    ...(obsolete ? { obsolete } : {}),
    ...(controls.length > 0 ? { controls } : {}),
  };
}

function toField(f: JsonObject, type: (t: Json | undefined) => string): SymbolField {
  const obsolete = obsoleteState(f);
  return {
    id: num(f.Id),
    name: str(f.Name),
    type: type(f.TypeDefinition),
    ...(obsolete ? { obsolete } : {}),
  };
}

/** `ObsoleteState` with its reason and tag; none (or `No`) is not obsolete. */
function obsoleteState(o: JsonObject): ObsoleteMark | undefined {
  const state = property(o, 'ObsoleteState');
  if (state === '' || state.toLowerCase() === 'no') return undefined;
  return withText({ state }, property(o, 'ObsoleteReason'), property(o, 'ObsoleteTag'));
}

/** `Attributes: [{Name: 'Obsolete', Arguments: [{Value: reason}, {Value: tag}]}]`. */
function obsoleteAttribute(m: JsonObject): ObsoleteMark | undefined {
  const attribute = list(m.Attributes).find((a) => str(a.Name).toLowerCase() === 'obsolete');
  if (!attribute) return undefined;
  const [reason, tag] = list(attribute.Arguments).map((a) => str(a.Value));
  return withText({ state: 'Pending' }, reason ?? '', tag ?? '');
}

function withText(mark: ObsoleteMark, reason: string, tag: string): ObsoleteMark {
  return { ...mark, ...(reason ? { reason } : {}), ...(tag ? { tag } : {}) };
}

function toMethod(m: JsonObject, type: (t: Json | undefined) => string): SymbolMethod {
  const access = property(m, 'Access').toLowerCase();
  const obsolete = obsoleteAttribute(m);
  return {
    name: str(m.Name),
    parameters: list(m.Parameters).map((p) => ({ type: type(p.TypeDefinition), isVar: p.IsVar === true })),
    returnType: isObject(m.ReturnTypeDefinition) ? type(m.ReturnTypeDefinition) : '',
    isLocal: m.IsLocal === true || access === 'local',
    isInternal: m.IsInternal === true || access === 'internal',
    ...(obsolete ? { obsolete } : {}),
  };
}

/** The value of a `Properties: [{Name, Value}]` entry, or ''. */
function property(o: JsonObject, name: string): string {
  const p = list(o.Properties).find((x) => str(x.Name).toLowerCase() === name.toLowerCase());
  return p ? str(p.Value) : '';
}

/** A TypeDefinition as AL would write it: `Code[20]`, `Record "Customer" temporary`, `List of [Text]`. */
export function typeText(raw: Json | undefined): string {
  if (!isObject(raw)) return '';
  let text = str(raw.Name);
  const length = num(raw.Length);
  if (length !== undefined && length > 0) text += `[${length}]`;
  if (isObject(raw.Subtype)) text += ` "${str(raw.Subtype.Name)}"`;
  const args = list(raw.TypeArguments).map(typeText);
  if (args.length > 0) text += ` of [${args.join(', ')}]`;
  const dims = Array.isArray(raw.ArrayDimensions) ? raw.ArrayDimensions.map(str) : [];
  if (dims.length > 0) text = `array[${dims.join(', ')}] of ${text}`;
  if (raw.Temporary === true || raw.IsTemporary === true) text += ' temporary';
  return text;
}

/** How a path and a message name an object: `Table 50100 "Contoso Customer"`. */
export function objectLabel(o: Pick<SymbolObject, 'kind' | 'id' | 'name'>): string {
  return o.id === undefined ? `${o.kind} "${o.name}"` : `${o.kind} ${o.id} "${o.name}"`;
}

export function methodLabel(m: SymbolMethod): string {
  const params = m.parameters.map((p) => `${p.isVar ? 'var ' : ''}${p.type}`).join('; ');
  return `procedure ${m.name}(${params})${m.returnType ? `: ${m.returnType}` : ''}`;
}
