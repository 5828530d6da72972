/**
 * Decentralized-auth settings: `operator` (JWT files or inline JWTs), `trusted_keys`,
 * `resolver` (MEMORY, or a directory-backed `full`/`cache` resolver) and
 * `resolver_preload` (opts.go: trusted operators and account resolvers).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConfValue } from '../conf/index.ts';
import { parseDecoratedJwt } from '../auth/creds.ts';
import { decodeOperatorJwt, type OperatorClaims } from '../auth/jwt.ts';
import { isValidPublicKey } from '../auth/nkeys.ts';
import { asBool, asInt, asString, fail, type Context } from './reader.ts';
import { parseGoDuration } from './values.ts';

export type ResolverConfig =
  | { kind: 'memory' }
  | {
      kind: 'dir';
      /** full: keeps every account pushed to it; cache: a bounded cache of looked-up ones. */
      type: 'full' | 'cache';
      dir: string;
      allowDelete: boolean;
      /** Milliseconds between syncs with other servers (kept for the cluster release). */
      intervalMs: number;
      limit: number;
      ttlMs: number;
      timeoutMs: number;
    };

export interface OperatorConfig {
  /** Trusted operators, decoded and verified. */
  operators: OperatorClaims[];
  /** Raw trusted operator keys (`trusted_keys`). */
  trustedKeys: string[];
  resolver: ResolverConfig | null;
  /** Account public key → account JWT. */
  preload: Map<string, string>;
}

function looksLikeJwt(s: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(s.trim());
}

/** Reads one `operator` entry: an inline JWT, or a file holding one (decorated or bare). */
function readOperator(value: string, ctx: Context): OperatorClaims {
  let token = value;
  if (!looksLikeJwt(value)) {
    const file = path.resolve(value);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      return fail(ctx, `error parsing operator JWT: open ${value}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
    }
    try {
      token = parseDecoratedJwt(text);
    } catch (err) {
      return fail(ctx, `error parsing operator JWT: ${(err as Error).message}`);
    }
  }
  const decoded = decodeOperatorJwt(token);
  if (!decoded.ok) fail(ctx, `error parsing operator JWT: ${decoded.error}`);
  return decoded.value;
}

export function parseOperators(v: ConfValue, ctx: Context): OperatorClaims[] {
  const list = Array.isArray(v) ? v : [v];
  return list.map((entry) => readOperator(asString(entry, ctx), ctx));
}

export function parseTrustedKeys(v: ConfValue, ctx: Context): string[] {
  const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : fail(ctx, 'trusted keys should be a string or an array of strings');
  return list.map((k) => {
    const key = asString(k, ctx);
    if (!isValidPublicKey(key, 'O')) fail(ctx, `trusted Keys "${key}" are not valid public operator keys`);
    return key;
  });
}

export function parseResolver(v: ConfValue, ctx: Context): ResolverConfig {
  if (typeof v === 'string') {
    if (v.toUpperCase() === 'MEMORY') return { kind: 'memory' };
    if (/^URL\(/i.test(v)) fail(ctx, '"resolver" URL(...) is not supported yet: dialtone implements the MEMORY and directory resolvers in this release');
    fail(ctx, `resolver "${v}" is not recognized`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date) return fail(ctx, 'resolver should be MEMORY or a map');
  const r = { kind: 'dir' as const, type: 'full' as 'full' | 'cache', dir: '', allowDelete: false, intervalMs: 2 * 60 * 1000, limit: 1000, ttlMs: 0, timeoutMs: 1900 };
  for (const [rawKey, value] of Object.entries(v)) {
    const c: Context = { map: v, key: rawKey, warnings: ctx.warnings };
    const duration = (): number => {
      const ms = typeof value === 'string' ? parseGoDuration(value) : typeof value === 'number' ? value * 1000 : null;
      return ms ?? fail(c, `invalid duration for "${rawKey}"`);
    };
    switch (rawKey.toLowerCase()) {
      case 'type': {
        const t = asString(value, c).toLowerCase();
        if (t !== 'full' && t !== 'cache') fail(c, `resolver type "${t}" is not supported: use full or cache`);
        r.type = t;
        break;
      }
      case 'dir':
        r.dir = asString(value, c);
        break;
      case 'allow_delete':
        r.allowDelete = asBool(value, c);
        break;
      case 'interval':
        r.intervalMs = duration();
        break;
      case 'limit':
        r.limit = asInt(value, c);
        break;
      case 'ttl':
        r.ttlMs = duration();
        break;
      case 'timeout':
        r.timeoutMs = duration();
        break;
      default:
        fail(c, `unknown field "${rawKey}"`);
    }
  }
  if (!r.dir) fail(ctx, 'resolver requires a "dir"');
  return r;
}

export function parsePreload(v: ConfValue, ctx: Context): Map<string, string> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date) return fail(ctx, 'resolver_preload should be a map of account public keys to JWTs');
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(v)) {
    const c: Context = { map: v, key, warnings: ctx.warnings };
    if (!isValidPublicKey(key, 'A')) fail(c, `preload key "${key}" is not a valid public account key`);
    out.set(key, asString(value, c).trim());
  }
  return out;
}
