/**
 * The numpy header a descriptor carries (`{'descr': '<u2', 'fortran_order':
 * False, 'shape': (2, 3)}`): a Python literal, parsed by a small strict
 * parser (never evaluated) and written in exactly numpy's repr formatting.
 */

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
      if (c === '\\') {
        const n = this.text[++this.pos];
        if (n === undefined) this.fail('unterminated string');
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
      } else out += c;
    }
  }
}

/** Parses a Python literal (dict, list, tuple, str, int, bool, None). */
export function parsePyLiteral(text: string): PyValue {
  return new Parser(text).parseAll();
}

/** What a numpy header describes. */
export interface NumpyHeader {
  /** A dtype string ('<u2') or record fields ([name, descr] or [name, descr, shape]). */
  descr: string | Array<[string, string] | [string, string, number[]]>;
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
  const d = v.descr;
  let descr: NumpyHeader['descr'];
  if (typeof d === 'string') descr = d;
  else if (Array.isArray(d)) {
    descr = d.map((f) => {
      if (!(f instanceof PyTuple) || f.items.length < 2 || typeof f.items[0] !== 'string' || typeof f.items[1] !== 'string') {
        throw new NumpyHeaderError('invalid numpy header: record fields must be (name, dtype) tuples');
      }
      const [name, type, sub] = f.items as [string, string, PyValue | undefined];
      return sub === undefined ? ([name, type] as [string, string]) : ([name, type, asShape(sub, 'field shape')] as [string, string, number[]]);
    });
  } else throw new NumpyHeaderError('invalid numpy header: descr must be a string or a list of fields');
  return { descr, fortranOrder: v.fortran_order, shape };
}

function reprString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function reprTuple(items: string[]): string {
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

/** Writes a header exactly as numpy's repr does (the bytes spead2 sends). */
export function formatNumpyHeader(header: NumpyHeader): string {
  const descr =
    typeof header.descr === 'string'
      ? reprString(header.descr)
      : `[${header.descr
          .map((f) => reprTuple([reprString(f[0]), reprString(f[1]), ...(f[2] !== undefined ? [reprTuple(f[2].map(String))] : [])]))
          .join(', ')}]`;
  return `{'descr': ${descr}, 'fortran_order': ${header.fortranOrder ? 'True' : 'False'}, 'shape': ${reprTuple(header.shape.map(String))}}`;
}
