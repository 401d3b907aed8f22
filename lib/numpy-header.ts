/**
 * The numpy header a descriptor carries (`{'descr': '<u2', 'fortran_order':
 * False, 'shape': (2, 3)}`): a Python literal, parsed by a small strict
 * parser (never evaluated) and written in exactly numpy's repr formatting.
 */
import type { Descr, DescrField } from './dtype-parse';

/** A Python literal value as the header may hold it. */
export type PyValue = string | number | boolean | null | PyValue[] | PyTuple | { [key: string]: PyValue };

/** A Python tuple (kept apart from lists: shapes are tuples, record fields too). */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A header that could not be parsed or does not describe an array. */
export class NumpyHeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NumpyHeaderError';
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  fail(what: string): never {
    throw new NumpyHeaderError(`invalid numpy header: ${what} at offset ${this.pos} in ${JSON.stringify(this.text)}`);
  }

  private skip(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private eat(ch: string): boolean {
    this.skip();
    if (this.text[this.pos] === ch) {
      this.pos++;
      return true;
    }
    return false;
  }

  parseAll(): PyValue {
    const v = this.value(0);
    this.skip();
    if (this.pos !== this.text.length) this.fail('trailing characters');
    return v;
  }

  private sequence(close: string, depth: number): { items: PyValue[]; trailingComma: boolean } {
    const items: PyValue[] = [];
    let trailingComma = false;
    for (;;) {
      if (this.eat(close)) return { items, trailingComma };
      items.push(this.value(depth + 1));
      trailingComma = this.eat(',');
      if (!trailingComma) {
        if (!this.eat(close)) this.fail(`expected ',' or '${close}'`);
        return { items, trailingComma };
      }
    }
  }

  private value(depth: number): PyValue {
    if (depth > 32) this.fail('nesting too deep');
    this.skip();
    const c = this.text[this.pos];
    if (c === undefined) this.fail('unexpected end');
    if (c === "'" || c === '"') return this.string();
    if (c === '(') {
      this.pos++;
      const { items, trailingComma } = this.sequence(')', depth);
      // (x) is just x in Python; (x,) is a tuple.
      return items.length === 1 && !trailingComma ? items[0] : new PyTuple(items);
    }
    if (c === '[') {
      this.pos++;
      return this.sequence(']', depth).items;
    }
    if (c === '{') {
      this.pos++;
      const out: { [key: string]: PyValue } = {};
      for (;;) {
        if (this.eat('}')) return out;
        this.skip();
        const key = this.string();
        if (!this.eat(':')) this.fail("expected ':'");
        out[key] = this.value(depth + 1);
        if (!this.eat(',')) {
          if (!this.eat('}')) this.fail("expected ',' or '}'");
          return out;
        }
      }
    }
    const word = /^(True|False|None|-?\d+)/.exec(this.text.slice(this.pos));
    if (word === null) this.fail('unexpected character');
    this.pos += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    const n = Number(word[0]);
    if (!Number.isSafeInteger(n)) this.fail('integer too large');
    return n;
  }

  private string(): string {
    const quote = this.text[this.pos];
    if (quote !== "'" && quote !== '"') this.fail('expected a string');
    let out = '';
    for (this.pos++; ; this.pos++) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unterminated string');
      if (c === quote) {
        this.pos++;
        return out;
      }
      if (c === '\\') out += this.escape();
      else out += c;
    }
  }

  // The escapes Python's repr writes: \\ \' \" \n \r \t \xNN \uNNNN \UNNNNNNNN.
  private escape(): string {
    const n = this.text[++this.pos];
    if (n === undefined) this.fail('unterminated string');
    const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"' };
    if (n in simple) return simple[n];
    const digits = n === 'x' ? 2 : n === 'u' ? 4 : n === 'U' ? 8 : 0;
    if (digits === 0) this.fail(`unsupported escape '\\${n}'`);
    const hex = this.text.slice(this.pos + 1, this.pos + 1 + digits);
    if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) this.fail(`bad escape '\\${n}${hex}'`);
    const point = parseInt(hex, 16);
    if (point > 0x10ffff) this.fail(`bad escape '\\${n}${hex}'`);
    this.pos += digits;
    return String.fromCodePoint(point);
  }
}

/** Parses a Python literal (dict, list, tuple, str, int, bool, None). */
export function parsePyLiteral(text: string): PyValue {
  return new Parser(text).parseAll();
}

/** What a numpy header describes. */
export interface NumpyHeader {
  /** A dtype string ('<u2') or record fields ([name, type] or [name, type, shape]; type may itself be fields). */
  descr: Descr;
  /** True for column-major data. */
  fortranOrder: boolean;
  /** The array's dimensions. */
  shape: number[];
}

function asShape(v: PyValue | undefined, what: string): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (items === null || !items.every((d) => typeof d === 'number' && d >= 0)) {
    throw new NumpyHeaderError(`invalid numpy header: ${what} must be a tuple of non-negative integers`);
  }
  return items as number[];
}

/** Parses and checks a numpy header. Throws NumpyHeaderError naming the problem. */
export function parseNumpyHeader(text: string): NumpyHeader {
  const v = parsePyLiteral(text);
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof PyTuple) {
    throw new NumpyHeaderError(`invalid numpy header: not a dict: ${JSON.stringify(text)}`);
  }
  const keys = Object.keys(v).sort().join(',');
  if (keys !== 'descr,fortran_order,shape') throw new NumpyHeaderError(`invalid numpy header: keys must be descr, fortran_order and shape, not ${keys}`);
  if (typeof v.fortran_order !== 'boolean') throw new NumpyHeaderError('invalid numpy header: fortran_order must be True or False');
  const shape = asShape(v.shape, 'shape');
  return { descr: asDescr(v.descr), fortranOrder: v.fortran_order, shape };
}

// A descr as numpy's dtype.descr writes it: a type string, or a list of
// (name, type) / (name, type, shape) tuples, where name may be (title, name)
// and type may itself be such a list (a nested record).
function asDescr(d: PyValue | undefined): Descr {
  if (typeof d === 'string') return d;
  if (!Array.isArray(d)) throw new NumpyHeaderError('invalid numpy header: descr must be a string or a list of fields');
  return d.map((f): DescrField => {
    const items = f instanceof PyTuple ? f.items : Array.isArray(f) ? f : null;
    if (items === null || items.length < 2 || items.length > 3) throw new NumpyHeaderError('invalid numpy header: record fields must be (name, type) or (name, type, shape) tuples');
    const [label, type, sub] = items;
    let name: DescrField[0];
    if (typeof label === 'string') name = label;
    else if (label instanceof PyTuple && label.items.length === 2 && label.items.every((x) => typeof x === 'string')) name = label.items as [string, string];
    else throw new NumpyHeaderError('invalid numpy header: a field name must be a string or a (title, name) tuple');
    const fieldType = asDescr(type);
    if (sub === undefined) return [name, fieldType];
    // numpy also takes a bare integer for a one-dimensional sub-array.
    return [name, fieldType, typeof sub === 'number' ? asShape(new PyTuple([sub]), 'field shape') : asShape(sub, 'field shape')];
  });
}

// Python's repr of a str: single quotes unless the text has a ' and no ",
// escapes for the quote, backslash and control characters.
function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

function reprDescr(descr: Descr): string {
  if (typeof descr === 'string') return reprString(descr);
  const fields = descr.map((f) => {
    const name = typeof f[0] === 'string' ? reprString(f[0]) : reprTuple(f[0].map(reprString));
    return reprTuple([name, reprDescr(f[1]), ...(f[2] !== undefined ? [reprTuple(f[2].map(String))] : [])]);
  });
  return `[${fields.join(', ')}]`;
}

function reprTuple(items: string[]): string {
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

/** Writes a header exactly as numpy's repr does (the bytes spead2 sends). */
export function formatNumpyHeader(header: NumpyHeader): string {
  return `{'descr': ${reprDescr(header.descr)}, 'fortran_order': ${header.fortranOrder ? 'True' : 'False'}, 'shape': ${reprTuple(header.shape.map(String))}}`;
}
