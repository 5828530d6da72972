/**
 * Request bodies of $SYS requests decoded as nats-server decodes them: Go's
 * `json.Unmarshal` into an options struct (events.go ConnzEventOptions, ...). The
 * input is first checked by a scanner that fails with the texts of Go's
 * encoding/json scanner ("invalid character 'x' looking for beginning of object key
 * string", "unexpected end of JSON input"); then the fields are matched
 * case-insensitively, unknown ones ignored, and a value of the wrong JSON type fails
 * with Go's UnmarshalTypeError text ("json: cannot unmarshal number into Go struct
 * field ConnzEventOptions.sort of type server.SortOpt").
 */

/** A Go field type: its kind, and the type name Go prints in errors. */
export interface GoField {
  readonly kind: 'string' | 'bool' | 'int' | 'uint' | 'strings';
  /** As Go prints it: "int", "uint64", "server.SortOpt", "[]string". */
  readonly type: string;
}

/** A Go struct: its name in errors and its fields by JSON name. */
export interface GoStruct {
  readonly name: string;
  readonly fields: Readonly<Record<string, GoField>>;
}

export type DecodedFields = Record<string, string | boolean | number | string[]>;

export const STRING: GoField = { kind: 'string', type: 'string' };
export const BOOL: GoField = { kind: 'bool', type: 'bool' };
export const INT: GoField = { kind: 'int', type: 'int' };
export const UINT64: GoField = { kind: 'uint', type: 'uint64' };
export const STRINGS: GoField = { kind: 'strings', type: '[]string' };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

// ---- scanner (encoding/json scanner.go) -------------------------------------------

class SyntaxError extends Error {}

/** strconv.Quote of one byte, in single quotes (scanner.go quoteChar). */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };
  if (named[c] !== undefined) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  if (c < 0x80) return `'${String.fromCharCode(c)}'`;
  // A byte above 0x7f is taken as the rune U+0080..U+00FF.
  if (c < 0xa1 || c === 0xad) return `'\\u00${c.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCharCode(c)}'`;
}

function syntaxError(c: number, context: string): never {
  throw new SyntaxError(`invalid character ${quoteChar(c)} ${context}`);
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** A parsed JSON value; numbers keep their literal, as Go's decoder reads them. */
type Value = { t: 'string'; v: string } | { t: 'number'; raw: string } | { t: 'bool'; v: boolean } | { t: 'null' } | { t: 'array'; v: Value[] } | { t: 'object'; v: [string, Value][] };

/**
 * A recursive-descent reader over the bytes that fails where Go's scanner fails, with
 * its message. At the end of input Go's scanner steps once more with a space, so
 * "tru" fails inside the literal rather than with "unexpected end".
 */
class Reader {
  private pos = 0;
  private readonly b: Buffer;

  constructor(b: Buffer) {
    this.b = b;
  }

  private peek(): number {
    return this.pos < this.b.length ? this.b[this.pos]! : -1;
  }

  /** The byte at pos, or the scanner's end-of-input step: a space, then "unexpected end". */
  private need(context: string, spaceOk = false): number {
    if (this.pos < this.b.length) return this.b[this.pos]!;
    if (!spaceOk) syntaxError(0x20, context);
    throw new SyntaxError('unexpected end of JSON input');
  }

  private skipSpace(): void {
    while (this.pos < this.b.length && isSpace(this.b[this.pos]!)) this.pos++;
  }

  readTop(): Value {
    const v = this.value();
    this.skipSpace();
    if (this.pos < this.b.length) syntaxError(this.b[this.pos]!, 'after top-level value');
    return v;
  }

  private value(): Value {
    this.skipSpace();
    const c = this.need('looking for beginning of value', true);
    switch (c) {
      case 0x7b:
        return this.object();
      case 0x5b:
        return this.array();
      case 0x22:
        return { t: 'string', v: this.string() };
      case 0x74:
        this.literal('true');
        return { t: 'bool', v: true };
      case 0x66:
        this.literal('false');
        return { t: 'bool', v: false };
      case 0x6e:
        this.literal('null');
        return { t: 'null' };
    }
    if (c === 0x2d || isDigit(c)) return this.number();
    syntaxError(c, 'looking for beginning of value');
  }

  private literal(word: string): void {
    this.pos++;
    for (let k = 1; k < word.length; k++) {
      const expect = word.charCodeAt(k);
      const context = `in literal ${word} (expecting ${quoteChar(expect)})`;
      const c = this.need(context);
      if (c !== expect) syntaxError(c, context);
      this.pos++;
    }
  }

  private number(): Value {
    const start = this.pos;
    if (this.peek() === 0x2d) {
      this.pos++;
      const c = this.need('in numeric literal');
      if (!isDigit(c)) syntaxError(c, 'in numeric literal');
    }
    if (this.peek() === 0x30) this.pos++;
    else while (isDigit(this.peek())) this.pos++;
    if (this.peek() === 0x2e) {
      this.pos++;
      const c = this.need('after decimal point in numeric literal');
      if (!isDigit(c)) syntaxError(c, 'after decimal point in numeric literal');
      while (isDigit(this.peek())) this.pos++;
    }
    if (this.peek() === 0x65 || this.peek() === 0x45) {
      this.pos++;
      let c = this.need('in exponent of numeric literal');
      if (c === 0x2b || c === 0x2d) {
        this.pos++;
        c = this.need('in exponent of numeric literal');
      }
      if (!isDigit(c)) syntaxError(c, 'in exponent of numeric literal');
      while (isDigit(this.peek())) this.pos++;
    }
    return { t: 'number', raw: this.b.latin1Slice(start, this.pos) };
  }

  private string(): string {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const c = this.need('in string literal', true);
      if (c === 0x22) break;
      if (c < 0x20) syntaxError(c, 'in string literal');
      if (c === 0x5c) {
        this.pos++;
        const e = this.need('in string escape code');
        if (e === 0x75) {
          for (let k = 0; k < 4; k++) {
            this.pos++;
            const h = this.need('in \\u hexadecimal character escape');
            if (!isHex(h)) syntaxError(h, 'in \\u hexadecimal character escape');
          }
        } else if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) syntaxError(e, 'in string escape code');
      }
      this.pos++;
    }
    this.pos++;
    return JSON.parse(this.b.toString('utf8', start, this.pos)) as string;
  }

  private array(): Value {
    this.pos++;
    const items: Value[] = [];
    this.skipSpace();
    if (this.need('looking for beginning of value', true) === 0x5d) {
      this.pos++;
      return { t: 'array', v: items };
    }
    for (;;) {
      items.push(this.value());
      this.skipSpace();
      const c = this.need('after array element', true);
      this.pos++;
      if (c === 0x5d) return { t: 'array', v: items };
      if (c !== 0x2c) syntaxError(c, 'after array element');
    }
  }

  private object(): Value {
    this.pos++;
    const members: [string, Value][] = [];
    this.skipSpace();
    let c = this.need('looking for beginning of object key string', true);
    if (c === 0x7d) {
      this.pos++;
      return { t: 'object', v: members };
    }
    for (;;) {
      if (c !== 0x22) syntaxError(c, 'looking for beginning of object key string');
      const key = this.string();
      this.skipSpace();
      const colon = this.need('after object key', true);
      if (colon !== 0x3a) syntaxError(colon, 'after object key');
      this.pos++;
      members.push([key, this.value()]);
      this.skipSpace();
      const next = this.need('after object key:value pair', true);
      this.pos++;
      if (next === 0x7d) return { t: 'object', v: members };
      if (next !== 0x2c) syntaxError(next, 'after object key:value pair');
      this.skipSpace();
      c = this.need('looking for beginning of object key string', true);
    }
  }
}

// ---- decoding into a struct (encoding/json decode.go) ---------------------------------

/** The JSON kind Go names in an UnmarshalTypeError. */
function kindName(v: Value): string {
  return v.t === 'bool' ? 'bool' : v.t;
}

/**
 * Decodes `body` into `struct` as json.Unmarshal does. Returns the fields that were
 * set (by JSON name), or Go's error text. `null` anywhere leaves a field alone.
 */
export function decodeGoStruct(body: Buffer, struct: GoStruct): { fields: DecodedFields } | { error: string } {
  let top: Value;
  try {
    top = new Reader(body).readTop();
  } catch (err) {
    if (err instanceof SyntaxError) return { error: err.message };
    throw err;
  }
  const fields: DecodedFields = {};
  if (top.t === 'null') return { fields };
  if (top.t !== 'object') return { error: `json: cannot unmarshal ${kindName(top)} into Go value of type server.${struct.name}` };
  let firstError = '';
  const fail = (value: string, name: string, type: string): void => {
    if (firstError === '') firstError = `json: cannot unmarshal ${value} into Go struct field ${struct.name}.${name} of type ${type}`;
  };
  const names = Object.keys(struct.fields);
  for (const [key, value] of top.v) {
    // An exact match wins, then a case-insensitive one (Go's field folding).
    const name = struct.fields[key] !== undefined ? key : names.find((n) => n.toLowerCase() === key.toLowerCase());
    if (name === undefined || value.t === 'null') continue;
    const field = struct.fields[name]!;
    switch (field.kind) {
      case 'string':
        if (value.t === 'string') fields[name] = value.v;
        else fail(value.t === 'number' ? 'number' : kindName(value), name, field.type);
        break;
      case 'bool':
        if (value.t === 'bool') fields[name] = value.v;
        else fail(kindName(value), name, field.type);
        break;
      case 'int':
      case 'uint': {
        if (value.t !== 'number') {
          fail(kindName(value), name, field.type);
          break;
        }
        // strconv.ParseUint refuses any sign, "-0" too.
        const n = (field.kind === 'int' ? /^-?\d+$/ : /^\d+$/).test(value.raw) ? BigInt(value.raw) : null;
        const ok = n !== null && (field.kind === 'int' ? n >= INT64_MIN && n <= INT64_MAX : n <= UINT64_MAX);
        if (ok) fields[name] = Number(n);
        else fail(`number ${value.raw}`, name, field.type);
        break;
      }
      case 'strings': {
        if (value.t !== 'array') {
          fail(kindName(value), name, field.type);
          break;
        }
        const list: string[] = [];
        for (const item of value.v) {
          if (item.t === 'string') list.push(item.v);
          else if (item.t === 'null') list.push('');
          else fail(item.t === 'number' ? 'number' : kindName(item), name, 'string');
        }
        fields[name] = list;
        break;
      }
    }
  }
  return firstError === '' ? { fields } : { error: firstError };
}
