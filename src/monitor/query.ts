/**
 * Query parameters decoded as nats-server's monitor.go decodes them (strconv's
 * ParseBool, Atoi and ParseUint), failing with the exact HTTP 400 texts it sends.
 */
import { goQuote } from '../protocol/errors.ts';

/** A request nats-server answers with HTTP 400 and this text. */
export class MonitorError extends Error {
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.name = 'MonitorError';
    this.status = status;
  }
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const UINT64_MAX = 18446744073709551615n;

/** strconv.ParseBool; null when the text is not a Go boolean. */
export function parseGoBool(text: string): boolean | null {
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  return null;
}

/** decodeBool: absent or empty is false. */
export function decodeBool(query: URLSearchParams, param: string): boolean {
  const text = query.get(param) ?? '';
  if (text === '') return false;
  const value = parseGoBool(text);
  if (value === null) throw new MonitorError(`Error decoding boolean for '${param}': strconv.ParseBool: parsing ${goQuote(text)}: invalid syntax`);
  return value;
}

/** decodeInt (strconv.Atoi): absent or empty is 0. */
export function decodeInt(query: URLSearchParams, param: string): number {
  const text = query.get(param) ?? '';
  if (text === '') return 0;
  const fail = (why: string): never => {
    throw new MonitorError(`Error decoding int for '${param}': strconv.Atoi: parsing ${goQuote(text)}: ${why}`);
  };
  if (!/^[+-]?[0-9]+$/.test(text)) fail('invalid syntax');
  const value = BigInt(text);
  if (value > INT64_MAX || value < INT64_MIN) fail('value out of range');
  return Number(value);
}

/** decodeUint64 (strconv.ParseUint base 10): absent or empty is 0; no sign allowed. */
export function decodeUint64(query: URLSearchParams, param: string): number {
  const text = query.get(param) ?? '';
  if (text === '') return 0;
  const fail = (why: string): never => {
    throw new MonitorError(`Error decoding uint64 for '${param}': strconv.ParseUint: parsing ${goQuote(text)}: ${why}`);
  };
  if (!/^[0-9]+$/.test(text)) fail('invalid syntax');
  if (BigInt(text) > UINT64_MAX) fail('value out of range');
  return Number(text);
}

/** `subs`: "detail" (any case) asks for details, otherwise a Go boolean. */
export function decodeSubs(query: URLSearchParams): { subs: boolean; detail: boolean } {
  const detail = (query.get('subs') ?? '').toLowerCase() === 'detail';
  if (detail) return { subs: false, detail: true };
  return { subs: decodeBool(query, 'subs'), detail: false };
}
