/**
 * Subject transforms, as nats-server's subject_transform.go: account `mappings`, import
 * remapping and (later) stream subject transforms.
 *
 *   new SubjectTransform('orders.*.*', 'shipping.$2.{{wildcard(1)}}').match('orders.eu.42')
 *     → 'shipping.42.eu'
 *
 * Destination tokens are literal text, `$n` (legacy) or one mustache function per token:
 * wildcard(i), partition(n[,i...]), split(i,sep), splitFromLeft(i,n), splitFromRight(i,n),
 * sliceFromLeft(i,n), sliceFromRight(i,n), left(i,n), right(i,n), random(n). Function names
 * are matched like nats-server's regular expressions: each word's first letter may be either
 * case (`Wildcard`, `splitfromleft`, `SplitFromLeft`), the rest is lower case. A trailing
 * `>` in the destination carries the tokens the source's `>` matched.
 *
 * Weighted mappings (`MappingSet`) follow accounts.go AddWeightedMappings/selectMappedSubject;
 * `parseMappingsConfig` follows opts.go parseAccountMappings.
 *
 * Dialtone holds wire subjects as latin1 byte strings: build publish-path transforms with
 * `{ subjects: 'bytes' }` (and byte-string source/destination, see `toByteString`) so that
 * partition hashes and byte positions match nats-server for non-ASCII subjects too.
 *
 * The publish path (`match`, `MappingSet.map`) tokenizes into per-instance offset buffers and
 * concatenates the result: no allocation besides the output string for literal/wildcard/
 * partition destinations.
 */
import { isValidSubject } from './subject.ts';

/**
 * How subjects are held. 'text': ordinary strings; where nats-server works on bytes
 * (partition hashing, left/right/slice/split positions) their UTF-8 encoding is used.
 * 'bytes': byte strings, one char per byte, as Dialtone's protocol parser yields subjects
 * (`buf.latin1Slice`); source, destination and subjects must then all be byte strings
 * (config text converts with `toByteString`). Both agree on ASCII.
 */
export type SubjectEncoding = 'text' | 'bytes';

/** UTF-8 text → byte string (one char per byte), the 'bytes' representation. */
export function toByteString(text: string): string {
  return isAscii(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}

// ---------------------------------------------------------------------------------------------
// Errors

/** What went wrong; the messages are nats-server's. */
export const TransformErrorKind = {
  /** ErrBadSubject: source or destination not a valid subject, pwc in destination, `>` mismatch. */
  InvalidSubject: 'invalid-subject',
  /** ErrInvalidMappingDestinationSubject: empty token or whitespace in a mapping destination. */
  InvalidTransform: 'invalid-transform',
  /** Import (strict) transforms must use every source `*`. */
  NotUsingAllWildcards: 'not-using-all-wildcards',
  UnknownFunction: 'unknown-function',
  IndexOutOfRange: 'index-out-of-range',
  NotEnoughArgs: 'not-enough-args',
  InvalidArg: 'invalid-arg',
  TooManyArgs: 'too-many-args',
  /** Import (strict) transforms allow only `$n` / `{{wildcard(n)}}`. */
  NotSupportedForImport: 'not-supported-for-import',
  /** Weighted mappings: the same destination twice. */
  DuplicateEntry: 'duplicate-entry',
  /** Weighted mappings: a weight above 100 (or not a whole number ≥ 0). */
  InvalidWeight: 'invalid-weight',
  /** Weighted mappings: the weights of one cluster (or of the default set) sum above 100. */
  TotalWeight: 'total-weight',
} as const;
export type TransformErrorKind = (typeof TransformErrorKind)[keyof typeof TransformErrorKind];

const DEST_ERR = 'invalid mapping destination';
const DEST_REASONS: Partial<Record<TransformErrorKind, string>> = {
  [TransformErrorKind.InvalidTransform]: `${DEST_ERR}: invalid transform`,
  [TransformErrorKind.NotUsingAllWildcards]: `${DEST_ERR}: not using all of the token wildcard(s)`,
  [TransformErrorKind.UnknownFunction]: `${DEST_ERR}: unknown function`,
  [TransformErrorKind.IndexOutOfRange]: `${DEST_ERR}: wildcard index out of range`,
  [TransformErrorKind.NotEnoughArgs]: `${DEST_ERR}: not enough arguments passed to the function`,
  [TransformErrorKind.InvalidArg]: `${DEST_ERR}: function argument is invalid or in the wrong format`,
  [TransformErrorKind.TooManyArgs]: `${DEST_ERR}: too many arguments passed to the function`,
  [TransformErrorKind.NotSupportedForImport]: `${DEST_ERR}: the only mapping function allowed for import transforms is {{Wildcard()}}`,
};

export class SubjectTransformError extends Error {
  readonly kind: TransformErrorKind;
  /** The offending destination token (or whole destination), '' when none applies. */
  readonly token: string;

  constructor(kind: TransformErrorKind, token = '', message?: string) {
    const reason = DEST_REASONS[kind];
    super(message ?? (reason === undefined ? 'invalid subject' : token === '' ? reason : `${reason} in ${token}`));
    this.name = 'SubjectTransformError';
    this.kind = kind;
    this.token = token;
  }

  /** True for the errors nats-server wraps as ErrInvalidMappingDestination. */
  get isMappingDestinationError(): boolean {
    return DEST_REASONS[this.kind] !== undefined;
  }
}

const K = TransformErrorKind;
const fail = (kind: TransformErrorKind, token = ''): never => {
  throw new SubjectTransformError(kind, token);
};

// ---------------------------------------------------------------------------------------------
// Destination token parsing (indexPlaceHolders)

const Fn = {
  Literal: 0,
  Partition: 1,
  Wildcard: 2,
  SplitFromLeft: 3,
  SplitFromRight: 4,
  SliceFromLeft: 5,
  SliceFromRight: 6,
  Split: 7,
  Left: 8,
  Right: 9,
  Random: 10,
} as const;
type Fn = (typeof Fn)[keyof typeof Fn];

// Go's regexp: \s is [\t\n\f\r ], `.` is anything but \n; the patterns are not anchored.
const WS = '[\\t\\n\\f\\r ]';
const fnRegExp = (name: string): RegExp => new RegExp(`\\{\\{${WS}*${name}${WS}*\\(([^\\n]*)\\)${WS}*\\}\\}`);
const RE = {
  partition: fnRegExp('[pP]artition'),
  wildcard: fnRegExp('[wW]ildcard'),
  splitFromLeft: fnRegExp('[sS]plit[fF]rom[lL]eft'),
  splitFromRight: fnRegExp('[sS]plit[fF]rom[rR]ight'),
  sliceFromLeft: fnRegExp('[sS]lice[fF]rom[lL]eft'),
  sliceFromRight: fnRegExp('[sS]lice[fF]rom[rR]ight'),
  split: fnRegExp('[sS]plit'),
  left: fnRegExp('[lL]eft'),
  right: fnRegExp('[rR]ight'),
  random: fnRegExp('[rR]andom'),
} as const;
const COMMA_SEP = /,[\t\n\f\r ]*/;
const WHITESPACE = /[\t\n\f\r ]/;
const MAX_INT32 = 2147483647n;
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

function functionArgs(re: RegExp, token: string): string[] | null {
  const m = re.exec(token);
  return m === null ? null : (m[1] ?? '').split(COMMA_SEP);
}

/** Go's strings.Trim(s, " "). */
function trimSpaces(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) === 32) a++;
  while (b > a && s.charCodeAt(b - 1) === 32) b--;
  return s.slice(a, b);
}

/** strconv.ParseInt(s, 10, bits): optional sign, decimal digits, in range; else null. */
function parseGoInt(s: string, bits: 32 | 64): bigint | null {
  if (!/^[+-]?[0-9]+$/.test(s)) return null;
  const v = BigInt(s);
  if (bits === 32) return v < -(2n ** 31n) || v > MAX_INT32 ? null : v;
  return v < MIN_INT64 || v > MAX_INT64 ? null : v;
}

/** Go's int32(x) conversion. */
const toInt32 = (v: bigint): number => Number(BigInt.asIntN(32, v));
/** A wildcard index as a JS number (only compared with the number of wildcards). */
const toIndex = (v: bigint): number => (v > 1_000_000n ? 1_000_000 : v < -1_000_000n ? -1_000_000 : Number(v));

interface Placeholder {
  type: Fn;
  /** Wildcard numbers (1-based), as written. */
  indexes: number[];
  int: number;
  str: string;
}

const literalPlaceholder = (): Placeholder => ({ type: Fn.Literal, indexes: [], int: -1, str: '' });

function indexAndInt(token: string, args: string[], type: Fn): Placeholder {
  if (args.length < 2) fail(K.NotEnoughArgs, token);
  if (args.length > 2) fail(K.TooManyArgs, token);
  const i = parseGoInt(trimSpaces(args[0]!), 64);
  if (i === null) return fail(K.InvalidArg, token);
  const n = parseGoInt(trimSpaces(args[1]!), 32);
  if (n === null) return fail(K.InvalidArg, token);
  return { type, indexes: [toIndex(i)], int: Number(n), str: '' };
}

function parsePlaceholder(token: string): Placeholder {
  const len = token.length;
  if (len <= 1) return literalPlaceholder();
  if (token.charCodeAt(0) === 36 /* $ */) {
    // Legacy $n; other tokens starting with $ are literal text.
    const v = parseGoInt(token.slice(1), 64);
    return v === null ? literalPlaceholder() : { type: Fn.Wildcard, indexes: [toIndex(v)], int: -1, str: '' };
  }
  if (!(len > 4 && token.startsWith('{{') && token.endsWith('}}'))) return literalPlaceholder();

  let args = functionArgs(RE.wildcard, token);
  if (args !== null) {
    if (args.length === 1 && args[0] === '') fail(K.NotEnoughArgs, token);
    if (args.length !== 1) fail(K.TooManyArgs, token);
    const i = parseGoInt(trimSpaces(args[0]!), 64);
    if (i === null) return fail(K.InvalidArg, token);
    return { type: Fn.Wildcard, indexes: [toIndex(i)], int: -1, str: '' };
  }

  args = functionArgs(RE.partition, token);
  if (args !== null) {
    const n = parseGoInt(trimSpaces(args[0]!), 64);
    if (n === null || n > MAX_INT32) return fail(K.InvalidArg, token);
    const indexes: number[] = [];
    for (const a of args.slice(1)) {
      const i = parseGoInt(trimSpaces(a), 64);
      if (i === null) return fail(K.InvalidArg, token);
      indexes.push(toIndex(i));
    }
    return { type: Fn.Partition, indexes, int: toInt32(n), str: '' };
  }

  const pairs: readonly [RegExp, Fn][] = [
    [RE.splitFromLeft, Fn.SplitFromLeft],
    [RE.splitFromRight, Fn.SplitFromRight],
    [RE.sliceFromLeft, Fn.SliceFromLeft],
    [RE.sliceFromRight, Fn.SliceFromRight],
    [RE.right, Fn.Right],
    [RE.left, Fn.Left],
  ];
  for (const [re, type] of pairs) {
    args = functionArgs(re, token);
    if (args !== null) return indexAndInt(token, args, type);
  }

  args = functionArgs(RE.split, token);
  if (args !== null) {
    if (args.length < 2) fail(K.NotEnoughArgs, token);
    if (args.length > 2) fail(K.TooManyArgs, token);
    const i = parseGoInt(trimSpaces(args[0]!), 64);
    if (i === null) return fail(K.InvalidArg, token);
    const sep = args[1]!;
    if (sep.includes(' ') || sep.includes('.')) fail(K.InvalidArg, token);
    return { type: Fn.Split, indexes: [toIndex(i)], int: -1, str: sep };
  }

  args = functionArgs(RE.random, token);
  if (args !== null) {
    if (args.length !== 1) fail(K.NotEnoughArgs, token);
    const n = parseGoInt(trimSpaces(args[0]!), 64);
    if (n === null || n > MAX_INT32) return fail(K.InvalidArg, token);
    return { type: Fn.Random, indexes: [], int: toInt32(n), str: '' };
  }

  return fail(K.UnknownFunction, token);
}

// ---------------------------------------------------------------------------------------------
// Source patterns and matching

const DOT = 46;
const STAR = 42;
const GT = 62;
const TOK_LITERAL = 0;
const TOK_PWC = 1;
const TOK_FWC = 2;

interface SubjectInfo {
  tokens: string[];
  npwcs: number;
  fwc: boolean;
}

/** subjectInfo: non-empty tokens, nothing after `>`; whitespace is not checked. */
function subjectInfo(subject: string): SubjectInfo | null {
  if (subject === '') return null;
  const tokens = subject.split('.');
  let npwcs = 0;
  let fwc = false;
  for (const t of tokens) {
    if (t.length === 0 || fwc) return null;
    if (t === '>') fwc = true;
    else if (t === '*') npwcs++;
  }
  return { tokens, npwcs, fwc };
}

/** A compiled source subject; `match` records each source position's token offsets. */
class SourcePattern {
  readonly kinds: Uint8Array;
  readonly literals: readonly string[];
  readonly size: number;

  constructor(tokens: readonly string[]) {
    this.size = tokens.length;
    this.kinds = new Uint8Array(tokens.length);
    tokens.forEach((t, i) => (this.kinds[i] = t === '*' ? TOK_PWC : t === '>' ? TOK_FWC : TOK_LITERAL));
    this.literals = tokens;
  }

  /**
   * Matches `subject`, filling starts/ends for every source position (for a `>` position,
   * the first token it covers). `subset` = nats-server's isSubsetMatch as used for mappings
   * (a `*` subject token may meet a `*`, the tail under `>` is not inspected); otherwise the
   * subject must be a valid literal subject, as SubjectTransform.Match requires.
   */
  match(subject: string, starts: Int32Array, ends: Int32Array, subset: boolean): boolean {
    const n = subject.length;
    const kinds = this.kinds;
    let pos = 0;
    for (let k = 0; k < this.size; k++) {
      if (pos > n) return false;
      let end = subject.indexOf('.', pos);
      if (end < 0) end = n;
      const kind = kinds[k];
      if (kind === TOK_FWC) {
        starts[k] = pos;
        ends[k] = end;
        return subset || validLiteralTail(subject, pos);
      }
      const len = end - pos;
      if (kind === TOK_PWC) {
        if (len === 0) return false;
        if (len === 1) {
          const c = subject.charCodeAt(pos);
          if (c === GT || (c === STAR && !subset)) return false;
        }
      } else {
        const lit = this.literals[k]!;
        if (len !== lit.length || !subject.startsWith(lit, pos)) return false;
      }
      starts[k] = pos;
      ends[k] = end;
      pos = end + 1;
    }
    return pos === n + 1;
  }

  /** Records the first `size` tokens of `subject` without checking it; returns how many. */
  tokenize(subject: string, starts: Int32Array, ends: Int32Array): number {
    const n = subject.length;
    let pos = 0;
    let k = 0;
    while (k < this.size) {
      let end = subject.indexOf('.', pos);
      if (end < 0) end = n;
      starts[k] = pos;
      ends[k] = end;
      k++;
      if (end === n) break;
      pos = end + 1;
    }
    return k;
  }
}

/** True if the tokens from `pos` on are non-empty and not wildcards. */
function validLiteralTail(subject: string, pos: number): boolean {
  const n = subject.length;
  for (;;) {
    let end = subject.indexOf('.', pos);
    if (end < 0) end = n;
    const len = end - pos;
    if (len === 0) return false;
    if (len === 1) {
      const c = subject.charCodeAt(pos);
      if (c === STAR || c === GT) return false;
    }
    if (end === n) return true;
    pos = end + 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Hashing

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/** FNV-1a 32 over the UTF-8 bytes of s[from, to), continuing from hash `h`. */
function fnvRange(h: number, s: string, from: number, to: number): number {
  // ASCII fast path; the first other character hands over to the UTF-8 encoding loop.
  let i = from;
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return i === to ? h : fnvRangeUtf8(h, s, i, to);
}

/** FNV-1a 32 over a byte string (one char per byte) s[from, to). */
function fnvRangeBytes(h: number, s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ (s.charCodeAt(i) & 0xff), FNV_PRIME);
  return h;
}

function fnvRangeUtf8(h: number, s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, FNV_PRIME);
    } else if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >> 6)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (c & 63)), FNV_PRIME);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < to ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          h = Math.imul(h ^ (0xf0 | (cp >> 18)), FNV_PRIME);
          h = Math.imul(h ^ (0x80 | ((cp >> 12) & 63)), FNV_PRIME);
          h = Math.imul(h ^ (0x80 | ((cp >> 6) & 63)), FNV_PRIME);
          h = Math.imul(h ^ (0x80 | (cp & 63)), FNV_PRIME);
          i++;
          continue;
        }
        c = 0xfffd; // lone surrogate: what a UTF-8 encoder writes
      }
      h = Math.imul(h ^ (0xe0 | (c >> 12)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 63)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (c & 63)), FNV_PRIME);
    }
  }
  return h;
}

/** Decimal strings of small partition numbers, so the publish path does not format them. */
const LABELS: readonly string[] = Array.from({ length: 1024 }, (_, i) => String(i));

/**
 * FNV-1a 32-bit hash (Go's hash/fnv New32a) of the UTF-8 encoding of `input`, or with
 * `subjects: 'bytes'` of `input` taken as a byte string (one char per byte).
 */
export function fnv1a32(input: string, subjects: SubjectEncoding = 'text'): number {
  const h = subjects === 'bytes' ? fnvRangeBytes(FNV_OFFSET, input, 0, input.length) : fnvRange(FNV_OFFSET, input, 0, input.length);
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Byte-oriented token slicing (Go slices strings by UTF-8 bytes)

interface TokenView {
  len: number;
  sub(from: number, to: number): string;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function tokenView(token: string, bytes: boolean): TokenView {
  if (bytes || isAscii(token)) return { len: token.length, sub: (a, b) => token.slice(a, b) };
  const buf = Buffer.from(token, 'utf8');
  return { len: buf.length, sub: (a, b) => buf.toString('utf8', a, b) };
}

function splitFromLeft(token: string, position: number, bytes: boolean): string {
  const v = tokenView(token, bytes);
  return position > 0 && position < v.len ? `${v.sub(0, position)}.${v.sub(position, v.len)}` : token;
}

function splitFromRight(token: string, position: number, bytes: boolean): string {
  const v = tokenView(token, bytes);
  return position > 0 && position < v.len ? `${v.sub(0, v.len - position)}.${v.sub(v.len - position, v.len)}` : token;
}

function sliceFromLeft(token: string, size: number, bytes: boolean): string {
  const v = tokenView(token, bytes);
  if (!(size > 0 && size < v.len)) return token;
  let out = '';
  for (let i = 0; i + size <= v.len; i += size) {
    if (i !== 0) out += '.';
    out += v.sub(i, i + size);
    if (i + size !== v.len && i + size + size > v.len) {
      out += '.' + v.sub(i + size, v.len);
      break;
    }
  }
  return out;
}

function sliceFromRight(token: string, size: number, bytes: boolean): string {
  const v = tokenView(token, bytes);
  if (!(size > 0 && size < v.len)) return token;
  let out = '';
  const rem = v.len % size;
  if (rem > 0) out += v.sub(0, rem) + '.';
  for (let i = rem; i + size <= v.len; i += size) {
    out += v.sub(i, i + size);
    if (i + size < v.len) out += '.';
  }
  return out;
}

function leftOf(token: string, size: number, bytes: boolean): string {
  const v = tokenView(token, bytes);
  return size > 0 && size < v.len ? v.sub(0, size) : token;
}

function rightOf(token: string, size: number, bytes: boolean): string {
  const v = tokenView(token, bytes);
  return size > 0 && size < v.len ? v.sub(v.len - size, v.len) : token;
}

/** A byte string cut into UTF-8 sequences (a lead byte and its continuation bytes). */
function utf8Runs(bytes: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i <= bytes.length; i++) {
    if (i === bytes.length || (bytes.charCodeAt(i) & 0xc0) !== 0x80) {
      out.push(bytes.slice(start, i));
      start = i;
    }
  }
  return out;
}

function splitOn(token: string, sep: string, bytes: boolean): string {
  // An empty separator splits into characters (Go: UTF-8 sequences).
  const parts = sep === '' ? (bytes ? utf8Runs(token) : Array.from(token)) : token.split(sep);
  let out = '';
  for (let j = 0; j < parts.length; j++) {
    const p = parts[j]!;
    if (p !== '') out += p;
    if (j < parts.length - 1 && parts[j + 1] !== '' && !(j === 0 && p === '')) out += '.';
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Compiled transforms

/** One step of the output: literal text, or a function of source tokens. */
class Op {
  readonly type: Fn;
  readonly text: string;
  /** Source token positions the function reads. */
  readonly positions: Int32Array;
  readonly int: number;

  constructor(type: Fn, text: string, positions: readonly number[], int: number) {
    this.type = type;
    this.text = text;
    this.positions = Int32Array.from(positions);
    this.int = int;
  }
}

interface DestToken {
  text: string;
  type: Fn;
  /** For Wildcard: the source wildcard number (1-based) as written. */
  wildcard: number;
}

/** The compiled form of (source, destination). */
class Program {
  readonly source: string;
  readonly destination: string;
  readonly strict: boolean;
  readonly pattern: SourcePattern;
  readonly npwcs: number;
  /** No destination: the subject passes unchanged (nats-server returns no transform). */
  readonly identity: boolean;
  /** `>` to `>`: Match returns the subject without looking at it. */
  readonly passthrough: boolean;
  readonly ops: readonly Op[];
  /** The whole output when it does not depend on the subject. */
  readonly constant: string | null;
  /** The destination ends with `>`: append the tokens the source's `>` matched. */
  readonly tail: boolean;
  readonly destTokens: readonly DestToken[];
  readonly random: () => number;
  /** Strings are byte strings (one char per byte), not text. */
  readonly bytes: boolean;

  constructor(source: string, destination: string, strict: boolean, random: () => number, bytes: boolean) {
    this.strict = strict;
    this.random = random;
    this.bytes = bytes;
    this.destination = destination;
    if (destination === '') {
      this.source = source === '' ? '>' : source;
      this.identity = true;
      this.passthrough = this.source === '>';
      this.pattern = new SourcePattern(this.source.split('.'));
      this.npwcs = 0;
      this.ops = [];
      this.constant = null;
      this.tail = false;
      this.destTokens = [];
      return;
    }
    this.identity = false;
    this.source = source === '' ? '>' : source;
    const s = subjectInfo(this.source);
    const d = subjectInfo(destination);
    if (s === null || d === null || d.npwcs > 0 || s.fwc !== d.fwc) fail(K.InvalidSubject);
    const src = s!;
    const dst = d!;
    this.pattern = new SourcePattern(src.tokens);
    this.npwcs = src.npwcs;
    this.passthrough = this.source === '>' && destination === '>';

    // Wildcard number (1-based) → source token position. Other numbers read position 0,
    // as nats-server's map lookup defaults to 0 (its own tests rely on partition(n, 0)).
    const positionOf: number[] = [];
    src.tokens.forEach((t, i) => {
      if (t === '*') positionOf.push(i);
    });
    const position = (w: number): number => (w >= 1 && w <= positionOf.length ? positionOf[w - 1]! : 0);

    const hasWildcards = src.npwcs > 0 || src.fwc;
    const ops: Op[] = [];
    const destTokens: DestToken[] = [];
    let text = '';
    let tail = false;
    let used = 0;
    const last = dst.tokens.length - 1;
    dst.tokens.forEach((token, i) => {
      const ph = parsePlaceholder(token);
      let positions: number[] = [];
      if (hasWildcards) {
        if (strict && ph.type !== Fn.Literal && ph.type !== Fn.Wildcard) fail(K.NotSupportedForImport, token);
        if (ph.type !== Fn.Literal && ph.type !== Fn.Random) {
          used += ph.indexes.length;
          for (const w of ph.indexes) {
            if (w > src.npwcs) fail(K.IndexOutOfRange, `${token}: [${w}]`);
            positions.push(position(w));
          }
        }
      } else if (ph.type !== Fn.Literal && ph.type !== Fn.Random && ph.type !== Fn.Partition) {
        fail(K.IndexOutOfRange, token);
      } else {
        positions = []; // a literal source's partition hashes the whole subject
      }
      destTokens.push({ text: token, type: ph.type, wildcard: ph.type === Fn.Wildcard ? ph.indexes[0]! : 0 });
      if (ph.type === Fn.Literal) {
        if (token === '>') {
          tail = true; // always the last token
          return;
        }
        text += token;
      } else {
        if (text !== '') ops.push(new Op(Fn.Literal, text, [], 0));
        text = '';
        ops.push(new Op(ph.type, ph.str, positions, ph.int));
      }
      if (i < last) text += '.';
    });
    if (strict && hasWildcards && used < src.npwcs) fail(K.NotUsingAllWildcards, destination);
    if (text !== '') ops.push(new Op(Fn.Literal, text, [], 0));
    this.ops = ops;
    this.tail = tail;
    this.destTokens = destTokens;
    this.constant = !tail && ops.length <= 1 && (ops.length === 0 || ops[0]!.type === Fn.Literal) ? (ops[0]?.text ?? '') : null;
  }

  /** Builds the output from the recorded token offsets (`count` positions are valid). */
  emit(subject: string, starts: Int32Array, ends: Int32Array, count: number): string {
    if (this.constant !== null) return this.constant;
    let out = '';
    const ops = this.ops;
    for (let o = 0; o < ops.length; o++) {
      const op = ops[o]!;
      switch (op.type) {
        case Fn.Literal:
          out += op.text;
          break;
        case Fn.Wildcard: {
          const p = op.positions[0]!;
          if (p < count) out += subject.slice(starts[p]!, ends[p]!);
          break;
        }
        case Fn.Partition: {
          const n = op.int;
          if (n === 0) {
            out += '0';
            break;
          }
          let h = FNV_OFFSET;
          const ps = op.positions;
          const bytes = this.bytes;
          if (ps.length === 0) h = bytes ? fnvRangeBytes(h, subject, 0, subject.length) : fnvRange(h, subject, 0, subject.length);
          else for (let j = 0; j < ps.length; j++) {
            const p = ps[j]!;
            if (p < count) h = bytes ? fnvRangeBytes(h, subject, starts[p]!, ends[p]!) : fnvRange(h, subject, starts[p]!, ends[p]!);
          }
          const bucket = (h >>> 0) % (n >>> 0);
          out += bucket < LABELS.length ? LABELS[bucket]! : String(bucket);
          break;
        }
        case Fn.Random: {
          const n = op.int;
          out += n === 0 ? 0 : Math.floor(this.random() * 2147483648) % n;
          break;
        }
        default: {
          const p = op.positions[0]!;
          const token = p < count ? subject.slice(starts[p]!, ends[p]!) : '';
          out += applyTokenFunction(op, token, this.bytes);
        }
      }
    }
    if (this.tail && count >= this.pattern.size) out += subject.slice(starts[this.pattern.size - 1]!);
    return out;
  }
}

function applyTokenFunction(op: Op, token: string, bytes: boolean): string {
  switch (op.type) {
    case Fn.SplitFromLeft:
      return splitFromLeft(token, op.int, bytes);
    case Fn.SplitFromRight:
      return splitFromRight(token, op.int, bytes);
    case Fn.SliceFromLeft:
      return sliceFromLeft(token, op.int, bytes);
    case Fn.SliceFromRight:
      return sliceFromRight(token, op.int, bytes);
    case Fn.Left:
      return leftOf(token, op.int, bytes);
    case Fn.Right:
      return rightOf(token, op.int, bytes);
    case Fn.Split:
      return splitOn(token, op.text, bytes);
    default:
      return token;
  }
}

// ---------------------------------------------------------------------------------------------
// SubjectTransform

export interface SubjectTransformOptions {
  /**
   * Import transforms (nats-server's strict mode): only `$n` / `{{wildcard(n)}}` may be
   * used and every `*` of the source must be referenced, so the transform can be reversed.
   */
  importOnly?: boolean;
  /** Source of `{{random(n)}}` values, [0, 1); Math.random by default. */
  random?: () => number;
  /** How strings are held: see SubjectEncoding. Default 'text'. */
  subjects?: SubjectEncoding;
}

export class SubjectTransform {
  readonly #p: Program;
  readonly #starts: Int32Array;
  readonly #ends: Int32Array;

  /**
   * Compiles `source` → `destination`. An empty source means `>`; an empty destination
   * makes an identity transform (subjects matching the source pass unchanged). Throws
   * SubjectTransformError.
   */
  constructor(source: string, destination: string, options: SubjectTransformOptions = {}) {
    this.#p = new Program(source, destination, options.importOnly ?? false, options.random ?? Math.random, options.subjects === 'bytes');
    this.#starts = new Int32Array(this.#p.pattern.size);
    this.#ends = new Int32Array(this.#p.pattern.size);
  }

  /** An import transform (`{ importOnly: true }`). */
  static forImport(source: string, destination: string, options: Omit<SubjectTransformOptions, 'importOnly'> = {}): SubjectTransform {
    return new SubjectTransform(source, destination, { ...options, importOnly: true });
  }

  get source(): string {
    return this.#p.source;
  }

  /** The destination as given ('' for an identity transform). */
  get destination(): string {
    return this.#p.destination;
  }

  get importOnly(): boolean {
    return this.#p.strict;
  }

  get subjects(): SubjectEncoding {
    return this.#p.bytes ? 'bytes' : 'text';
  }

  /**
   * The transformed subject, or null when `subject` is not a valid literal subject matched
   * by the source (nats-server's Match).
   */
  match(subject: string): string | null {
    const p = this.#p;
    if (p.passthrough) return subject;
    if (!p.pattern.match(subject, this.#starts, this.#ends, false)) return null;
    return p.identity ? subject : p.emit(subject, this.#starts, this.#ends, p.pattern.size);
  }

  /** True if `match` would transform `subject`. */
  matches(subject: string): boolean {
    const p = this.#p;
    return p.passthrough || p.pattern.match(subject, this.#starts, this.#ends, false);
  }

  /**
   * Transforms without checking that the source matches (nats-server's TransformSubject),
   * e.g. to carry a subscription subject, wildcards included, through a reversed import
   * transform. Tokens the subject lacks read as empty.
   */
  transform(subject: string): string {
    const p = this.#p;
    if (p.identity) return subject;
    const count = p.pattern.tokenize(subject, this.#starts, this.#ends);
    return p.emit(subject, this.#starts, this.#ends, count);
  }

  /**
   * The import transform going the other way (destination-side subject → source-side
   * subject), or null if this transform cannot be reversed: it uses functions other than
   * wildcard, leaves a source `*` out, or places one twice (the reversed source would then
   * have a wildcard its destination does not use).
   *
   * Unlike nats-server's reverse(), which reuses the destination's placeholders in order and
   * so is only right when the wildcard permutation is its own inverse (identity or swaps),
   * this computes the true inverse: `a.*.*.*` → `b.$2.$3.$1` reverses to `b.*.*.*` → `a.$3.$1.$2`.
   * For identity and swap permutations both agree.
   */
  reverse(): SubjectTransform | null {
    const p = this.#p;
    const subjects: SubjectEncoding = p.bytes ? 'bytes' : 'text';
    if (p.identity) return new SubjectTransform(p.source, '', { importOnly: true, subjects });
    const srcTokens: string[] = [];
    const placeOf = new Map<number, number>();
    let placeholders = 0;
    for (const t of p.destTokens) {
      if (t.type === Fn.Wildcard && t.wildcard >= 1 && t.wildcard <= p.npwcs) {
        placeholders++;
        if (!placeOf.has(t.wildcard)) placeOf.set(t.wildcard, placeholders);
        srcTokens.push('*');
      } else if (t.type === Fn.Literal) {
        srcTokens.push(t.text);
      } else {
        return null;
      }
    }
    const destTokens: string[] = [];
    let w = 0;
    for (const t of p.source.split('.')) {
      if (t !== '*') {
        destTokens.push(t);
        continue;
      }
      const at = placeOf.get(++w);
      if (at === undefined) return null;
      destTokens.push(`$${at}`);
    }
    try {
      return new SubjectTransform(srcTokens.join('.'), destTokens.join('.'), { importOnly: true, random: p.random, subjects });
    } catch {
      return null;
    }
  }

}

// ---------------------------------------------------------------------------------------------
// Helpers shared with imports

/** `foo.*.*` → `foo.$1.$2` (nats-server's transformTokenize). */
export function transformTokenize(subject: string): string {
  let i = 0;
  return subject
    .split('.')
    .map((t) => (t === '*' ? `$${++i}` : t))
    .join('.');
}

/**
 * `foo.$2.{{wildcard(1)}}` → { subject: 'foo.*.*', placeholders: ['$2', '{{wildcard(1)}}'] }
 * (nats-server's transformUntokenize).
 */
export function transformUntokenize(subject: string): { subject: string; placeholders: string[] } {
  const placeholders: string[] = [];
  const tokens = subject.split('.').map((t) => {
    const c1 = t.charCodeAt(1);
    const args = functionArgs(RE.wildcard, t);
    if ((t.length > 1 && t.charCodeAt(0) === 36 && c1 >= 49 && c1 <= 57) || (args !== null && args.length === 1 && args[0] !== '')) {
      placeholders.push(t);
      return '*';
    }
    return t;
  });
  return { subject: tokens.join('.'), placeholders };
}

const KNOWN_FUNCTIONS: readonly RegExp[] = [
  RE.partition,
  RE.wildcard,
  RE.splitFromLeft,
  RE.splitFromRight,
  RE.sliceFromLeft,
  RE.sliceFromRight,
  RE.split,
  RE.random,
  // nats-server's ValidateMapping leaves these two out of its list (so account mappings
  // using them fail there with "unknown function"); SubjectTransform itself supports them.
  RE.left,
  RE.right,
];

/**
 * nats-server's ValidateMapping: the checks applied to subject mapping destinations
 * (no empty token, no whitespace outside function tokens, known functions) and then the
 * transform itself. An empty destination is accepted. Throws SubjectTransformError.
 */
export function validateMapping(source: string, destination: string): void {
  if (destination !== '') compileMapping(source, destination, Math.random, false);
}

function compileMapping(source: string, destination: string, random: () => number, bytes: boolean): Program {
  let fwc = false;
  for (const t of destination.split('.')) {
    const len = t.length;
    if (len === 0 || fwc) fail(K.InvalidTransform, t);
    if (len > 4 && t.startsWith('{{') && t.endsWith('}}')) {
      if (!KNOWN_FUNCTIONS.some((re) => re.test(t))) fail(K.UnknownFunction, t);
      continue;
    }
    if (t === '>') fwc = true;
    else if (WHITESPACE.test(t)) fail(K.InvalidTransform);
  }
  return new Program(source, destination, false, random, bytes);
}

// ---------------------------------------------------------------------------------------------
// Weighted mappings

export interface MappingDestination {
  destination: string;
  /** Percent, 0..100. */
  weight: number;
  /** Only applies on servers of this cluster. */
  cluster?: string;
}

export interface MappingSpec {
  source: string;
  destinations: MappingDestination[];
}

interface WeightedEntry {
  /** null: the subject passes unchanged. */
  tr: Program | null;
  /** Cumulative weight after sorting. */
  upTo: number;
}

export interface MappingSetOptions {
  /** Source of `{{random(n)}}` values; Math.random by default. */
  random?: () => number;
  /** How strings are held: see SubjectEncoding. Default 'text'. */
  subjects?: SubjectEncoding;
}

/** Go's %q, close enough for messages. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/**
 * One account mapping: a source subject and weighted destinations (nats-server's
 * AddWeightedMappings). Weights of the default set, and of each cluster's set, must sum to
 * at most 100; unless the source itself is listed as a destination, the remainder leaves
 * the subject unchanged. When the source is listed explicitly the remainder selects nothing
 * and `map` returns '' (nats-server drops the message).
 */
export class MappingSet {
  readonly source: string;
  readonly #pattern: SourcePattern;
  readonly #defaults: readonly WeightedEntry[];
  readonly #clusters: ReadonlyMap<string, readonly WeightedEntry[]> | null;
  readonly #starts: Int32Array;
  readonly #ends: Int32Array;

  /** Throws SubjectTransformError (messages as nats-server's). */
  constructor(source: string, destinations: readonly MappingDestination[], options: MappingSetOptions = {}) {
    if (!isValidSubject(source)) fail(K.InvalidSubject);
    this.source = source;
    const tokens = source.split('.');
    this.#pattern = new SourcePattern(tokens);
    this.#starts = new Int32Array(tokens.length);
    this.#ends = new Int32Array(tokens.length);

    const seen = new Set<string>();
    const totals = new Map<string, number>();
    const defaults: { tr: Program | null; weight: number }[] = [];
    const clusters = new Map<string, { tr: Program | null; weight: number }[]>();
    for (const d of destinations) {
      if (seen.has(d.destination)) {
        throw new SubjectTransformError(K.DuplicateEntry, d.destination, `duplicate entry for ${goQuote(d.destination)}`);
      }
      seen.add(d.destination);
      if (!Number.isInteger(d.weight) || d.weight < 0) {
        throw new SubjectTransformError(K.InvalidWeight, '', `Invalid weight ${d.weight} for mapping destination`);
      }
      if (d.weight > 100) throw new SubjectTransformError(K.InvalidWeight, '', 'individual weights need to be <= 100');
      const cluster = d.cluster ?? '';
      const total = (totals.get(cluster) ?? 0) + d.weight;
      totals.set(cluster, total);
      if (total > 100) throw new SubjectTransformError(K.TotalWeight, '', 'total weight needs to be <= 100');
      // nats-server would accept an empty destination here and then fail at publish time.
      if (d.destination === '') fail(K.InvalidTransform);
      const entry = { tr: compileMapping(source, d.destination, options.random ?? Math.random, options.subjects === 'bytes'), weight: d.weight };
      if (cluster === '') defaults.push(entry);
      else {
        let list = clusters.get(cluster);
        if (list === undefined) clusters.set(cluster, (list = []));
        list.push(entry);
      }
    }

    const finish = (list: { tr: Program | null; weight: number }[]): WeightedEntry[] => {
      const sum = list.reduce((a, e) => a + e.weight, 0);
      if (sum !== 100 && !seen.has(source)) list.push({ tr: null, weight: list.length === 0 ? 100 : 100 - sum });
      list.sort((a, b) => a.weight - b.weight); // stable, as Go's insertion sort for short lists
      let upTo = 0;
      return list.map((e) => ({ tr: e.tr, upTo: (upTo += e.weight) }));
    };
    this.#defaults = finish(defaults);
    if (clusters.size === 0) this.#clusters = null;
    else {
      const m = new Map<string, readonly WeightedEntry[]>();
      for (const [c, list] of clusters) m.set(c, finish(list));
      this.#clusters = m;
    }
  }

  /** True if `subject` falls under this mapping's source. */
  matches(subject: string): boolean {
    return this.#pattern.match(subject, this.#starts, this.#ends, true);
  }

  /**
   * null when `subject` is not under the source; otherwise the selected destination's
   * subject: the subject itself for the unchanged remainder, '' when nothing is selected
   * (the source was listed explicitly: drop). `cluster` selects that cluster's entries when
   * it has any (else the default set); `rand` returns [0, 1).
   */
  map(subject: string, cluster = '', rand: () => number = Math.random): string | null {
    if (!this.#pattern.match(subject, this.#starts, this.#ends, true)) return null;
    let list = this.#defaults;
    if (this.#clusters !== null) list = this.#clusters.get(cluster) ?? list;
    let chosen: WeightedEntry | undefined;
    if (list.length === 1 && list[0]!.upTo === 100) chosen = list[0];
    else {
      let w = Math.floor(rand() * 100);
      if (w > 99) w = 99;
      else if (!(w >= 0)) w = 0;
      for (let i = 0; i < list.length; i++) {
        if (w < list[i]!.upTo) {
          chosen = list[i];
          break;
        }
      }
    }
    if (chosen === undefined) return '';
    if (chosen.tr === null) return subject;
    return chosen.tr.emit(subject, this.#starts, this.#ends, this.#pattern.size);
  }

  /**
   * The subject to publish to: the selected destination's subject, or `subject` unchanged
   * when it is not under the source or the remainder is selected ('' = drop, see map()).
   */
  select(subject: string, rand: () => number = Math.random, cluster = ''): string {
    return this.map(subject, cluster, rand) ?? subject;
  }
}

// ---------------------------------------------------------------------------------------------
// Configuration

export interface ParsedMappings {
  /** The mappings that were accepted, in order. */
  mappings: MappingSpec[];
  /** MappingSets built from `mappings`, same order. */
  sets: MappingSet[];
  /** nats-server's messages for what was rejected (without file positions). */
  errors: string[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'bigint') return 'int64';
  if (v instanceof Date) return 'time.Time';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** parseAccountMapDest; returns an error message instead of a destination on failure. */
function parseMapDestination(v: unknown): MappingDestination | string {
  if (!isPlainObject(v)) return 'Expected an entry for the mapping destination';
  const d: MappingDestination = { destination: '', weight: 0 };
  let sawWeight = false;
  for (const [key, val] of Object.entries(v)) {
    switch (key.toLowerCase()) {
      case 'dest':
      case 'destination':
        if (typeof val !== 'string') return `Expected a string for mapping destination, got ${goTypeName(val)}`;
        d.destination = val;
        break;
      case 'weight': {
        let w: bigint | null;
        if (typeof val === 'string') {
          const ws = val.endsWith('%') ? val.slice(0, -1) : val;
          w = parseGoInt(ws, 64);
          if (w === null) return `Invalid weight ${goQuote(ws)} for mapping destination`;
        } else if ((typeof val === 'number' && Number.isInteger(val)) || typeof val === 'bigint') {
          w = BigInt(val);
        } else {
          return `Unknown entry type for weight of ${String(val)}\n`;
        }
        if (w > 100n || w < 0n) return `Invalid weight ${w} for mapping destination`;
        d.weight = Number(w);
        sawWeight = true;
        break;
      }
      case 'cluster':
        if (typeof val !== 'string') return `Expected a string for mapping cluster, got ${goTypeName(val)}`;
        d.cluster = val;
        break;
      default:
        return `Unknown field ${goQuote(key)} for mapping destination`;
    }
  }
  if (!sawWeight) return `Missing weight for mapping destination ${goQuote(d.destination)}`;
  return d;
}

/**
 * Reads a `mappings` (or `maps`) block as the configuration parser yields it, following
 * nats-server's parseAccountMappings:
 *
 *   mappings {
 *     "src.*": "dest.$1"
 *     "w": [{destination: "a", weight: 40%}, {destination: "b", weight: "60%", cluster: "c1"}]
 *     "one": {dest: "x", weight: 50}
 *   }
 *
 * `dest`/`destination`, `weight` (integer, or a string with an optional trailing `%`,
 * 0..100) and `cluster` are the fields (names case-insensitive). Like nats-server, a bad
 * entry is reported and skipped; the rest are still added. The returned specs are the
 * configuration's text; with `subjects: 'bytes'` the sets are built from their byte strings.
 */
export function parseMappingsConfig(value: unknown, options: MappingSetOptions = {}): ParsedMappings {
  const out: ParsedMappings = { mappings: [], sets: [], errors: [] };
  if (!isPlainObject(value)) {
    out.errors.push(`Expected mappings to be a map, got ${goTypeName(value)}`);
    return out;
  }
  const add = (source: string, destinations: MappingDestination[], describe: string): void => {
    try {
      // Configuration is text; 'bytes' sets want byte strings.
      const set =
        options.subjects === 'bytes'
          ? new MappingSet(toByteString(source), destinations.map((d) => ({ ...d, destination: toByteString(d.destination) })), options)
          : new MappingSet(source, destinations, options);
      out.mappings.push({ source, destinations });
      out.sets.push(set);
    } catch (err) {
      out.errors.push(`${describe} : ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  for (const [source, v] of Object.entries(value)) {
    if (!isValidSubject(source)) {
      out.errors.push(`Subject ${goQuote(source)} is not a valid subject`);
      continue;
    }
    if (typeof v === 'string') {
      add(source, [{ destination: v, weight: 100 }], `Error adding mapping for ${goQuote(source)} to ${goQuote(v)}`);
    } else if (Array.isArray(v)) {
      const dests: MappingDestination[] = [];
      for (const entry of v) {
        const d = parseMapDestination(entry);
        if (typeof d === 'string') out.errors.push(d);
        else dests.push(d);
      }
      add(source, dests, `Error adding mapping for ${goQuote(source)}`);
    } else if (v === null || v === undefined) {
      out.errors.push(`Unknown type ${goTypeName(v)} for mapping destination`);
    } else {
      const d = parseMapDestination(v);
      if (typeof d === 'string') out.errors.push(d);
      else add(source, [d], `Error adding mapping for ${goQuote(source)}`);
    }
  }
  return out;
}
