// Turns the lexer's tokens into maps and values, resolving $variables and
// include directives, as nats-server's conf/parse.go does (in the "with
// checks" mode that the server uses, which also tracks positions).

import { readFileSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ConfError } from "./error.ts";
import { Lexer, TokenKind, type Token } from "./lexer.ts";
import {
  confMeta,
  markUsedAsVariable,
  natsColumn,
  newConfArray,
  newConfMap,
  pushElement,
  setKey,
  sourcePosition,
  type ConfMap,
  type ConfValue,
  type SourcePosition,
} from "./meta.ts";

export type Environment = Readonly<Record<string, string | undefined>>;

/** State shared by a parse and the nested parses of its includes and environment values. */
interface ParseSession {
  readonly env: Environment;
  /** Environment variables being resolved, to detect reference cycles. */
  readonly resolvingEnv: Set<string>;
  /** Real paths of the files being parsed, outermost first, to detect include cycles. */
  readonly openFiles: string[];
}

export function newSession(env: Environment): ParseSession {
  return { env, resolvingEnv: new Set(), openFiles: [] };
}

/** Parses `text`; `file` names it in positions and messages and locates its includes. */
export function parseText(text: string, file: string | undefined, session: ParseSession): ConfMap {
  if (file === undefined) return new Parser(text, undefined, session).parse();
  return withOpenFile(file, session, () => new Parser(text, file, session).parse());
}

export function parseFile(path: string, session: ParseSession): ConfMap {
  const text = readConfigFile(path);
  return withOpenFile(path, session, () => new Parser(text, path, session).parse());
}

function withOpenFile(path: string, session: ParseSession, parse: () => ConfMap): ConfMap {
  const identity = realPath(path);
  if (session.openFiles.includes(identity)) {
    throw new ConfError(`include cycle: ${[...session.openFiles, identity].join(" -> ")}`, undefined);
  }
  session.openFiles.push(identity);
  try {
    return parse();
  } finally {
    session.openFiles.pop();
  }
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

// The texts of Go's file errors, which nats-server prints.
const GO_ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "file name too long",
};

function readConfigFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const operation = code === "EISDIR" ? "read" : "open";
    const reason = GO_ERRNO_TEXT[code] ?? (error as Error).message;
    throw new ConfError(`${operation} ${path}: ${reason}`, { file: path, line: 0, col: 0 }, error);
  }
}

/** Go's filepath.Join, which unlike path.join also drops a trailing slash. */
function goJoin(directory: string, path: string): string {
  const joined = join(directory, path);
  return joined.length > 1 && joined.endsWith("/") ? joined.slice(0, -1) : joined;
}

type Container = ConfMap | ConfValue[];

interface PendingKey {
  readonly name: string;
  readonly position: SourcePosition;
  /** Carried over from an included file whose own variables used this key. */
  readonly usedAsVariable: boolean;
}

// Environment values are parsed as the value of this key.
const ENV_VALUE_KEY = "pk";

// Unquoted bcrypt hashes start with "$2a$"; they are strings, not variables.
const BCRYPT_VARIABLE_PREFIX = "2a$";

const SIZE_MULTIPLIERS = sizeMultipliers();

function sizeMultipliers(): Map<string, bigint> {
  const multipliers = new Map<string, bigint>([["", 1n]]);
  ["k", "m", "g", "t", "p", "e"].forEach((letter, index) => {
    const power = BigInt(index + 1);
    multipliers.set(letter, 1000n ** power);
    for (const suffix of ["b", "i", "ib"]) multipliers.set(letter + suffix, 1024n ** power);
  });
  return multipliers;
}

type Sextuple = [number, number, number, number, number, number];

function daysInMonth(year: number, month: number): number {
  const isLeapYear = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month === 2) return isLeapYear ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

class Parser {
  private readonly lexer: Lexer;
  private readonly file: string | undefined;
  private readonly session: ParseSession;
  private readonly root: ConfMap;
  /** Maps and arrays being filled, outermost (the root) first. */
  private readonly containers: Container[];
  /** Keys waiting for their value; a map's key is pushed before its contents. */
  private readonly keys: PendingKey[] = [];
  /** Where each open map or array began, for the position of the element it becomes. */
  private readonly starts: SourcePosition[] = [];

  constructor(text: string, file: string | undefined, session: ParseSession) {
    this.lexer = new Lexer(text);
    this.file = file;
    this.session = session;
    this.root = newConfMap(sourcePosition(file, 1, 1));
    this.containers = [this.root];
  }

  parse(): ConfMap {
    let previous: Token | undefined;
    for (;;) {
      const token = this.lexer.nextToken();
      if (token.kind === TokenKind.EOF) {
        this.checkComplete(token, previous);
        return this.root;
      }
      previous = token;
      this.process(token);
    }
  }

  private checkComplete(eof: Token, previous: Token | undefined): void {
    const position = this.position(eof.index);
    // A key without a value at the end; a stray "}" key is tolerated for JSON-like files.
    if (previous?.kind === TokenKind.Key && previous.value !== "}") {
      const where = `${this.file ?? ""}:${position.line}:${natsColumn(position)}`;
      throw new ConfError(`config is invalid (${where})`, position);
    }
    // nats-server silently drops a map or array cut short by a quote at the
    // very end of the input; that loses configuration, so we refuse it.
    if (this.containers.length > 1) {
      throw new ConfError(`Parse error on line ${position.line}: 'Unexpected EOF.'`, position);
    }
  }

  private process(token: Token): void {
    switch (token.kind) {
      case TokenKind.Error: {
        // nats-server names the line the lexer stood on: after a line break
        // that is the next line, while the position points at the break.
        const { line } = this.lexer.lineAndColumn(token.end);
        throw this.error(`Parse error on line ${line}: '${token.value}'`, token);
      }
      case TokenKind.Key:
        this.keys.push({ name: token.value, position: this.position(token.index), usedAsVariable: false });
        return;
      case TokenKind.MapStart:
        this.containers.push(newConfMap(this.position(token.index)));
        this.starts.push(this.position(token.index));
        return;
      case TokenKind.ArrayStart:
        this.containers.push(newConfArray());
        this.starts.push(this.position(token.index));
        return;
      case TokenKind.MapEnd:
      case TokenKind.ArrayEnd: {
        const closed = this.closeContainer();
        this.setValue(closed, this.starts.pop() ?? this.position(token.index));
        return;
      }
      case TokenKind.String:
        this.setValue(token.value, this.position(token.index));
        return;
      case TokenKind.Bool:
        this.setValue(["true", "yes", "on"].includes(token.value.toLowerCase()), this.position(token.index));
        return;
      case TokenKind.Integer:
        this.setValue(this.integer(token), this.position(token.index));
        return;
      case TokenKind.Float:
        this.setValue(this.float(token), this.position(token.index));
        return;
      case TokenKind.Datetime:
        this.setValue(this.datetime(token), this.position(token.index));
        return;
      case TokenKind.Variable:
        this.setValue(this.resolveVariable(token), this.position(token.index));
        return;
      case TokenKind.Include:
        this.include(token);
        return;
    }
  }

  private position(index: number): SourcePosition {
    const { line, col } = this.lexer.lineAndColumn(index);
    return sourcePosition(this.file, line, col);
  }

  private error(message: string, token: Token): ConfError {
    return new ConfError(message, this.position(token.index));
  }

  private current(): Container {
    return this.containers[this.containers.length - 1] ?? this.root;
  }

  private closeContainer(): Container {
    if (this.containers.length <= 1) throw new Error("BUG: the configuration parser closed its root map");
    return this.containers.pop() ?? this.root;
  }

  /** Adds a value to the current array, or to the current map under the latest pending key. */
  private setValue(value: ConfValue, position: SourcePosition): void {
    const container = this.current();
    if (Array.isArray(container)) {
      pushElement(container, value, position);
      return;
    }
    const key = this.keys.pop();
    if (!key) throw new Error("BUG: the configuration parser has a value without a key");
    setKey(container, key.name, value, key.position, key.usedAsVariable);
  }

  /** Digits, possibly negative, with an optional size suffix such as k, MB or GiB. */
  private integer(token: Token): number {
    const text = token.value;
    const digits = /^[\p{Nd}-]*/u.exec(text)?.[0] ?? "";
    if (!/^-?[0-9]+$/.test(digits)) throw this.error(`expected integer, but got '${text}'`, token);
    const multiplier = SIZE_MULTIPLIERS.get(text.slice(digits.length).toLowerCase());
    // nats-server silently drops a value with a suffix it does not know
    // (such as "1kbb"), which would assign later values to the wrong keys.
    if (multiplier === undefined) throw this.error(`expected integer, but got '${text}'`, token);
    const number = BigInt(digits);
    const scaled = number * multiplier;
    // nats-server wraps around when the suffix overflows; we refuse instead.
    if (number < INT64_MIN || number > INT64_MAX || scaled < INT64_MIN || scaled > INT64_MAX) {
      throw this.error(`integer '${text}' is out of the range`, token);
    }
    return Number(scaled);
  }

  private float(token: Token): number {
    const text = token.value;
    if (!/^-?[0-9]+\.[0-9]+$/.test(text)) throw this.error(`expected float, but got '${text}'`, token);
    const number = Number(text);
    if (!Number.isFinite(number)) throw this.error(`float '${text}' is out of the range`, token);
    return number;
  }

  /** A UTC "YYYY-MM-DDTHH:MM:SSZ" datetime, validated as Go's time.Parse does. */
  private datetime(token: Token): Date {
    const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(token.value);
    if (match) {
      const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as Sextuple;
      if (month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) &&
        hour < 24 && minute < 60 && second < 60) {
        const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
        // Date.UTC reads years 0-99 as 1900-1999, so the year is set on its own.
        date.setUTCFullYear(year);
        return date;
      }
    }
    throw this.error(`expected Zulu formatted DateTime, but got '${token.value}'`, token);
  }

  /**
   * Resolves $name from the maps being built, innermost first, then from
   * the environment, whose value is parsed as a configuration value.
   */
  private resolveVariable(token: Token): ConfValue {
    const name = token.value;
    if (name.startsWith(BCRYPT_VARIABLE_PREFIX)) return "$" + name;

    for (let i = this.containers.length - 1; i >= 0; i--) {
      const container = this.containers[i];
      if (container && !Array.isArray(container) && Object.hasOwn(container, name)) {
        markUsedAsVariable(container, name);
        return container[name] as ConfValue;
      }
    }

    const { line } = this.position(token.index);
    const { env, resolvingEnv } = this.session;
    const cannotParse = (reason: string, cause?: unknown): ConfError =>
      new ConfError(
        `variable reference for '${name}' on line ${line} could not be parsed: ${reason}`,
        this.position(token.index),
        cause,
      );

    if (resolvingEnv.has(name)) throw cannotParse(`variable reference cycle for '${name}'`);
    const text = Object.hasOwn(env, name) ? env[name] : undefined;
    if (text !== undefined) {
      resolvingEnv.add(name);
      try {
        const parsed = new Parser(`${ENV_VALUE_KEY}=${text}`, undefined, this.session).parse();
        if (Object.hasOwn(parsed, ENV_VALUE_KEY)) return parsed[ENV_VALUE_KEY] as ConfValue;
      } catch (error) {
        if (error instanceof ConfError) throw cannotParse(error.message, error);
        throw error;
      } finally {
        resolvingEnv.delete(name);
      }
    }
    throw this.error(`variable reference for '${name}' on line ${line} can not be found`, token);
  }

  /** Merges the keys of an included file into the current map. */
  private include(token: Token): void {
    const path = goJoin(this.file === undefined ? "." : dirname(this.file), token.value);
    let included: ConfMap;
    try {
      included = parseFile(path, this.session);
    } catch (error) {
      if (!(error instanceof ConfError)) throw error;
      // Point at the include itself when the file could not be read at all.
      const position = error.position ?? this.position(token.index);
      throw new ConfError(`error parsing include file '${token.value}', ${error.message}`, position, error);
    }
    const meta = confMeta(included);
    for (const [name, value] of Object.entries(included)) {
      const position = meta?.keys.get(name) ?? sourcePosition(path, 1, 1);
      this.keys.push({ name, position, usedAsVariable: meta?.usedAsVariable.has(name) ?? false });
      this.setValue(value, position);
    }
  }
}
