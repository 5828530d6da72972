/**
 * Command-line flags with Go's `flag` package rules, which nats-server uses and its
 * users script against: `-x` and `--x` are the same flag, values come as `-x v` or
 * `-x=v`, booleans take no separate value (`-D`, `-D=false`), and parsing stops at
 * the first argument that is not a flag.
 */

export type FlagKind = 'bool' | 'string' | 'int';

export interface FlagSpec {
  /** Every spelling, without dashes; the first is the canonical key. */
  readonly names: readonly string[];
  readonly kind: FlagKind;
}

export type FlagValue = boolean | string | number;

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

export interface ParsedFlags {
  /** Flags given, by canonical key, in the order seen (later ones win). */
  readonly values: Map<string, FlagValue>;
  /** Arguments after the flags. */
  readonly args: string[];
}

function parseGoInt(text: string, flag: string): number {
  const s = text.trim();
  let n: number;
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(s)) n = parseInt(s, 16);
  else if (/^[+-]?0[oO]?[0-7]+$/.test(s) && s.replace(/^[+-]/, '') !== '0') n = parseInt(s.replace(/0[oO]?/, ''), 8);
  else if (/^[+-]?\d+$/.test(s)) n = parseInt(s, 10);
  else throw new FlagError(`invalid value "${text}" for flag -${flag}: parse error`);
  return n;
}

function parseGoBool(text: string, flag: string): boolean {
  switch (text) {
    case '1': case 't': case 'T': case 'true': case 'TRUE': case 'True':
      return true;
    case '0': case 'f': case 'F': case 'false': case 'FALSE': case 'False':
      return false;
    default:
      throw new FlagError(`invalid boolean value "${text}" for -${flag}: parse error`);
  }
}

export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) for (const name of spec.names) byName.set(name, spec);
  const values = new Map<string, FlagValue>();
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.length < 2 || arg[0] !== '-') break;
    if (arg === '--') {
      i++;
      break;
    }
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    if (body.length === 0 || body[0] === '-' || body[0] === '=') throw new FlagError(`bad flag syntax: ${arg}`);
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    const spec = byName.get(name);
    if (spec === undefined) throw new FlagError(`flag provided but not defined: -${name}`);
    const key = spec.names[0]!;
    if (spec.kind === 'bool') {
      values.set(key, inline === undefined ? true : parseGoBool(inline, name));
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
      raw = argv[++i]!;
    }
    values.set(key, spec.kind === 'int' ? parseGoInt(raw, name) : raw);
  }
  return { values, args: argv.slice(i) };
}
