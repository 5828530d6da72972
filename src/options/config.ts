/**
 * The settings users write, in the config file's own key names. The same shape is
 * accepted by `startServer()`, so a config file and an embedded server read alike.
 */
import { parseConfFile, usedVariables, type ConfMap } from '../conf/index.ts';
import { applyConfig } from './from-config.ts';
import { defaultOptions, type ServerOptions } from './options.ts';

/** A duration: a Go duration string ("2m", "500ms") or a number of seconds. */
export type Duration = string | number;
/** A size: a number of bytes or a string with a unit ("1MB", "64KB"). */
export type Size = number | string;

export interface ServerConfig {
  /** Bind address; `net` is an alias. */
  host?: string;
  net?: string;
  /** "host:port" in one value. */
  listen?: string;
  /** Client port; 0 or -1 picks a free one. */
  port?: number;
  server_name?: string;
  client_advertise?: string;
  max_payload?: Size;
  max_control_line?: Size;
  max_pending?: Size;
  max_connections?: number;
  max_subscriptions?: number;
  max_sub_tokens?: number;
  ping_interval?: Duration;
  ping_max?: number;
  write_deadline?: Duration;
  lame_duck_duration?: Duration;
  lame_duck_grace_period?: Duration;
  no_header_support?: boolean;
  disable_sublist_cache?: boolean;
  disable_short_first_ping?: boolean;
  /** Closed connections kept for /connz?state=closed (default 10000). */
  max_closed_clients?: number;
  debug?: boolean;
  trace?: boolean;
  logtime?: boolean;
  logtime_utc?: boolean;
  logfile?: string;
  pidfile?: string;
  ports_file_dir?: string;
  /** Monitoring endpoints: "host:port" or a port (-1 picks a free one). */
  http?: string | number;
  http_port?: number;
  monitor_port?: number;
  /** HTTPS monitoring (needs `tls`): "host:port" or a port. */
  https?: string | number;
  https_port?: number;
  /** Prefix of every monitoring path ("/nats"). */
  http_base_path?: string;
  no_system_account?: boolean;
  system_account?: string;
  /** Routes to other servers: `{ name, listen: "127.0.0.1:-1", routes: ["nats-route://127.0.0.1:6222"], ... }`. */
  cluster?: ClusterConfig;
}

/** The `cluster {}` block (nats-server's keys). */
export interface ClusterConfig {
  name?: string;
  /** "host:port"; port -1 picks a free one. */
  listen?: string;
  host?: string;
  port?: number;
  /** Routes to solicit: "nats-route://[user:pass@]host:port". */
  routes?: string[];
  authorization?: { user?: string; password?: string; timeout?: number };
  advertise?: string;
  cluster_advertise?: string;
  no_advertise?: boolean;
  connect_retries?: number;
}

export interface LoadedOptions {
  options: ServerOptions;
  warnings: string[];
}

/** Reads a config file into options on top of `base`. Throws ConfError/ConfigError. */
export function loadConfigFile(file: string, base: ServerOptions = defaultOptions()): LoadedOptions {
  const conf = parseConfFile(file);
  const options = { ...base, configFile: file };
  const warnings = applyConfig(options, conf, usedVariables(conf));
  return { options, warnings };
}

/** Applies settings given in code (config-file key names) on top of `base`. */
export function loadConfigObject(config: ServerConfig, base: ServerOptions = defaultOptions()): LoadedOptions {
  const options = { ...base };
  const warnings = applyConfig(options, withoutUndefined(config) as ConfMap);
  return { options, warnings };
}

/** A key set to `undefined` in an object passed by code means "not set", as if absent from a file. */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = withoutUndefined(v);
  return out;
}
