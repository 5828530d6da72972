#!/usr/bin/env node
/**
 * The `dialtone` / `nats-server` command: nats-server's flags and config files,
 * its log lines and its signals, so scripts and test launchers need no changes.
 */
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadConfigFile } from '../options/config.ts';
import { defaultOptions, type ServerOptions } from '../options/options.ts';
import { emptyTlsConfig } from '../options/tls.ts';
import { applyClusterListen, emptyCluster, routesFromString } from '../options/cluster.ts';
import { Server } from '../server/server.ts';
import { MonitorStartError } from '../monitor/http.ts';
import { NatsLogger } from '../util/logger.ts';
import { DIALTONE_VERSION, NATS_COMPAT_VERSION } from '../version.ts';
import { FlagError, parseFlags, type FlagSpec, type FlagValue } from './flags.ts';

const FLAGS: FlagSpec[] = [
  { names: ['help', 'h'], kind: 'bool' },
  { names: ['version', 'v'], kind: 'bool' },
  { names: ['help_tls'], kind: 'bool' },
  { names: ['port', 'p'], kind: 'int' },
  { names: ['server_name', 'n', 'name'], kind: 'string' },
  { names: ['addr', 'a', 'net'], kind: 'string' },
  { names: ['client_advertise'], kind: 'string' },
  { names: ['debug', 'D'], kind: 'bool' },
  { names: ['trace', 'V'], kind: 'bool' },
  { names: ['VV'], kind: 'bool' },
  { names: ['DV'], kind: 'bool' },
  { names: ['DVV'], kind: 'bool' },
  { names: ['logtime', 'T'], kind: 'bool' },
  { names: ['logtime_utc'], kind: 'bool' },
  { names: ['user'], kind: 'string' },
  { names: ['pass'], kind: 'string' },
  { names: ['auth'], kind: 'string' },
  { names: ['http_port', 'm'], kind: 'int' },
  { names: ['https_port', 'ms'], kind: 'int' },
  { names: ['config', 'c'], kind: 'string' },
  { names: ['t'], kind: 'bool' },
  { names: ['signal', 'sl'], kind: 'string' },
  { names: ['pid', 'P'], kind: 'string' },
  { names: ['ports_file_dir'], kind: 'string' },
  { names: ['log', 'l'], kind: 'string' },
  { names: ['log_size_limit'], kind: 'int' },
  { names: ['syslog', 's'], kind: 'bool' },
  { names: ['remote_syslog', 'r'], kind: 'string' },
  { names: ['profile'], kind: 'int' },
  { names: ['routes'], kind: 'string' },
  { names: ['cluster', 'cluster_listen'], kind: 'string' },
  { names: ['cluster_advertise'], kind: 'string' },
  { names: ['no_advertise'], kind: 'bool' },
  { names: ['connect_retries'], kind: 'int' },
  { names: ['cluster_name'], kind: 'string' },
  { names: ['tls'], kind: 'bool' },
  { names: ['tlsverify'], kind: 'bool' },
  { names: ['tlscert'], kind: 'string' },
  { names: ['tlskey'], kind: 'string' },
  { names: ['tlscacert'], kind: 'string' },
  { names: ['max_traced_msg_len'], kind: 'int' },
  { names: ['jetstream', 'js'], kind: 'bool' },
  { names: ['store_dir', 'sd'], kind: 'string' },
];

/** Flags nats-server has whose feature this release lacks: refused, never ignored. */
const NOT_YET: Record<string, string> = {
  jetstream: 'JetStream',
  store_dir: 'JetStream',
  syslog: 'syslog logging',
  remote_syslog: 'syslog logging',
  profile: 'profiling',
};

const USAGE = `
dialtone ${DIALTONE_VERSION} - a NATS server for Node.js (speaks as nats-server ${NATS_COMPAT_VERSION})

Usage: dialtone [options]    (also installed as nats-server)

Flags take one dash or two, and a value as "-p 4222" or "-p=4222".

Server
    -a, --addr, --net <host>         Address to listen on (default 0.0.0.0)
    -p, --port <port>                Client port (default 4222; -1 for any free port)
    -n, --name, --server_name <name> Server name (default: the server id)
    -P, --pid <file>                 Write the process id to this file
    -m, --http_port <port>           HTTP monitoring port (/varz, /connz, ...; -1 for any free port)
    -ms, --https_port <port>         HTTPS monitoring port (uses the server's TLS certificate)
    -c, --config <file>              Read settings from a nats-server config file
    -t                               Check the config file and exit
    -sl, --signal <sig>[=<pid>]      Signal a running server: ldm, stop, quit, term, reopen, reload
                                     (<pid> is a process id or a pid file)
    --client_advertise <host:port>   Address to advertise to clients
    --ports_file_dir <dir>           Write <name>_<pid>.ports listing the bound addresses

Logging
    -l, --log <file>                 Append log lines to a file instead of stderr
    -T, --logtime                    Timestamp log lines (default true; -T=false to turn off)
    --logtime_utc                    Timestamps in UTC
    -D, --debug                      Debug log lines
    -V, --trace                      Protocol trace log lines
    -DV                              Debug and trace (also -VV, -DVV)

Authorization
    --user <user>                    User required for connections
    --pass <password>                Password required for connections
    --auth <token>                   Token required for connections

TLS
    --tls                            Enable TLS (no client certificate check)
    --tlscert <file>                 Server certificate
    --tlskey <file>                  Private key of the server certificate
    --tlsverify                      Enable TLS and verify client certificates
    --tlscacert <file>               CA that client certificates must chain to

Cluster
    --cluster, --cluster_listen <url>  Route listener: nats://[user:pass@]host:port (-1 for any free port)
    --routes <url,url>               Routes to solicit: nats-route://[user:pass@]host:port, comma separated
    --cluster_name <name>            Cluster name (default: made up, or taken from a peer)
    --cluster_advertise <host:port>  Route address to tell other servers
    --no_advertise                   Do not tell clients about the other servers' URLs
    --connect_retries <n>            Attempts to connect to a gossiped route (configured ones retry forever)

Not in this release (refused with a message): -js/--jetstream,
-sd/--store_dir, -s/--syslog, -r/--remote_syslog, --profile, --help_tls

Other
    -h, --help                       This text
    -v, --version                    Print the nats-server version spoken (nats-server: vX.Y.Z)
`;

const programName = (): string => {
  const base = path.basename(process.argv[1] ?? 'dialtone').replace(/\.(m?js|ts)$/, '');
  return base === 'main' ? 'dialtone' : base;
};

function die(message: string, code = 1): never {
  process.stderr.write(`${programName()}: ${message}\n`);
  process.exit(code);
}

function resolvePid(target: string | undefined): number {
  if (target === undefined || target === '') {
    let out = '';
    try {
      out = execFileSync('pgrep', ['-f', '(nats-server|dialtone)'], { encoding: 'utf8' });
    } catch {
      die('no running server found to signal');
    }
    const pids = out.split(/\s+/).filter((p) => p && Number(p) !== process.pid);
    if (pids.length !== 1) die(`multiple or no servers found (${pids.join(', ')}): name one with --signal <sig>=<pid>`);
    return Number(pids[0]);
  }
  if (/^\d+$/.test(target)) return Number(target);
  try {
    return Number(readFileSync(target, 'utf8').trim());
  } catch {
    return die(`could not read pid file ${target}`);
  }
}

function sendSignal(spec: string): never {
  const [command, target] = spec.split('=', 2) as [string, string | undefined];
  const signals: Record<string, NodeJS.Signals> = { ldm: 'SIGUSR2', stop: 'SIGKILL', quit: 'SIGINT', term: 'SIGTERM', reopen: 'SIGUSR1', reload: 'SIGHUP' };
  const signal = signals[command.toLowerCase()];
  if (signal === undefined) die(`unknown signal "${command}"`);
  const pid = resolvePid(target);
  try {
    process.kill(pid, signal);
  } catch (err) {
    die(`could not signal process ${pid}: ${(err as Error).message}`);
  }
  process.exit(0);
}

/** Applies flags over the settings from the config file (flags win, as in nats-server). */
function applyFlags(o: ServerOptions, flags: Map<string, FlagValue>): void {
  const str = (k: string): string | undefined => (flags.has(k) ? String(flags.get(k)) : undefined);
  const num = (k: string): number | undefined => (flags.has(k) ? Number(flags.get(k)) : undefined);
  const bool = (k: string): boolean | undefined => (flags.has(k) ? Boolean(flags.get(k)) : undefined);
  o.port = num('port') ?? o.port;
  o.host = str('addr') ?? o.host;
  o.serverName = str('server_name') ?? o.serverName;
  o.clientAdvertise = str('client_advertise') ?? o.clientAdvertise;
  o.httpPort = num('http_port') ?? o.httpPort;
  o.httpsPort = num('https_port') ?? o.httpsPort;
  o.pidFile = str('pid') ?? o.pidFile;
  o.portsFileDir = str('ports_file_dir') ?? o.portsFileDir;
  o.logFile = str('log') ?? o.logFile;
  o.logtime = bool('logtime') ?? o.logtime;
  o.logtimeUTC = bool('logtime_utc') ?? o.logtimeUTC;
  o.debug = bool('debug') ?? o.debug;
  o.trace = bool('trace') ?? o.trace;
  for (const combo of ['DV', 'DVV']) if (flags.get(combo) === true) o.debug = o.trace = true;
  const user = str('user');
  const pass = str('pass');
  const token = str('auth');
  if (user !== undefined || pass !== undefined || token !== undefined) {
    const auth = (o.authorization ??= { users: [] });
    if (user !== undefined) auth.user = user;
    if (pass !== undefined) auth.password = pass;
    if (token !== undefined) auth.token = token;
  }
  if (['tls', 'tlsverify', 'tlscert', 'tlskey', 'tlscacert'].some((k) => flags.has(k))) {
    const t = (o.tls ??= emptyTlsConfig());
    t.certFile = str('tlscert') ?? t.certFile;
    t.keyFile = str('tlskey') ?? t.keyFile;
    t.caFile = str('tlscacert') ?? t.caFile;
    if (flags.get('tlsverify') === true) t.verify = true;
  }
  if (flags.get('VV') === true) o.trace = true;
  applyClusterFlags(o, flags);
}

/** --cluster, --routes and the other cluster flags over the `cluster {}` block (opts.go overrideCluster). */
function applyClusterFlags(o: ServerOptions, flags: Map<string, FlagValue>): void {
  const keys = ['cluster', 'routes', 'cluster_name', 'cluster_advertise', 'no_advertise', 'connect_retries'];
  if (!keys.some((k) => flags.has(k))) return;
  const c = (o.cluster ??= emptyCluster());
  const listen = flags.get('cluster');
  if (typeof listen === 'string') {
    // An empty --cluster turns clustering off.
    if (listen === '') c.port = 0;
    else applyClusterListen(c, listen);
  }
  const routes = flags.get('routes');
  if (typeof routes === 'string') {
    c.routes = routesFromString(routes);
    if (routes !== '' && c.port === 0 && typeof listen !== 'string') throw new Error('solicited routes require cluster capabilities, e.g. --cluster');
  }
  if (flags.has('cluster_name')) c.name = String(flags.get('cluster_name'));
  if (flags.has('cluster_advertise')) c.advertise = String(flags.get('cluster_advertise'));
  if (flags.has('no_advertise')) c.noAdvertise = flags.get('no_advertise') === true;
  if (flags.has('connect_retries')) c.connectRetries = Number(flags.get('connect_retries'));
}

function buildOptions(flags: Map<string, FlagValue>, configFile: string | undefined): { options: ServerOptions; warnings: string[] } {
  const loaded = configFile ? loadConfigFile(configFile) : { options: defaultOptions(), warnings: [] };
  applyFlags(loaded.options, flags);
  return loaded;
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseFlags(argv, FLAGS);
  } catch (err) {
    if (err instanceof FlagError) {
      process.stderr.write(`${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    throw err;
  }
  const flags = parsed.values;
  for (const arg of parsed.args) {
    if (arg === 'version') flags.set('version', true);
    else if (arg === 'help') flags.set('help', true);
    else die(`unrecognized command: "${arg}"`);
  }
  if (flags.get('version') === true) {
    process.stdout.write(`nats-server: v${NATS_COMPAT_VERSION}\n`);
    process.exit(0);
  }
  if (flags.get('help') === true) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (flags.get('help_tls') === true) die('TLS is not supported yet in this release');
  const signal = flags.get('signal');
  if (typeof signal === 'string') sendSignal(signal);
  for (const key of flags.keys()) {
    const feature = NOT_YET[key];
    if (feature !== undefined && !(flags.get(key) === false)) die(`--${key} is not supported yet: dialtone does not implement ${feature} in this release`);
  }

  const configFile = flags.get('config') as string | undefined;
  let loaded;
  try {
    loaded = buildOptions(flags, configFile);
  } catch (err) {
    die((err as Error).message);
  }
  if (flags.get('t') === true) {
    process.stderr.write(`${programName()}: configuration file ${configFile ?? ''} is valid\n`);
    process.exit(0);
  }
  const options = loaded.options;
  const loggerSettings = (o: ServerOptions) => ({ debug: o.debug, trace: o.trace, logtime: o.logtime, utc: o.logtimeUTC, file: o.logFile });
  const logger = new NatsLogger(loggerSettings(options));
  for (const w of loaded.warnings) logger.warn(w);

  let server: Server;
  try {
    server = new Server(options, logger);
  } catch (err) {
    die((err as Error).message);
  }

  // Handlers go in before the listener opens, so a signal sent as soon as
  // "Server is ready" appears is handled.
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    logger.info('Trapped signal; shutting down');
    void server.shutdown().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGUSR2', () => {
    void server.enterLameDuckMode().then(() => process.exit(0));
  });
  process.on('SIGUSR1', () => logger.info('Reopening log file (log lines are appended per write)'));
  process.on('SIGHUP', () => {
    if (!configFile) {
      logger.error('Failed to reload server configuration: can only reload config when a file is provided using -c or --config');
      return;
    }
    try {
      const next = buildOptions(flags, configFile);
      for (const w of next.warnings) logger.warn(w);
      const previousLogging = loggerSettings(server.options);
      logger.configure(loggerSettings(next.options));
      server.reload(next.options).catch((err: unknown) => {
        logger.configure(previousLogging);
        logger.error(`Failed to reload server configuration: ${(err as Error).message}`);
      });
    } catch (err) {
      logger.error(`Failed to reload server configuration: ${(err as Error).message}`);
    }
  });

  try {
    await server.start();
  } catch (err) {
    if (err instanceof MonitorStartError) logger.fatal(err.message);
    else logger.fatal(`Error listening on port: ${options.host}:${options.port}, "${(err as Error).message}"`);
    process.exit(1);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  die((err as Error).stack ?? String(err));
});
