/**
 * Dialtone's embedding API: start a NATS server inside a Node process.
 *
 *   const server = await startServer({ port: 0 });
 *   // connect a client to server.url ...
 *   await server.close();
 */
import { loadConfigFile, loadConfigObject, type ServerConfig } from './options/config.ts';
import { defaultOptions } from './options/options.ts';
import { Server, joinHostPort } from './server/server.ts';
import { NatsLogger, silentLogger, type Logger } from './util/logger.ts';

export interface StartOptions extends ServerConfig {
  /** Read settings from a nats-server config file first; the other fields override it. */
  configFile?: string;
  /** true logs in nats-server's format to stderr; a Logger receives the lines; default silent. */
  logger?: boolean | Logger;
}

export interface RunningServer {
  /** The bound client port. */
  readonly port: number;
  /** `nats://<host>:<port>` for clients. */
  readonly url: string;
  /** The bound monitoring port; 0 when `http`/`https` is not set. */
  readonly monitorPort: number;
  /** `http://<host>:<port>` (plus `http_base_path`) of /varz, /connz, ...; empty when monitoring is off. */
  readonly monitorUrl: string;
  readonly server: Server;
  /** Closes every connection, stops listening, clears every timer. */
  close(): Promise<void>;
}

/**
 * Starts a server and resolves once it accepts connections. Unlike the command line,
 * an embedded server defaults to 127.0.0.1 and a free port.
 */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const { configFile, logger, ...config } = options;
  const base = { ...defaultOptions(), host: '127.0.0.1', port: 0 };
  const fromFile = configFile ? loadConfigFile(configFile, base) : { options: base, warnings: [] };
  const loaded = loadConfigObject(config, fromFile.options);
  const log: Logger =
    logger === true ? new NatsLogger({ debug: loaded.options.debug, trace: loaded.options.trace }) : logger === false || logger === undefined ? silentLogger : logger;
  for (const w of [...fromFile.warnings, ...loaded.warnings]) log.warn(w);
  const server = new Server(loaded.options, log);
  await server.start();
  const host = loaded.options.host === '0.0.0.0' || loaded.options.host === '::' ? '127.0.0.1' : loaded.options.host;
  return {
    port: server.port,
    url: `nats://${joinHostPort(host, server.port)}`,
    monitorPort: server.monitorPort,
    monitorUrl: server.monitorUrl,
    server,
    close: () => server.shutdown(),
  };
}

export { Server } from './server/server.ts';
export * as monitor from './monitor/index.ts';
export type { ServerConfig, Duration, Size } from './options/config.ts';
export type { ServerOptions } from './options/options.ts';
export type { Logger } from './util/logger.ts';
export { NATS_COMPAT_VERSION, DIALTONE_VERSION } from './version.ts';
