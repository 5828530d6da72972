// Lexer for the NATS configuration format.
//
// It is a state machine that follows nats-server's conf/lex.go state by
// state, so that every input is split into the same tokens and fails with
// the same messages. Each state consumes some input and returns the next
// state; states that finish a value return to the state saved on a stack,
// which is how the same value states serve the top level, blocks, maps and
// arrays. Tokens are produced on demand so that the parser sees errors in
// the same order as nats-server does.

export const TokenKind = {
  Error: "error",
  EOF: "eof",
  Key: "key",
  String: "string",
  Bool: "bool",
  Integer: "integer",
  Float: "float",
  Datetime: "datetime",
  ArrayStart: "array-start",
  ArrayEnd: "array-end",
  MapStart: "map-start",
  MapEnd: "map-end",
  Variable: "variable",
  Include: "include",
} as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

export interface Token {
  readonly kind: TokenKind;
  /** The text of the token; for errors, the reason. */
  readonly value: string;
  /** Offset where the token's text starts; for errors, of the offending character. */
  readonly index: number;
  /** Offset just past the token, where the lexer stood when it produced it. */
  readonly end: number;
}

type State = (lx: Lexer) => State | null;

// nats-server's lexer signals the end of input with code point 0, so a NUL
// character in the input ends lexing the same way; we keep that behaviour.
const EOF = 0;

const ch = (c: string): number => c.charCodeAt(0);
const MAP_START = ch("{");
const MAP_END = ch("}");
const ARRAY_START = ch("[");
const ARRAY_END = ch("]");
const BLOCK_START = ch("(");
const BLOCK_END = ch(")");
const EQUALS = ch("=");
const COLON = ch(":");
const COMMA = ch(",");
const SEMICOLON = ch(";");
const HASH = ch("#");
const SLASH = ch("/");
const DOUBLE_QUOTE = ch('"');
const SINGLE_QUOTE = ch("'");
const BACKSLASH = ch("\\");
const DOLLAR = ch("$");
const MINUS = ch("-");
const DOT = ch(".");
const NEWLINE = ch("\n");
const CARRIAGE_RETURN = ch("\r");
const SPACE = ch(" ");
const TAB = ch("\t");

/** Space or tab: the only whitespace allowed inside a line between tokens. */
const isWhitespace = (r: number): boolean => r === SPACE || r === TAB;
const isNewline = (r: number): boolean => r === NEWLINE || r === CARRIAGE_RETURN;
const isKeySeparator = (r: number): boolean => r === EQUALS || r === COLON;

// Go's unicode.IsSpace and unicode.IsDigit, which the reference lexer uses
// where it is lenient about what counts as a space or a digit.
const UNICODE_SPACE = /^\p{White_Space}$/u;
const UNICODE_DIGIT = /^\p{Nd}$/u;
const isSpace = (r: number): boolean => r !== EOF && UNICODE_SPACE.test(String.fromCodePoint(r));
const isDigit = (r: number): boolean =>
  r < 0x80 ? r >= 0x30 && r <= 0x39 : UNICODE_DIGIT.test(String.fromCodePoint(r));

const SIZE_SUFFIX_LETTERS = new Set("kKmMgGtTpPeE".split("").map(ch));
const SIZE_SUFFIX_TAIL_LETTERS = new Set("bBiI".split("").map(ch));

const BOOLEAN_WORDS = new Set(["true", "false", "yes", "no", "on", "off"]);

/** Renders a character inside an error message as nats-server does. */
const describe = (r: number): string => (r === NEWLINE ? "\\n" : String.fromCodePoint(r));

export class Lexer {
  readonly input: string;
  /** Start of the text of the token being lexed. */
  start = 0;
  pos = 0;
  /** Length of the last character read, so that it can be backed up. */
  private width = 0;
  private state: State | null = topLevel;
  private readonly stack: State[] = [];
  private readonly pending: Token[] = [];
  private lineStarts: number[] | undefined;

  // Pieces of a string that contains escapes: text between escapes and the
  // decoded escapes (raw bytes for \xHH). partsStart is where that string began.
  private parts: (string | Uint8Array)[] = [];
  private partsStart = 0;
  /** The string state that an escape sequence returns to. */
  stringState: State = unquotedString;

  constructor(input: string) {
    this.input = input;
  }

  nextToken(): Token {
    for (;;) {
      const token = this.pending.shift();
      if (token) return token;
      if (!this.state) throw new Error("BUG: the configuration lexer was read past its end");
      this.state = this.state(this);
    }
  }

  next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const r = this.input.codePointAt(this.pos) ?? EOF;
    this.width = r > 0xffff ? 2 : 1;
    this.pos += this.width;
    return r;
  }

  /** Steps back over the last character read; valid once per next(). */
  backup(): void {
    this.pos -= this.width;
    this.width = 0;
  }

  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  /** Drops the input read so far from the token being built. */
  ignore(): void {
    this.start = this.pos;
  }

  push(state: State): void {
    this.stack.push(state);
  }

  pop(): State | null {
    return this.stack.pop() ?? this.error("BUG in lexer: no states to pop.");
  }

  emit(kind: TokenKind, index = this.start): void {
    this.pending.push({ kind, value: this.input.slice(this.start, this.pos), index, end: this.pos });
    this.start = this.pos;
  }

  /** Emits a string token, joining the pieces around any escapes. */
  emitString(): void {
    if (this.parts.length === 0) {
      this.emit(TokenKind.String);
      return;
    }
    this.parts.push(this.input.slice(this.start, this.pos));
    const value = joinStringParts(this.parts);
    this.pending.push({ kind: TokenKind.String, value, index: this.partsStart, end: this.pos });
    this.parts = [];
    this.start = this.pos;
  }

  hasStringParts(): boolean {
    return this.parts.length > 0;
  }

  /** Saves the text read so far, minus the last `dropped` characters, as a string piece. */
  addCurrentStringPart(dropped: number): void {
    this.addPart(this.input.slice(this.start, this.pos - dropped));
  }

  /** Saves a decoded escape as a string piece and resumes the string. */
  addStringPart(part: string | Uint8Array): State {
    this.addPart(part);
    return this.stringState;
  }

  private addPart(part: string | Uint8Array): void {
    if (this.parts.length === 0) this.partsStart = this.start;
    this.parts.push(part);
    this.start = this.pos;
  }

  /**
   * Emits an error token and stops lexing. The offending character is the
   * one just read, or the next one when the lexer only peeked at it.
   */
  error(reason: string): null {
    this.pending.push({ kind: TokenKind.Error, value: reason, index: this.pos - this.width, end: this.pos });
    return null;
  }

  currentText(): string {
    return this.input.slice(this.start, this.pos);
  }

  /**
   * Line and column of an offset. Only '\n' starts a line, as in nats-server,
   * so an offset just after a '\n' is already on the next line.
   */
  lineAndColumn(index: number): { line: number; col: number } {
    const starts = (this.lineStarts ??= findLineStarts(this.input));
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] ?? 0) <= index) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, col: index - (starts[low] ?? 0) + 1 };
  }
}

function findLineStarts(input: string): number[] {
  const starts = [0];
  for (let i = input.indexOf("\n"); i !== -1; i = input.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/** Joins string pieces; \xHH escapes are raw bytes, so the result is decoded as UTF-8. */
function joinStringParts(parts: (string | Uint8Array)[]): string {
  if (parts.every((part) => typeof part === "string")) return parts.join("");
  const bytes = parts.map((part) => (typeof part === "string" ? Buffer.from(part, "utf8") : part));
  return Buffer.concat(bytes).toString("utf8");
}

/** Returns `next` after dropping the input read so far. */
function skipTo(lx: Lexer, next: State): State {
  lx.ignore();
  return next;
}

/**
 * Handles a '/' that has just been read where a comment may start: a second
 * '/' starts a comment that returns to `resume`. Otherwise the next character
 * is put back and null is returned for the caller to decide.
 */
function slashComment(lx: Lexer, resume: State): State | null {
  if (lx.next() === SLASH) {
    lx.push(resume);
    return comment;
  }
  lx.backup();
  return null;
}

/** At the end of input: finishes cleanly, unless part of a token was read. */
function endOfInput(lx: Lexer): null {
  if (lx.pos > lx.start) return lx.error("Unexpected EOF.");
  lx.emit(TokenKind.EOF);
  return null;
}

function comment(lx: Lexer): State | null {
  lx.ignore();
  for (;;) {
    const r = lx.peek();
    if (isNewline(r) || r === EOF) break;
    lx.next();
  }
  lx.ignore();
  return lx.pop();
}

// ---- Top level and top-level "{ ... }" blocks (JSON-like files) ----

function topLevel(lx: Lexer): State | null {
  const r = lx.next();
  if (isSpace(r)) return skipTo(lx, topLevel);
  switch (r) {
    case MAP_START:
      lx.push(topLevel);
      return skipTo(lx, blockStart);
    case HASH:
      lx.push(topLevel);
      return comment;
    case SLASH:
      return slashComment(lx, topLevel) ?? endOfInput(lx);
    case EOF:
      return endOfInput(lx);
  }
  lx.backup();
  lx.push(topValueEnd);
  return keyStart;
}

function topValueEnd(lx: Lexer): State | null {
  const r = lx.next();
  if (r === HASH) {
    lx.push(topLevel);
    return comment;
  }
  // A lone '/' is skipped like whitespace.
  if (r === SLASH) return slashComment(lx, topLevel) ?? topValueEnd;
  if (isWhitespace(r)) return topValueEnd;
  if (isNewline(r) || r === EOF || r === SEMICOLON || r === COMMA || r === MAP_END) {
    return skipTo(lx, topLevel);
  }
  return lx.error(
    `Expected a top-level value to end with a new line, comment or EOF, but got '${describe(r)}' instead.`,
  );
}

function blockStart(lx: Lexer): State | null {
  const r = lx.next();
  if (isSpace(r)) return skipTo(lx, blockStart);
  switch (r) {
    case MAP_START:
      lx.push(blockEnd);
      return skipTo(lx, blockStart);
    case MAP_END:
      lx.ignore();
      return lx.pop();
    case HASH:
      lx.push(blockStart);
      return comment;
    case SLASH:
      return slashComment(lx, blockStart) ?? endOfInput(lx);
    case EOF:
      return endOfInput(lx);
  }
  lx.backup();
  lx.push(blockValueEnd);
  return keyStart;
}

function blockValueEnd(lx: Lexer): State | null {
  const r = lx.next();
  if (r === HASH) {
    lx.push(blockValueEnd);
    return comment;
  }
  if (r === SLASH) return slashComment(lx, blockValueEnd) ?? blockValueEnd;
  if (isWhitespace(r)) return blockValueEnd;
  if (isNewline(r) || r === SEMICOLON || r === COMMA) return skipTo(lx, blockStart);
  if (r === MAP_END) {
    lx.backup();
    return blockEnd;
  }
  return lx.error(
    `Expected a block-level value to end with a new line, comment or EOF, but got '${describe(r)}' instead.`,
  );
}

function blockEnd(lx: Lexer): State | null {
  const r = lx.next();
  if (r === HASH) {
    lx.push(blockStart);
    return comment;
  }
  if (r === SLASH) return slashComment(lx, blockStart) ?? blockEnd;
  if (isNewline(r) || isWhitespace(r)) return blockEnd;
  if (r === SEMICOLON || r === COMMA) return skipTo(lx, blockStart);
  if (r === MAP_END) {
    lx.ignore();
    return lx.pop();
  }
  return lx.error(`Expected a block-level to end with a '}', but got '${describe(r)}' instead.`);
}

// ---- Keys at the top level or in a block ----

function keyStart(lx: Lexer): State | null {
  const r = lx.peek();
  if (isKeySeparator(r)) return lx.error(`Unexpected key separator '${describe(r)}'`);
  if (isSpace(r)) {
    lx.next();
    return skipTo(lx, keyStart);
  }
  if (r === DOUBLE_QUOTE || r === SINGLE_QUOTE) {
    lx.next();
    return skipTo(lx, r === DOUBLE_QUOTE ? doubleQuotedKey : singleQuotedKey);
  }
  lx.ignore();
  lx.next();
  return key;
}

function quotedKey(lx: Lexer, quote: number, self: State): State | null {
  const r = lx.peek();
  if (r === quote) {
    lx.emit(TokenKind.Key);
    lx.next();
    return skipTo(lx, keyEnd);
  }
  if (r === EOF) return endOfInput(lx);
  lx.next();
  return self;
}

function doubleQuotedKey(lx: Lexer): State | null {
  return quotedKey(lx, DOUBLE_QUOTE, doubleQuotedKey);
}

function singleQuotedKey(lx: Lexer): State | null {
  return quotedKey(lx, SINGLE_QUOTE, singleQuotedKey);
}

function key(lx: Lexer): State | null {
  const r = lx.peek();
  if (isSpace(r)) return keyOrInclude(lx, keyEnd, null);
  if (isKeySeparator(r) || r === EOF) {
    lx.emit(TokenKind.Key);
    return keyEnd;
  }
  lx.next();
  return key;
}

/**
 * Called when an unquoted key is followed by a space: the word `include`
 * (any case) there starts an include instead of a key. `resume` is the state
 * to return to after the include's path.
 */
function keyOrInclude(lx: Lexer, afterKey: State, resume: State | null): State {
  if (lx.currentText().toLowerCase() === "include") {
    lx.ignore();
    if (resume) lx.push(resume);
    return includeStart;
  }
  lx.emit(TokenKind.Key);
  return afterKey;
}

function keyEnd(lx: Lexer): State | null {
  const r = lx.next();
  if (isSpace(r)) return skipTo(lx, keyEnd);
  if (isKeySeparator(r)) return skipTo(lx, value);
  if (r === EOF) {
    lx.emit(TokenKind.EOF);
    return null;
  }
  lx.backup();
  return value;
}

// ---- include <path> ----

function includeStart(lx: Lexer): State | null {
  const r = lx.next();
  if (isWhitespace(r)) return skipTo(lx, includeStart);
  lx.backup();
  return includePath;
}

function includePath(lx: Lexer): State | null {
  const r = lx.next();
  if (r === SINGLE_QUOTE) return skipTo(lx, singleQuotedInclude);
  if (r === DOUBLE_QUOTE) return skipTo(lx, doubleQuotedInclude);
  if (r === ARRAY_START) return lx.error("Expected include value but found start of an array");
  if (r === MAP_START) return lx.error("Expected include value but found start of a map");
  if (r === BLOCK_START) return lx.error("Expected include value but found start of a block");
  if (isDigit(r) || r === MINUS) return lx.error("Expected include value but found start of a number");
  if (r === BACKSLASH) return lx.error("Expected include value but found escape sequence");
  if (isNewline(r)) return lx.error("Expected include value but found new line");
  lx.backup();
  return unquotedInclude;
}

function quotedInclude(lx: Lexer, quote: number, self: State, eofReason: string): State | null {
  const r = lx.next();
  if (r === quote) {
    lx.backup();
    lx.emit(TokenKind.Include);
    lx.next();
    lx.ignore();
    return lx.pop();
  }
  if (r === EOF) return lx.error(eofReason);
  return self;
}

function singleQuotedInclude(lx: Lexer): State | null {
  return quotedInclude(lx, SINGLE_QUOTE, singleQuotedInclude, "Unexpected EOF in quoted include");
}

function doubleQuotedInclude(lx: Lexer): State | null {
  return quotedInclude(lx, DOUBLE_QUOTE, doubleQuotedInclude, "Unexpected EOF in double quoted include");
}

function unquotedInclude(lx: Lexer): State | null {
  const r = lx.next();
  if (isNewline(r) || r === EOF || r === SEMICOLON || r === MAP_END || isWhitespace(r)) {
    lx.backup();
    lx.emit(TokenKind.Include);
    return lx.pop();
  }
  if (r === SINGLE_QUOTE) {
    lx.backup();
    lx.emit(TokenKind.Include);
    lx.next();
    lx.ignore();
    return lx.pop();
  }
  return unquotedInclude;
}

// ---- Values ----

function value(lx: Lexer): State | null {
  // Spaces may precede a value but new lines may not; arrays skip their own new lines.
  const r = lx.next();
  if (isWhitespace(r)) return skipTo(lx, value);
  switch (r) {
    case ARRAY_START:
      lx.ignore();
      lx.emit(TokenKind.ArrayStart, lx.pos - 1);
      return arrayValue;
    case MAP_START:
      lx.ignore();
      lx.emit(TokenKind.MapStart, lx.pos - 1);
      return mapKeyStart;
    case SINGLE_QUOTE:
      return skipTo(lx, singleQuotedString);
    case DOUBLE_QUOTE:
      lx.stringState = doubleQuotedString;
      return skipTo(lx, doubleQuotedString);
    case MINUS:
      return negativeNumberStart;
    case BLOCK_START:
      return skipTo(lx, block);
    case DOT:
      return lx.error("Floats must start with a digit");
  }
  if (isDigit(r)) {
    lx.backup();
    return numberStart;
  }
  if (isNewline(r)) return lx.error("Expected value but found new line");
  lx.backup();
  lx.stringState = unquotedString;
  return unquotedString;
}

function arrayValue(lx: Lexer): State | null {
  const r = lx.next();
  if (isSpace(r)) return skipTo(lx, arrayValue);
  if (r === HASH) {
    lx.push(arrayValue);
    return comment;
  }
  // nats-server reports a lone '/' here as if it were a ','.
  if (r === SLASH) return slashComment(lx, arrayValue) ?? lx.error("Unexpected array value terminator ','.");
  if (r === COMMA) return lx.error("Unexpected array value terminator ','.");
  if (r === ARRAY_END) return arrayEnd;
  lx.backup();
  lx.push(arrayValueEnd);
  return value;
}

function arrayValueEnd(lx: Lexer): State | null {
  const r = lx.next();
  if (isWhitespace(r)) return skipTo(lx, arrayValueEnd);
  if (r === HASH) {
    lx.push(arrayValueEnd);
    return comment;
  }
  // A lone '/' separates values like a ','.
  if (r === SLASH) return slashComment(lx, arrayValueEnd) ?? skipTo(lx, arrayValue);
  if (r === COMMA || isNewline(r)) return skipTo(lx, arrayValue);
  if (r === ARRAY_END) return arrayEnd;
  return lx.error(
    `Expected an array value terminator "," or an array terminator "]", but got '${describe(r)}' instead.`,
  );
}

function arrayEnd(lx: Lexer): State | null {
  lx.ignore();
  lx.emit(TokenKind.ArrayEnd, lx.pos - 1);
  return lx.pop();
}

// ---- Maps ----

function mapKeyStart(lx: Lexer): State | null {
  const r = lx.peek();
  if (isKeySeparator(r)) return lx.error(`Unexpected key separator '${describe(r)}'.`);
  if (r === ARRAY_END) return lx.error(`Unexpected array end '${describe(r)}' processing map.`);
  if (isSpace(r)) {
    lx.next();
    return skipTo(lx, mapKeyStart);
  }
  switch (r) {
    case MAP_END:
      lx.next();
      return mapEnd;
    case HASH:
      lx.next();
      lx.push(mapKeyStart);
      return comment;
    case SLASH: {
      lx.next();
      const commentState = slashComment(lx, mapKeyStart);
      if (commentState) return commentState;
      // Otherwise nats-server drops the '/' and starts the key after it.
      break;
    }
    case SINGLE_QUOTE:
      lx.next();
      return skipTo(lx, mapSingleQuotedKey);
    case DOUBLE_QUOTE:
      lx.next();
      return skipTo(lx, mapDoubleQuotedKey);
    case EOF:
      return lx.error("Unexpected EOF processing map.");
  }
  lx.ignore();
  lx.next();
  return mapKey;
}

function mapQuotedKey(lx: Lexer, quote: number, self: State, eofReason: string): State | null {
  const r = lx.peek();
  if (r === EOF) return lx.error(eofReason);
  if (r === quote) {
    lx.emit(TokenKind.Key);
    lx.next();
    return skipTo(lx, mapKeyEnd);
  }
  lx.next();
  return self;
}

function mapSingleQuotedKey(lx: Lexer): State | null {
  return mapQuotedKey(lx, SINGLE_QUOTE, mapSingleQuotedKey, "Unexpected EOF processing quoted map key.");
}

function mapDoubleQuotedKey(lx: Lexer): State | null {
  return mapQuotedKey(lx, DOUBLE_QUOTE, mapDoubleQuotedKey, "Unexpected EOF processing double quoted map key.");
}

function mapKey(lx: Lexer): State | null {
  const r = lx.peek();
  if (r === EOF) return lx.error("Unexpected EOF processing map key.");
  if (isSpace(r)) return keyOrInclude(lx, mapKeyEnd, mapValueEnd);
  if (isKeySeparator(r)) {
    lx.emit(TokenKind.Key);
    return mapKeyEnd;
  }
  lx.next();
  return mapKey;
}

function mapKeyEnd(lx: Lexer): State | null {
  const r = lx.next();
  if (isSpace(r)) return skipTo(lx, mapKeyEnd);
  if (isKeySeparator(r)) return skipTo(lx, mapValue);
  lx.backup();
  return mapValue;
}

function mapValue(lx: Lexer): State | null {
  const r = lx.next();
  if (isSpace(r)) return skipTo(lx, mapValue);
  if (r === COMMA) return lx.error(`Unexpected map value terminator ",".`);
  if (r === MAP_END) return mapEnd;
  lx.backup();
  lx.push(mapValueEnd);
  return value;
}

function mapValueEnd(lx: Lexer): State | null {
  const r = lx.next();
  if (isWhitespace(r)) return skipTo(lx, mapValueEnd);
  if (r === HASH) {
    lx.push(mapValueEnd);
    return comment;
  }
  // A lone '/' separates entries like a ','.
  if (r === SLASH) return slashComment(lx, mapValueEnd) ?? skipTo(lx, mapKeyStart);
  if (r === SEMICOLON || r === COMMA || isNewline(r)) return skipTo(lx, mapKeyStart);
  if (r === MAP_END) return mapEnd;
  return lx.error(
    `Expected a map value terminator "," or a map terminator "}", but got '${describe(r)}' instead.`,
  );
}

/** Entered once the closing '}' has been read. */
function mapEnd(lx: Lexer): State | null {
  lx.ignore();
  lx.emit(TokenKind.MapEnd, lx.pos - 1);
  return lx.pop();
}

// ---- Strings ----

function singleQuotedString(lx: Lexer): State | null {
  const r = lx.next();
  if (r === SINGLE_QUOTE) {
    lx.backup();
    lx.emit(TokenKind.String);
    lx.next();
    lx.ignore();
    return lx.pop();
  }
  if (r === EOF) return endOfInput(lx);
  return singleQuotedString;
}

function doubleQuotedString(lx: Lexer): State | null {
  const r = lx.next();
  if (r === BACKSLASH) {
    lx.addCurrentStringPart(1);
    return stringEscape;
  }
  if (r === DOUBLE_QUOTE) {
    lx.backup();
    lx.emitString();
    lx.next();
    lx.ignore();
    return lx.pop();
  }
  if (r === EOF) return endOfInput(lx);
  return doubleQuotedString;
}

/** An unquoted string, which may also turn out to be a boolean or a $variable. */
function unquotedString(lx: Lexer): State | null {
  const r = lx.next();
  if (r === BACKSLASH) {
    lx.addCurrentStringPart(1);
    return stringEscape;
  }
  if (
    isNewline(r) || r === EOF || r === SEMICOLON || r === COMMA ||
    r === ARRAY_END || r === MAP_END || isWhitespace(r)
  ) {
    lx.backup();
    const text = lx.currentText();
    if (lx.hasStringParts()) {
      lx.emitString();
    } else if (BOOLEAN_WORDS.has(text.toLowerCase())) {
      lx.emit(TokenKind.Bool);
    } else if (text.charCodeAt(0) === DOLLAR) {
      const dollarIndex = lx.start;
      lx.start += 1;
      lx.emit(TokenKind.Variable, dollarIndex);
    } else {
      lx.emitString();
    }
    return lx.pop();
  }
  if (r === SINGLE_QUOTE) {
    lx.backup();
    lx.emitString();
    lx.next();
    lx.ignore();
    return lx.pop();
  }
  return unquotedString;
}

/**
 * A "( ... )" block string, which ends at a ')' alone on its line. The
 * value is everything between the '(' and that ')'.
 */
function block(lx: Lexer): State | null {
  const r = lx.next();
  if (r === EOF) return lx.error("Unexpected EOF processing block.");
  if (r !== BLOCK_END) return block;
  const closeIndex = lx.pos - 1;
  const followedBy = lx.peek();
  const aloneOnLine = lx.input.charCodeAt(closeIndex - 1) === NEWLINE && (followedBy === NEWLINE || followedBy === EOF);
  if (!aloneOnLine) return block;
  // nats-server keeps the ')' in the value when it is the very last
  // character of the input; we leave it out in that case too.
  lx.pos = closeIndex;
  lx.emit(TokenKind.String);
  lx.next();
  lx.ignore();
  return lx.pop();
}

function stringEscape(lx: Lexer): State | null {
  const r = lx.next();
  switch (r) {
    case ch("x"):
      return hexEscape;
    case ch("t"):
      return lx.addStringPart("\t");
    case ch("n"):
      return lx.addStringPart("\n");
    case ch("r"):
      return lx.addStringPart("\r");
    case DOUBLE_QUOTE:
      return lx.addStringPart('"');
    case BACKSLASH:
      return lx.addStringPart("\\");
  }
  return lx.error(
    `Invalid escape character '${describe(r)}'. Only the following escape characters are allowed: \\xXX, \\t, \\n, \\r, \\", \\\\.`,
  );
}

/** The two hex digits after "\x", which stand for one raw byte. */
function hexEscape(lx: Lexer): State | null {
  for (let i = 0; i < 2; i++) {
    if (isNewline(lx.next())) {
      return lx.error("Expected two hexadecimal digits after '\\x', but hit end of line");
    }
  }
  const digits = lx.input.slice(lx.pos - 2, lx.pos);
  if (!/^[0-9a-fA-F]{2}$/.test(digits)) {
    return lx.error(`Expected two hexadecimal digits after '\\x', but got '${digits}'`);
  }
  return lx.addStringPart(Uint8Array.of(parseInt(digits, 16)));
}

// ---- Numbers, dates, and strings or addresses that start with a digit ----

function numberStart(lx: Lexer): State | null {
  const r = lx.next();
  if (!isDigit(r)) return notADigit(lx, r);
  return numberOrDateOrString;
}

function notADigit(lx: Lexer, r: number): null {
  if (r === DOT) return lx.error("Floats must start with a digit, not '.'.");
  return lx.error(`Expected a digit but got '${describe(r)}'.`);
}

function endsNumber(r: number): boolean {
  return isNewline(r) || r === EOF || r === MAP_END || r === SEMICOLON || r === COMMA || isWhitespace(r);
}

/**
 * After leading digits: an integer, a float (or dotted IP address), a
 * datetime, a number with a size suffix, or else an unquoted string.
 */
function numberOrDateOrString(lx: Lexer): State | null {
  const r = lx.next();
  if (r === MINUS) {
    if (lx.pos - lx.start !== 5) return lx.error("All ISO8601 dates must be in full Zulu form.");
    return dateAfterYear;
  }
  if (isDigit(r)) return numberOrDateOrString;
  if (r === DOT) return floatStart;
  if (SIZE_SUFFIX_LETTERS.has(r)) return sizeSuffix;
  if (!endsNumber(r)) {
    // The character just read stays part of the string (even a ']').
    lx.stringState = unquotedString;
    return unquotedString;
  }
  lx.backup();
  lx.emit(TokenKind.Integer);
  return lx.pop();
}

/** Digits followed by k, m, g, t, p or e and then any of b/i (e.g. 1k, 2MiB). */
function sizeSuffix(lx: Lexer): State | null {
  const r = lx.next();
  if (SIZE_SUFFIX_TAIL_LETTERS.has(r)) return sizeSuffix;
  lx.backup();
  if (endsNumber(r) || isDigit(r)) {
    lx.emit(TokenKind.Integer);
    return lx.pop();
  }
  lx.stringState = unquotedString;
  return unquotedString;
}

const DATE_AFTER_YEAR = "00-00T00:00:00Z";

/** The rest of a "YYYY-MM-DDTHH:MM:SSZ" datetime, after "YYYY-". */
function dateAfterYear(lx: Lexer): State | null {
  for (const expected of DATE_AFTER_YEAR) {
    const r = lx.next();
    if (expected === "0") {
      if (!isDigit(r)) {
        return lx.error(`Expected digit in ISO8601 datetime, but found '${describe(r)}' instead.`);
      }
    } else if (r !== ch(expected)) {
      return lx.error(`Expected '${expected}' in ISO8601 datetime, but found '${describe(r)}' instead.`);
    }
  }
  lx.emit(TokenKind.Datetime);
  return lx.pop();
}

/** After a '-' that starts a value: only a negative number may follow. */
function negativeNumberStart(lx: Lexer): State | null {
  const r = lx.next();
  if (!isDigit(r)) return notADigit(lx, r);
  return negativeNumber;
}

function negativeNumber(lx: Lexer): State | null {
  const r = lx.next();
  if (isDigit(r)) return negativeNumber;
  if (r === DOT) return floatStart;
  if (SIZE_SUFFIX_LETTERS.has(r)) return sizeSuffix;
  lx.backup();
  lx.emit(TokenKind.Integer);
  return lx.pop();
}

function floatStart(lx: Lexer): State | null {
  const r = lx.next();
  if (!isDigit(r)) {
    return lx.error(`Floats must have a digit after the '.', but got '${describe(r)}' instead.`);
  }
  return float;
}

function float(lx: Lexer): State | null {
  const r = lx.next();
  if (isDigit(r)) return float;
  // A second '.' means this is an IP address, possibly with a port.
  if (r === DOT) return ipAddress;
  lx.backup();
  lx.emit(TokenKind.Float);
  return lx.pop();
}

function ipAddress(lx: Lexer): State | null {
  const r = lx.next();
  if (isDigit(r) || r === DOT || r === COLON || r === MINUS) return ipAddress;
  lx.backup();
  lx.emit(TokenKind.String);
  return lx.pop();
}
