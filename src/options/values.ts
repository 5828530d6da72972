/** Conversions of config values (numbers, Go durations, host:port) into typed settings. */

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration ("1h30m", "500ms", "2.5s", "-1s") into milliseconds; null if malformed. */
export function parseGoDuration(text: string): number | null {
  let s = text.trim();
  if (s === '0') return 0;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '') return null;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  let total = 0;
  while (s.length > 0) {
    const m = part.exec(s);
    if (m === null) return null;
    total += parseFloat(m[1]!) * DURATION_UNITS[m[2]!]!;
    s = s.slice(m[0].length);
  }
  return sign * total;
}

const SIZE_SUFFIXES: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1024,
  ki: 1024,
  kib: 1024,
  m: 1000 ** 2,
  mb: 1024 ** 2,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1024 ** 3,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1000 ** 4,
  tb: 1024 ** 4,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
};

/** Parses "64MB", "1k", "1024" into bytes; null if malformed. */
export function parseSizeString(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (m === null) return null;
  const mult = SIZE_SUFFIXES[m[2]!.toLowerCase()];
  if (mult === undefined) return null;
  return Math.floor(parseFloat(m[1]!) * mult);
}

/** Splits "host:port", "[::1]:4222", ":4222" or "4222"; the port is null when absent. */
export function splitHostPort(text: string): { host: string; port: number | null } | null {
  const s = text.trim();
  if (/^-?\d+$/.test(s)) return { host: '', port: parseInt(s, 10) };
  let host: string;
  let portText: string;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return null;
    host = s.slice(1, end);
    const rest = s.slice(end + 1);
    if (rest === '') return { host, port: null };
    if (!rest.startsWith(':')) return null;
    portText = rest.slice(1);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon < 0) return { host: s, port: null };
    host = s.slice(0, colon);
    portText = s.slice(colon + 1);
  }
  if (!/^-?\d+$/.test(portText)) return null;
  return { host, port: parseInt(portText, 10) };
}

/** Formats milliseconds as Go's time.Duration prints itself ("2m0s", "500ms", "1.5s"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) {
    if (rest >= 1) return `${sign}${trimFraction(rest)}ms`;
    if (rest >= 0.001) return `${sign}${trimFraction(rest * 1000)}µs`;
    return `${sign}${Math.round(rest * 1e6)}ns`;
  }
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = trimFraction(rest / 1000);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

function trimFraction(n: number): string {
  return String(Number(n.toFixed(9)));
}
