/**
 * TLS for client connections, as nats-server does it: INFO in plain text and then a
 * server-side handshake on the same socket (or the handshake first, with
 * handshake_first), client certificates verified against ca_file, pinned
 * certificates, and the identities in a client certificate for verify_and_map.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import tls from 'node:tls';
import type { TlsConfig } from '../options/tls.ts';

/** Builds the secure context from the configured files; throws with nats-server's wording. */
export function createSecureContext(cfg: TlsConfig): tls.SecureContext {
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
    return tls.createSecureContext(options);
  } catch (err) {
    throw new Error(`error parsing X509 certificate/key pair: ${(err as Error).message}`);
  }
}

export type HandshakeFailure = 'timeout' | 'error' | 'not-pinned';

/**
 * Runs the server side of the handshake on `socket`. Exactly one of the callbacks is
 * called; after a failure the caller closes `socket`.
 */
export function acceptTls(
  socket: net.Socket,
  context: tls.SecureContext,
  cfg: TlsConfig,
  onSecure: (secure: tls.TLSSocket) => void,
  onFailure: (why: HandshakeFailure, detail: string) => void,
): void {
  const secure = new tls.TLSSocket(socket, {
    isServer: true,
    secureContext: context,
    requestCert: cfg.verify,
    rejectUnauthorized: cfg.verify && !cfg.insecure,
  });
  let settled = false;
  const finish = (): boolean => {
    if (settled) return false;
    settled = true;
    clearTimeout(timer);
    return true;
  };
  const timer = setTimeout(() => {
    if (!finish()) return;
    // The caller may still write a plain-text -ERR on the socket before it closes it.
    onFailure('timeout', 'TLS handshake timeout');
  }, cfg.timeoutMs);
  secure.once('secure', () => {
    if (!finish()) return;
    if (cfg.pinnedCerts.length > 0 && !isPinned(secure, cfg.pinnedCerts)) {
      secure.destroy();
      onFailure('not-pinned', 'certificate not pinned');
      return;
    }
    onSecure(secure);
  });
  secure.once('error', (err) => {
    if (!finish()) return;
    secure.destroy();
    onFailure('error', err.message);
  });
}

function isPinned(secure: tls.TLSSocket, pinned: readonly string[]): boolean {
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
