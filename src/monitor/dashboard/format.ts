/**
 * Number and time formatting for the dashboard. These functions run in the browser
 * too: the page embeds their compiled source (`Function.prototype.toString`), so each
 * must stay self-contained — no imports, no module-level constants, calling only the
 * other functions listed in CLIENT_HELPERS.
 */

/** A count in a few characters: 999, 1.2k, 12.3k, 123k, 4.5M; small fractions keep one decimal (0.5). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  if (v < 999.5) {
    if (v !== 0 && v < 9.95 && !Number.isInteger(v)) return sign + v.toFixed(1);
    return sign + String(Math.round(v));
  }
  const units = ['k', 'M', 'G', 'T', 'P'];
  let i = -1;
  while (i < units.length - 1 && v >= 999.5) {
    v /= 1000;
    i++;
  }
  // 999.96k rounds to "1000.0k": move up a unit instead.
  let text = v < 99.95 ? v.toFixed(1) : String(Math.round(v));
  if (text === '1000' && i < units.length - 1) {
    i++;
    text = '1.0';
  }
  return sign + text + units[i];
}

/** A byte size in decimal units: 0 B, 512 B, 1.2 kB, 3.4 MB, 12.3 GB. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  if (v < 999.5) return sign + (v !== 0 && v < 9.95 && !Number.isInteger(v) ? v.toFixed(1) : String(Math.round(v))) + ' B';
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let i = -1;
  while (i < units.length - 1 && v >= 999.5) {
    v /= 1000;
    i++;
  }
  let text = v < 99.95 ? v.toFixed(1) : String(Math.round(v));
  if (text === '1000' && i < units.length - 1) {
    i++;
    text = '1.0';
  }
  return sign + text + ' ' + units[i];
}

/** Messages per second: "1.2k msgs/s" ("1 msg/s" for exactly one). */
export function formatMsgRate(perSec: number): string {
  const text = formatCount(perSec);
  return text + (text === '1' ? ' msg/s' : ' msgs/s');
}

/** Bytes per second: "3.4 MB/s". */
export function formatByteRate(perSec: number): string {
  return formatBytes(perSec) + '/s';
}

/** nats-server's uptime ("1d2h3m4s") spaced and cut to its two largest units: "1d 2h", "3m 4s", "5s". */
export function formatUptime(goUptime: string): string {
  const parts = goUptime.match(/\d+[ydhms]/g);
  if (parts === null) return goUptime;
  return parts.slice(0, 2).join(' ');
}

/** How long ago `iso` was, seen at `nowMs`: "just now", "12s ago", "3m ago", "2h ago", "4d ago". */
export function formatAgo(iso: string, nowMs: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((nowMs - t) / 1000));
  if (s < 2) return 'just now';
  if (s < 60) return s + 's ago';
  if (s < 3600) return Math.floor(s / 60) + 'm ago';
  if (s < 86400) return Math.floor(s / 3600) + 'h ago';
  return Math.floor(s / 86400) + 'd ago';
}

/**
 * A chart's y axis for values up to `max`: a "nice" top (1, 2, 2.5 or 5 × 10^k, at
 * least `max`) and the step between `ticks` gridlines. An empty chart gets 0..1.
 */
export function niceScale(max: number, ticks: number): { top: number; step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { top: 1, step: 1 / ticks };
  const raw = max / ticks;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const steps = [1, 2, 2.5, 5, 10];
  let step = 10 * mag;
  for (const s of steps) {
    if (s * mag >= raw) {
      step = s * mag;
      break;
    }
  }
  // Counts below one per tick would show fractional gridlines for whole things.
  return { top: step * ticks, step };
}

/**
 * The rate of a counter between two samples, per second. A counter that went
 * backwards (a restarted server) or a non-positive interval gives null.
 */
export function counterRate(prev: number, next: number, dtMs: number): number | null {
  if (!(dtMs > 0) || next < prev) return null;
  return ((next - prev) * 1000) / dtMs;
}

/** The helpers the page script gets, in order. */
export const CLIENT_HELPERS: readonly ((...args: never[]) => unknown)[] = [formatCount, formatBytes, formatMsgRate, formatByteRate, formatUptime, formatAgo, niceScale, counterRate];
