/**
 * The monitoring HTTP(S) listener: routes requests under `http_base_path` to handlers
 * registered by path, answers unknown paths as Go's ServeMux does, and closes every
 * socket on shutdown. Handlers are looked up per request, so endpoints can be added
 * (or "/" replaced) at any time with `route()`.
 */
import { listenOn } from '../util/listen.ts';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type { Server } from '../server/server.ts';
import { marshal, marshalIndent } from './format.ts';
import { MonitorError } from './query.ts';

export interface MonitorRequest {
  readonly server: Server;
  /** The path without the base path ("/varz"). */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly method: string;
  readonly raw: http.IncomingMessage;
  /** Counts the request in varz `http_req_stats` under `key` (the endpoint's path by default). */
  count(key?: string): void;
}

export interface MonitorResponse {
  status?: number;
  contentType?: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

export type MonitorHandler = (req: MonitorRequest) => MonitorResponse | Promise<MonitorResponse>;

const TEXT = 'text/plain; charset=utf-8';

/** The monitoring listener could not start; the message reads as nats-server's fatal error. */
export class MonitorStartError extends Error {
  constructor(detail: string) {
    super(`Can't start monitoring: ${detail}`);
    this.name = 'MonitorStartError';
  }
}

/** JSON as nats-server's ResponseHandler sends it: pretty, or JSONP with `?callback=`. */
export function jsonResponse(req: MonitorRequest, value: unknown, options: { pretty?: boolean; status?: number } = {}): MonitorResponse {
  const body = options.pretty === false ? marshal(value) : marshalIndent(value);
  const callback = req.query.get('callback') ?? '';
  const status = options.status ?? 200;
  if (callback !== '') return { status, contentType: 'application/javascript', body: `${callback}(${body})` };
  return { status, contentType: 'application/json', body };
}

export function textResponse(status: number, body: string, contentType = TEXT): MonitorResponse {
  return { status, contentType, body };
}

/** Go's http.NotFound. */
export function notFound(): MonitorResponse {
  return { status: 404, contentType: TEXT, body: '404 page not found\n', headers: { 'X-Content-Type-Options': 'nosniff' } };
}

/** opts.go normalizeBasePath: a leading slash, cleaned; empty is "/". */
export function normalizeBasePath(p: string): string {
  if (p === '') return '/';
  return cleanPath(p.startsWith('/') ? p : `/${p}`);
}

/** Go's path.Clean for an absolute path. */
function cleanPath(p: string): string {
  const cleaned = path.posix.normalize(p);
  return cleaned.length > 1 && cleaned.endsWith('/') ? cleaned.slice(0, -1) : cleaned;
}

export interface MonitorListenOptions {
  host: string;
  port: number;
  basePath: string;
  /** HTTPS with this context (looked up per connection, so a reload's new certificate is used). */
  secureContext?: (() => tls.SecureContext) | undefined;
}

export class MonitorHttpServer {
  readonly server: Server;
  readonly secure: boolean;
  readonly basePath: string;
  private readonly routes = new Map<string, MonitorHandler>();
  private readonly http: http.Server;
  private readonly listener: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly options: MonitorListenOptions;
  private boundPort = 0;
  private closing: Promise<void> | null = null;

  constructor(server: Server, options: MonitorListenOptions) {
    this.server = server;
    this.options = options;
    this.secure = options.secureContext !== undefined;
    this.basePath = normalizeBasePath(options.basePath);
    this.http = http.createServer((req, res) => void this.dispatch(req, res));
    this.http.on('clientError', (_err, socket) => socket.destroy());
    const secureContext = options.secureContext;
    if (secureContext === undefined) {
      this.listener = this.http;
    } else {
      // TLS made per connection over a plain listener, so the context is the current one.
      this.listener = net.createServer((socket) => {
        this.track(socket);
        socket.on('error', () => socket.destroy());
        const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: secureContext(), requestCert: false });
        secure.on('error', () => secure.destroy());
        this.http.emit('connection', secure);
      });
    }
    this.listener.on('connection', (socket: net.Socket) => this.track(socket));
  }

  private track(socket: net.Socket): void {
    if (this.sockets.has(socket)) return;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Registers (or replaces) the handler for `p`, a path below the base path ("/varz"; "/" is the index). */
  route(p: string, handler: MonitorHandler): void {
    this.routes.set(p, handler);
  }

  /** The registered paths. */
  paths(): string[] {
    return [...this.routes.keys()];
  }

  get port(): number {
    return this.boundPort;
  }

  get scheme(): 'http' | 'https' {
    return this.secure ? 'https' : 'http';
  }

  /** Binds the listener; resolves with the port (a free one for 0 or -1). */
  listen(): Promise<number> {
    const { host, port } = this.options;
    return listenOn(this.listener, host, port).then((bound) => {
      this.listener.on('error', (err) => this.server.logger.error(`monitoring: ${err.message}`));
      this.boundPort = bound;
      return bound;
    });
  }

  /** Stops listening and closes every open connection (keep-alive ones included). */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closing = new Promise<void>((resolve) => {
      const done = (): void => resolve();
      if (this.listener.listening) this.listener.close(done);
      else done();
      if (this.listener !== this.http) this.http.close();
      this.http.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let response: MonitorResponse;
    try {
      response = await this.handle(req);
    } catch (err) {
      if (err instanceof MonitorError) response = textResponse(err.status, err.message);
      else {
        this.server.logger.error(`monitoring: error serving ${req.url ?? ''}: ${(err as Error).stack ?? String(err)}`);
        response = textResponse(500, 'Internal Server Error');
      }
    }
    const body = typeof response.body === 'string' ? Buffer.from(response.body) : response.body;
    res.writeHead(response.status ?? 200, {
      'Content-Type': response.contentType ?? TEXT,
      'Content-Length': body.length,
      'Access-Control-Allow-Origin': '*',
      ...response.headers,
    });
    res.end(body);
  }

  private handle(req: http.IncomingMessage): MonitorResponse | Promise<MonitorResponse> {
    // Concatenated, not resolved against a base: "//varz" is a path here, not a host.
    const url = new URL(`http://localhost${req.url ?? '/'}`);
    const raw = url.pathname;
    // Go's ServeMux redirects to the cleaned path (keeping a trailing slash).
    let clean = cleanPath(raw);
    if (raw.endsWith('/') && clean !== '/') clean += '/';
    if (clean !== raw) return { status: 301, contentType: 'text/html; charset=utf-8', body: '', headers: { Location: clean + url.search } };
    const base = this.basePath;
    let sub: string | null = null;
    if (raw === base) sub = '/';
    else if (base === '/') sub = raw;
    else if (raw.startsWith(`${base}/`)) sub = raw.slice(base.length);
    if (sub === null || (sub === '/' && raw !== base)) return notFound();
    const handler = this.routes.get(sub);
    if (handler === undefined) return notFound();
    const monitoring = this.server.monitoring;
    const request: MonitorRequest = {
      server: this.server,
      path: sub,
      query: url.searchParams,
      method: req.method ?? 'GET',
      raw: req,
      count: (key = sub!) => monitoring.countRequest(key),
    };
    return handler(request);
  }
}
