/**
 * Values as nats-server's monitoring JSON prints them: Go's time.Time (RFC 3339 with
 * trailing zeros trimmed), time.Duration.String(), the "1d2h3m4s" uptime style, and
 * encoding/json's MarshalIndent (which escapes <, > and & in strings).
 */

const NS_PER_MS = 1_000_000;

/** An epoch-milliseconds time as Go's encoding/json writes a UTC time.Time. */
export function goTime(ms: number): string {
  const iso = new Date(Math.floor(ms)).toISOString(); // 2006-01-02T15:04:05.000Z
  const dot = iso.lastIndexOf('.');
  const frac = iso.slice(dot + 1, -1).replace(/0+$/, '');
  return frac === '' ? `${iso.slice(0, dot)}Z` : `${iso.slice(0, dot)}.${frac}Z`;
}

/** Milliseconds (possibly fractional) as integer nanoseconds, Go's time.Duration. */
export function nanos(ms: number): number {
  return Math.round(ms * NS_PER_MS);
}

function withFraction(value: number, digits: number): string {
  const unit = 10 ** digits;
  const whole = Math.floor(value / unit);
  const frac = String(value % unit)
    .padStart(digits, '0')
    .replace(/0+$/, '');
  return frac === '' ? String(whole) : `${whole}.${frac}`;
}

/** Go's time.Duration.String() for a duration in nanoseconds: "0s", "344µs", "2.092116ms", "1m0s". */
export function goDuration(ns: number): string {
  let u = Math.trunc(Math.abs(ns));
  if (u === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  if (u < 1e3) return `${sign}${u}ns`;
  if (u < 1e6) return `${sign}${withFraction(u, 3)}µs`;
  if (u < 1e9) return `${sign}${withFraction(u, 6)}ms`;
  const hours = Math.floor(u / 3.6e12);
  u -= hours * 3.6e12;
  const minutes = Math.floor(u / 6e10);
  u -= minutes * 6e10;
  const seconds = `${withFraction(u, 9)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

/**
 * A round-trip time as nats-server reports it (client.go getRTT): whole microseconds
 * between 1µs and 1ms, nanoseconds otherwise, "0s" before it was measured.
 */
export function goRtt(rttMs: number): string {
  let ns = nanos(rttMs);
  if (ns > 1e3 && ns < 1e6) ns = Math.trunc(ns / 1e3) * 1e3;
  return goDuration(ns);
}

/** nats-server's uptime and idle style (monitor.go myUptime): whole seconds as "1y2d3h4m5s". */
export function uptime(ms: number): string {
  const secs = Math.trunc(ms / 1000);
  const mins = Math.trunc(secs / 60);
  const hrs = Math.trunc(mins / 60);
  const days = Math.trunc(hrs / 24);
  const yrs = Math.trunc(days / 365);
  if (yrs > 0) return `${yrs}y${days % 365}d${hrs % 24}h${mins % 60}m${secs % 60}s`;
  if (days > 0) return `${days}d${hrs % 24}h${mins % 60}m${secs % 60}s`;
  if (hrs > 0) return `${hrs}h${mins % 60}m${secs % 60}s`;
  if (mins > 0) return `${mins}m${secs % 60}s`;
  return `${secs}s`;
}

/** Characters encoding/json escapes inside strings by default (HTML safety, JS line terminators). */
const GO_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/**
 * json.MarshalIndent(v, "", "  "): two-space indentation, `undefined` fields left out
 * (Go's omitempty is applied by the builders), and <, >, & escaped as Go escapes them.
 * Those characters can only occur inside strings in JSON text, so a global replace is safe.
 */
export function marshalIndent(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}

/** json.Marshal: compact, with the same escaping. */
export function marshal(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}
