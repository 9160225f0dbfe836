/**
 * A small XML reader for manifests such as NavxManifest.xml: elements and attributes only.
 * It never expands entities beyond the five predefined ones and character references, and refuses
 * any DTD, so entity bombs and external entities cannot exist. Text content is skipped.
 */
export interface XmlElement {
  /** Local name, without a namespace prefix. */
  name: string;
  attributes: Map<string, string>;
  children: XmlElement[];
}

export class XmlError extends Error {}

const MAX_DEPTH = 64;
const PREDEFINED = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);
const NAME_END = /[\s/>=]/;

export function parseXml(text: string): XmlElement {
  const reader = new XmlReader(text.replace(/^\uFEFF/, ''));
  reader.skipMisc();
  if (!reader.startsWith('<')) throw new XmlError('no root element');
  const root = reader.element(0);
  reader.skipMisc();
  if (!reader.atEnd()) throw new XmlError(`unexpected content after the root element at ${reader.pos}`);
  return root;
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

class XmlReader {
  pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  /** Whitespace, comments and processing instructions; a DTD is refused. */
  skipMisc(): void {
    for (;;) {
      this.skipSpace();
      if (this.startsWith('<?')) this.skipPast('?>');
      else if (this.startsWith('<!--')) this.skipPast('-->');
      else if (this.startsWith('<!')) throw new XmlError('DTDs and declarations are not allowed');
      else return;
    }
  }

  element(depth: number): XmlElement {
    if (depth > MAX_DEPTH) throw new XmlError(`elements nested deeper than ${MAX_DEPTH}`);
    this.expect('<');
    const qualified = this.name();
    const element: XmlElement = { name: localName(qualified), attributes: new Map(), children: [] };
    if (this.attributes(element)) return element;
    this.content(element, qualified, depth);
    return element;
  }

  /** Reads attributes; true when the tag was self-closing. */
  private attributes(element: XmlElement): boolean {
    for (;;) {
      this.skipSpace();
      if (this.startsWith('/>')) {
        this.pos += 2;
        return true;
      }
      if (this.startsWith('>')) {
        this.pos += 1;
        return false;
      }
      const name = localName(this.name());
      this.skipSpace();
      this.expect('=');
      this.skipSpace();
      if (element.attributes.has(name)) throw new XmlError(`duplicate attribute ${name}`);
      element.attributes.set(name, this.quoted());
    }
  }

  private content(element: XmlElement, qualified: string, depth: number): void {
    for (;;) {
      const next = this.text.indexOf('<', this.pos);
      if (next < 0) throw new XmlError(`element ${qualified} is not closed`);
      this.pos = next;
      if (this.startsWith('</')) {
        this.pos += 2;
        const closing = this.name();
        if (closing !== qualified) throw new XmlError(`</${closing}> closes <${qualified}>`);
        this.skipSpace();
        this.expect('>');
        return;
      }
      if (this.startsWith('<!--')) this.skipPast('-->');
      else if (this.startsWith('<![CDATA[')) this.skipPast(']]>');
      else if (this.startsWith('<?')) this.skipPast('?>');
      else if (this.startsWith('<!')) throw new XmlError('declarations are not allowed inside elements');
      else element.children.push(this.element(depth + 1));
    }
  }

  private name(): string {
    const start = this.pos;
    while (!this.atEnd() && !NAME_END.test(this.text[this.pos] ?? '')) this.pos += 1;
    if (this.pos === start) throw new XmlError(`a name was expected at ${start}`);
    return this.text.slice(start, this.pos);
  }

  private quoted(): string {
    const quote = this.text[this.pos];
    if (quote !== '"' && quote !== "'") throw new XmlError(`a quoted value was expected at ${this.pos}`);
    const end = this.text.indexOf(quote, this.pos + 1);
    if (end < 0) throw new XmlError('unterminated attribute value');
    const raw = this.text.slice(this.pos + 1, end);
    if (raw.includes('<')) throw new XmlError('"<" in an attribute value');
    this.pos = end + 1;
    return decodeReferences(raw.replace(/[\t\r\n]/g, ' '));
  }

  private expect(s: string): void {
    if (!this.startsWith(s)) throw new XmlError(`"${s}" was expected at ${this.pos}`);
    this.pos += s.length;
  }

  private skipSpace(): void {
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos += 1;
  }

  private skipPast(end: string): void {
    const at = this.text.indexOf(end, this.pos);
    if (at < 0) throw new XmlError(`"${end}" was expected`);
    this.pos = at + end.length;
  }
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

function decodeReferences(value: string): string {
  return value.replace(/&([^;&]*);?/g, (match, ref: string) => {
    if (!match.endsWith(';')) throw new XmlError(`unterminated reference ${match}`);
    if (ref.startsWith('#x')) return fromCodePoint(parseInt(ref.slice(2), 16), match);
    if (ref.startsWith('#')) return fromCodePoint(parseInt(ref.slice(1), 10), match);
    const predefined = PREDEFINED.get(ref);
    if (predefined === undefined) throw new XmlError(`undefined entity ${match}`);
    return predefined;
  });
}

function fromCodePoint(code: number, ref: string): string {
  if (!Number.isInteger(code) || code < 1 || code > 0x10ffff) throw new XmlError(`bad reference ${ref}`);
  return String.fromCodePoint(code);
}
