/**
 * Password and token checks. A configured value that looks like a bcrypt hash is
 * compared with bcrypt off the event loop (libuv's thread pool); anything else is
 * compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';

const BCRYPT = /^\$2[abxy]\$\d{2}\$/;

export function isBcryptHash(value: string): boolean {
  return BCRYPT.test(value);
}

type BcryptCompare = (plain: string, hash: string) => Promise<boolean>;
let bcryptCompare: BcryptCompare | null = null;

/**
 * Loads a bcrypt implementation: the native `bcrypt` package (prebuilt for common
 * platforms), or the pure-JS `bcryptjs` where the native one cannot load. Called
 * at start-up when the configuration holds bcrypt hashes.
 */
export async function loadBcrypt(): Promise<void> {
  if (bcryptCompare !== null) return;
  try {
    const native = await import('bcrypt');
    bcryptCompare = native.compare;
    return;
  } catch {
    // Fall through to the pure-JS implementation.
  }
  const js = await import('bcryptjs');
  bcryptCompare = (plain, hash) => js.default.compare(plain, hash);
}

function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Compares what a client sent with the configured secret (plain or bcrypt). */
export function comparePassword(configured: string, presented: string): boolean | Promise<boolean> {
  if (!isBcryptHash(configured)) return constantTimeEqual(configured, presented);
  if (bcryptCompare === null) throw new Error('bcrypt is not loaded: call loadBcrypt() at start-up');
  return bcryptCompare(presented, configured).catch(() => false);
}
