/**
 * Logging in nats-server's line format, `[pid] 2006/01/02 15:04:05.000000 [INF] text`,
 * because operators and test harnesses grep for it ("Server is ready").
 */
import { appendFileSync } from 'node:fs';

export interface Logger {
  readonly debugEnabled: boolean;
  readonly traceEnabled: boolean;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  fatal(msg: string): void;
  debug(msg: string): void;
  trace(msg: string): void;
}

export interface LoggerOptions {
  debug?: boolean;
  trace?: boolean;
  logtime?: boolean;
  utc?: boolean;
  /** Append to this file instead of writing to stderr. */
  file?: string;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function timestamp(utc: boolean): string {
  // timeOrigin + now() is wall-clock time with sub-millisecond digits that never run backwards.
  const t = performance.timeOrigin + performance.now();
  const d = new Date(Math.floor(t));
  const [y, mo, da, h, mi, s] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  const micros = Math.floor((t % 1000) * 1000);
  return `${y}/${pad(mo)}/${pad(da)} ${pad(h)}:${pad(mi)}:${pad(s)}.${pad(micros, 6)}`;
}

export class NatsLogger implements Logger {
  debugEnabled = false;
  traceEnabled = false;
  private logtime = true;
  private utc = false;
  private file = '';
  private readonly prefix = `[${process.pid}] `;

  constructor(options: LoggerOptions = {}) {
    this.configure(options);
  }

  /** Applies logging settings (also on a config reload). */
  configure(options: LoggerOptions): void {
    this.debugEnabled = options.debug ?? false;
    this.traceEnabled = options.trace ?? false;
    this.logtime = options.logtime ?? true;
    this.utc = options.utc ?? false;
    this.file = options.file ?? '';
  }

  info(msg: string): void {
    this.write('INF', msg);
  }
  warn(msg: string): void {
    this.write('WRN', msg);
  }
  error(msg: string): void {
    this.write('ERR', msg);
  }
  fatal(msg: string): void {
    this.write('FTL', msg);
  }
  debug(msg: string): void {
    if (this.debugEnabled) this.write('DBG', msg);
  }
  trace(msg: string): void {
    if (this.traceEnabled) this.write('TRC', msg);
  }

  private write(level: string, msg: string): void {
    const line = `${this.prefix}${this.logtime ? timestamp(this.utc) + ' ' : ''}[${level}] ${msg}\n`;
    if (this.file) appendFileSync(this.file, line);
    else process.stderr.write(line);
  }
}

/** A logger that drops everything: the default when embedding. */
export const silentLogger: Logger = {
  debugEnabled: false,
  traceEnabled: false,
  info() {},
  warn() {},
  error() {},
  fatal() {},
  debug() {},
  trace() {},
};
