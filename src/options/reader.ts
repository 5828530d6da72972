/**
 * Reading typed values out of a parsed config, with errors that point at the key's
 * file, line and column the way nats-server reports them.
 */
import { keyPosition, natsColumn, type ConfMap, type ConfValue } from '../conf/index.ts';
import { parseGoDuration, parseSizeString } from './values.ts';

export interface SourcePosition {
  file?: string | undefined;
  line: number;
  col: number;
}

export class ConfigError extends Error {
  readonly position: SourcePosition | undefined;
  constructor(message: string, position?: SourcePosition) {
    super(position ? `${position.file ? position.file + ':' : ''}${position.line}:${position.col}: ${message}` : message);
    this.name = 'ConfigError';
    this.position = position;
  }
}

export interface Context {
  map: ConfMap;
  key: string;
  warnings: string[];
}

/** Where `key` was written, with the column as nats-server prints it. */
export function positionOf(map: ConfMap, key: string): SourcePosition | undefined {
  const pos = keyPosition(map, key);
  return pos === undefined ? undefined : { file: pos.file, line: pos.line, col: natsColumn(pos) };
}

export function fail(ctx: Context, message: string): never {
  throw new ConfigError(message, positionOf(ctx.map, ctx.key));
}

export function asString(v: ConfValue, ctx: Context): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return fail(ctx, `expected a string for "${ctx.key}"`);
}

export function asInt(v: ConfValue, ctx: Context): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const n = parseSizeString(v);
    if (n !== null) return n;
  }
  return fail(ctx, `expected an integer for "${ctx.key}"`);
}

export function asBool(v: ConfValue, ctx: Context): boolean {
  if (typeof v === 'boolean') return v;
  return fail(ctx, `expected a boolean for "${ctx.key}"`);
}

/** A duration: a Go duration string, or a bare number of seconds (with a warning, as nats-server). */
export function asDuration(v: ConfValue, ctx: Context): number {
  if (typeof v === 'number') {
    ctx.warnings.push(`${ctx.key} should be a duration string such as "${v}s"; reading ${v} as seconds`);
    return v * 1000;
  }
  if (typeof v === 'string') {
    const ms = parseGoDuration(v);
    if (ms !== null) return ms;
  }
  return fail(ctx, `invalid duration for "${ctx.key}": ${String(v)}`);
}

