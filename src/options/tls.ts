/** The `tls {}` block (opts.go parseTLS), shared later by routes, leaf nodes and websockets. */
import type { ConfValue } from '../conf/index.ts';
import { asBool, asString, fail, positionOf, type Context, type SourcePosition } from './reader.ts';
import { parseGoDuration } from './values.ts';

export interface TlsConfig {
  certFile: string;
  keyFile: string;
  /** CA bundle that client certificates must chain to. */
  caFile: string;
  /** Require and verify client certificates. */
  verify: boolean;
  /** Verify, and take the user from the client certificate (verify_and_map). */
  verifyAndMap: boolean;
  /** Milliseconds to finish the handshake. */
  timeoutMs: number;
  /** TLS before INFO (handshake_first), instead of INFO in plain text then the upgrade. */
  handshakeFirst: boolean;
  /** Hex SHA-256 digests of client SubjectPublicKeyInfo that alone are accepted. */
  pinnedCerts: string[];
  cipherSuites: string[];
  curvePreferences: string[];
  insecure: boolean;
  /** Where the tls block was written, for errors found when the certificates are loaded. */
  position?: SourcePosition | undefined;
}

export const DEFAULT_TLS_TIMEOUT_MS = 2000;

export function emptyTlsConfig(): TlsConfig {
  return {
    certFile: '',
    keyFile: '',
    caFile: '',
    verify: false,
    verifyAndMap: false,
    timeoutMs: DEFAULT_TLS_TIMEOUT_MS,
    handshakeFirst: false,
    pinnedCerts: [],
    cipherSuites: [],
    curvePreferences: [],
    insecure: false,
  };
}

export function parseTls(v: ConfValue, ctx: Context): TlsConfig {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date) fail(ctx, 'error parsing tls config, expected a map');
  const t = emptyTlsConfig();
  t.position = positionOf(ctx.map, ctx.key);
  for (const [rawKey, value] of Object.entries(v)) {
    const c: Context = { map: v, key: rawKey, warnings: ctx.warnings };
    const strings = (what: string): string[] => {
      if (!Array.isArray(value) || value.length === 0) fail(c, `error parsing tls config, '${what}' cannot be empty`);
      return value.map((x) => asString(x, c));
    };
    switch (rawKey.toLowerCase()) {
      case 'cert_file':
        t.certFile = asString(value, c);
        break;
      case 'key_file':
        t.keyFile = asString(value, c);
        break;
      case 'ca_file':
        t.caFile = asString(value, c);
        break;
      case 'insecure':
        t.insecure = asBool(value, c);
        break;
      case 'verify':
        t.verify = asBool(value, c);
        break;
      case 'verify_and_map':
        t.verifyAndMap = asBool(value, c);
        if (t.verifyAndMap) t.verify = true;
        break;
      case 'timeout': {
        if (typeof value === 'number') t.timeoutMs = value * 1000;
        else if (typeof value === 'string') {
          const ms = parseGoDuration(value);
          if (ms === null) fail(c, `error parsing tls config, 'timeout' time: invalid duration "${value}"`);
          t.timeoutMs = ms;
        } else fail(c, "error parsing tls config, 'timeout' wrong type");
        break;
      }
      case 'handshake_first':
      case 'first':
      case 'immediate':
        t.handshakeFirst = typeof value === 'boolean' ? value : typeof value === 'string' ? !['false', 'off', 'no'].includes(value.toLowerCase()) : fail(c, "error parsing tls config, 'handshake_first' wrong type");
        break;
      case 'pinned_certs':
        t.pinnedCerts = strings('pinned_certs').map((p) => {
          const entry = p.toLowerCase();
          if (!/^[a-f0-9]{64}$/.test(entry)) fail(c, `error parsing tls config, 'pinned_certs' key ${entry} does not look like hex-encoded sha256 of DER encoded SubjectPublicKeyInfo`);
          return entry;
        });
        break;
      case 'cipher_suites':
        t.cipherSuites = strings('cipher_suites');
        break;
      case 'curve_preferences':
        t.curvePreferences = strings('curve_preferences');
        break;
      default:
        fail(c, `error parsing tls config, unknown field ["${rawKey}"]`);
    }
  }
  return t;
}
