/**
 * TLS for client connections, as nats-server does it: INFO in plain text and then a
 * server-side handshake on the same socket (or the handshake first, with
 * handshake_first), client certificates verified against ca_file, pinned
 * certificates, and the identities in a client certificate for verify_and_map.
 * Routes use the same pieces for their TLS-first handshakes (cluster/cluster.ts).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import tls from 'node:tls';
import type { TlsConfig } from '../options/tls.ts';

/** Reads the configured certificate files into context options; throws with nats-server's wording. */
export function secureContextOptions(cfg: TlsConfig): tls.SecureContextOptions {
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`error parsing ${what}: open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
    }
  };
  if (!cfg.certFile || !cfg.keyFile) throw new Error('missing \'cert_file\' or \'key_file\' in TLS configuration');
  const cert = read(cfg.certFile, 'X509 certificate/key pair');
  const key = read(cfg.keyFile, 'X509 certificate/key pair');
  const options: tls.SecureContextOptions = { cert, key, minVersion: 'TLSv1.2' };
  if (cfg.caFile) options.ca = read(cfg.caFile, 'root ca certificate');
  if (cfg.cipherSuites.length > 0) options.ciphers = cfg.cipherSuites.join(':');
  if (cfg.curvePreferences.length > 0) options.ecdhCurve = cfg.curvePreferences.join(':');
  try {
    tls.createSecureContext(options);
  } catch (err) {
    throw new Error(`error parsing X509 certificate/key pair: ${(err as Error).message}`);
  }
  return options;
}

/**
 * Runs server-side handshakes on sockets the server accepted itself (after a
 * plain-text INFO, or first thing with handshake_first). A tls.Server that never
 * listens does the work, because only tls.Server enforces requestCert and
 * rejectUnauthorized (chain to ca_file, client-auth purpose) and the handshake timeout.
 */
export class TlsAcceptor {
  private readonly server: tls.Server;
  private readonly pinned: readonly string[];
  private readonly pending = new Map<string, { onSecure: (secure: tls.TLSSocket) => void; onFailure: (detail: string) => void }>();

  constructor(context: tls.SecureContextOptions, cfg: TlsConfig) {
    this.pinned = cfg.pinnedCerts;
    this.server = tls.createServer({
      ...context,
      requestCert: cfg.verify,
      rejectUnauthorized: cfg.verify && !cfg.insecure,
      handshakeTimeout: cfg.timeoutMs,
    });
    this.server.on('secureConnection', (secure: tls.TLSSocket) => {
      const waiting = this.take(secure);
      if (waiting === undefined) return;
      if (this.pinned.length > 0 && !isPinned(secure, this.pinned)) {
        secure.destroy();
        waiting.onFailure('certificate not pinned');
        return;
      }
      waiting.onSecure(secure);
    });
    this.server.on('tlsClientError', (err: Error, secure: tls.TLSSocket) => {
      // Taken before destroy: a destroyed socket no longer reports the peer it is keyed by.
      const waiting = this.take(secure);
      secure.destroy();
      waiting?.onFailure(err.message);
    });
  }

  /** Starts the handshake on `socket`; exactly one callback runs, unless the socket closes first. */
  accept(socket: net.Socket, onSecure: (secure: tls.TLSSocket) => void, onFailure: (detail: string) => void): void {
    const key = keyOf(socket);
    this.pending.set(key, { onSecure, onFailure });
    // A refused certificate (rejectUnauthorized) just closes the socket.
    socket.once('close', () => this.pending.get(key) !== undefined && this.take(socket)?.onFailure('connection closed during the TLS handshake'));
    this.server.emit('connection', socket);
  }

  private take(socket: net.Socket): { onSecure: (secure: tls.TLSSocket) => void; onFailure: (detail: string) => void } | undefined {
    const key = keyOf(socket);
    const waiting = this.pending.get(key);
    this.pending.delete(key);
    return waiting;
  }
}

/** The TLS socket reports its underlying socket's peer, so the pair identifies a handshake. */
function keyOf(socket: net.Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

/** True if the peer's certificate is one of the pinned ones (its SubjectPublicKeyInfo's SHA-256). */
export function isPinned(secure: tls.TLSSocket, pinned: readonly string[]): boolean {
  const raw = secure.getPeerCertificate().raw;
  if (!raw) return false;
  const spki = new X509Certificate(raw).publicKey.export({ type: 'spki', format: 'der' });
  return pinned.includes(createHash('sha256').update(spki).digest('hex'));
}

/** The names a client certificate can map to a user by, in nats-server's order. */
export interface CertificateIdentities {
  emails: string[];
  uris: string[];
  dnsNames: string[];
  /** The subject as RFC 2253 text ("CN=…,OU=…,O=…"), as Go prints it. */
  subject: string;
  /** The subject's attributes, for order-insensitive matching of configured DNs. */
  subjectAttributes: string[];
}

export function certificateIdentities(secure: tls.TLSSocket): CertificateIdentities | null {
  const raw = secure.getPeerCertificate().raw;
  if (!raw) return null;
  const cert = new X509Certificate(raw);
  const emails: string[] = [];
  const uris: string[] = [];
  const dnsNames: string[] = [];
  for (const entry of splitAltNames(cert.subjectAltName ?? '')) {
    const colon = entry.indexOf(':');
    const kind = entry.slice(0, colon);
    const value = entry.slice(colon + 1);
    if (kind === 'email') emails.push(value);
    else if (kind === 'URI') uris.push(value);
    else if (kind === 'DNS') dnsNames.push(value);
  }
  // Node lists the subject in certificate order, one attribute per line; RFC 2253 reverses it.
  const attributes = cert.subject.split('\n').filter((l) => l.length > 0);
  return { emails, uris, dnsNames, subject: [...attributes].reverse().join(','), subjectAttributes: attributes.map(normalizeAttribute) };
}

function splitAltNames(text: string): string[] {
  return text.split(/, (?=[A-Za-z ]+:)/).filter((s) => s.length > 0);
}

function normalizeAttribute(attr: string): string {
  const eq = attr.indexOf('=');
  return `${attr.slice(0, eq).trim().toUpperCase()}=${attr.slice(eq + 1).trim()}`;
}

/** True if a configured DN names the same attributes as the certificate subject, in any order. */
export function dnMatches(configured: string, attributes: readonly string[]): boolean {
  const parts = configured
    .split(/(?<!\\),/)
    .map((p) => p.trim())
    .filter((p) => p.includes('='))
    .map(normalizeAttribute);
  if (parts.length === 0 || parts.length !== attributes.length) return false;
  const have = new Set(attributes);
  return parts.every((p) => have.has(p));
}
