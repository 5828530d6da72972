/**
 * Where account JWTs come from in operator mode: a memory resolver (resolver_preload
 * plus accepted updates) or a directory of `<account>.jwt` files that keeps every
 * pushed update (nats-server's full/cache "nats based" resolver, standalone).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isValidPublicKey } from '../auth/nkeys.ts';

export interface AccountResolver {
  /** The stored JWT of `account`, or null. */
  fetch(account: string): string | null;
  store(account: string, jwt: string): void;
  /** Removes an account's JWT; false when deletes are not allowed. */
  remove(account: string): boolean;
  /** Every stored account. */
  list(): string[];
  /** Whether pushes of accounts not seen before are kept (a full directory resolver). */
  readonly acceptsNewAccounts: boolean;
}

export class MemoryResolver implements AccountResolver {
  readonly acceptsNewAccounts = false;
  private readonly jwts: Map<string, string>;

  constructor(preload: ReadonlyMap<string, string>) {
    this.jwts = new Map(preload);
  }

  fetch(account: string): string | null {
    return this.jwts.get(account) ?? null;
  }

  store(account: string, jwt: string): void {
    this.jwts.set(account, jwt);
  }

  remove(): boolean {
    return false;
  }

  list(): string[] {
    return [...this.jwts.keys()];
  }
}

export class DirResolver implements AccountResolver {
  readonly acceptsNewAccounts: boolean;
  private readonly dir: string;
  private readonly allowDelete: boolean;

  constructor(dir: string, options: { allowDelete: boolean; full: boolean }, preload: ReadonlyMap<string, string>) {
    this.dir = path.resolve(dir);
    this.allowDelete = options.allowDelete;
    this.acceptsNewAccounts = options.full;
    mkdirSync(this.dir, { recursive: true });
    for (const [account, jwt] of preload) if (this.fetch(account) === null) this.store(account, jwt);
  }

  private file(account: string): string {
    return path.join(this.dir, `${account}.jwt`);
  }

  fetch(account: string): string | null {
    if (!isValidPublicKey(account, 'A')) return null;
    try {
      return readFileSync(this.file(account), 'utf8').trim();
    } catch {
      return null;
    }
  }

  /** Writes through a temporary file, so a crash never leaves half a JWT. */
  store(account: string, jwt: string): void {
    const target = this.file(account);
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, jwt);
    renameSync(tmp, target);
  }

  remove(account: string): boolean {
    if (!this.allowDelete) return false;
    rmSync(this.file(account), { force: true });
    return true;
  }

  list(): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.jwt'))
      .map((f) => f.slice(0, -4))
      .filter((k) => isValidPublicKey(k, 'A'));
  }
}
