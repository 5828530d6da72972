/**
 * Checks across the security settings, made once every key is read, with the texts
 * nats-server uses: unique users, known accounts, imports that their exports permit,
 * a no_auth_user that exists.
 */
import type { ConfMap } from '../conf/index.ts';
import { isSubsetMatch, subjectIsLiteral, subjectsCollide } from '../sublist/subject.ts';
import { SubjectTransform } from '../sublist/subject-transform.ts';
import type { ServerOptions } from './options.ts';
import { ConfigError, positionOf } from './reader.ts';
import type { AccountConfig, ExportConfig } from './security.ts';

/** Whether `exporter` lets `importer` import `subject` (accounts.go checkAuth, without activation tokens). */
export function exportAllows(exporter: AccountConfig, kind: 'stream' | 'service', importer: string, subject: string): boolean {
  const candidates = exporter.exports.filter((e) => e.kind === kind);
  const direct = candidates.find((e) => e.subject === subject);
  const match = direct ?? candidates.find((e) => isSubsetMatch(subject, e.subject));
  if (match === undefined) return false;
  return exportAuthorizes(match, importer, direct !== undefined ? null : subject.split('.'));
}

function exportAuthorizes(e: ExportConfig, importer: string, tokens: string[] | null): boolean {
  if (e.accountTokenPosition > 0) {
    return tokens !== null && e.accountTokenPosition <= tokens.length && tokens[e.accountTokenPosition - 1] === importer;
  }
  if (e.accounts === undefined) return true;
  return e.accounts.includes(importer);
}

/**
 * Whether `account`'s imports (of `kind`, on subjects colliding with `subject`) lead
 * back to an account already visited (accounts.go checkServiceImportsForCycles).
 */
function formsCycle(
  added: ReadonlyMap<string, readonly { kind: 'stream' | 'service'; exporter: string; local: string; remote: string }[]>,
  kind: 'stream' | 'service',
  account: string,
  subject: string,
  visited: Set<string>,
): boolean {
  for (const im of added.get(account) ?? []) {
    if (im.kind !== kind || !subjectsCollide(subject, im.local)) continue;
    if (visited.has(im.exporter)) return true;
    visited.add(account);
    if (formsCycle(added, kind, im.exporter, isSubsetMatch(im.remote, subject) ? im.remote : subject, visited)) return true;
  }
  return false;
}

export function checkSecurity(o: ServerOptions, conf: ConfMap): void {
  const keyOf = (name: string): string => Object.keys(conf).find((k) => k.toLowerCase() === name) ?? name;
  const at = (key: string, message: string): never => {
    throw new ConfigError(message, positionOf(conf, keyOf(key)));
  };
  const accounts = new Map<string, AccountConfig>(o.accounts.map((a) => [a.name, a]));
  const auth = o.authorization;
  const accountUsers = o.accounts.flatMap((a) => a.users);
  if (accountUsers.length > 0) {
    if (auth?.user) at('accounts', 'Can not have a single user/pass and accounts');
    if (auth?.token) at('accounts', 'Can not have a token and accounts');
  }
  const seen = new Set<string>();
  for (const u of [...(auth?.users ?? []), ...accountUsers]) {
    const id = u.nkey ?? u.user ?? '';
    if (seen.has(id)) throw new ConfigError(u.nkey ? `Duplicate nkey "${id}" detected` : `Duplicate user "${id}" detected`, u.position);
    seen.add(id);
  }
  for (const acc of o.accounts) {
    for (const e of acc.exports) {
      for (const name of e.accounts ?? []) {
        if (!accounts.has(name)) at('accounts', `"${name}" account not defined for ${e.kind} export`);
      }
      if (e.accountTokenPosition > 0) {
        const tokens = e.subject.split('.');
        if (tokens.length < e.accountTokenPosition || tokens[e.accountTokenPosition - 1] !== '*') {
          at('accounts', `Error adding ${e.kind} export "${e.subject}": sublist: invalid subject`);
        }
      }
    }
  }
  // Imports are added in order, as nats-server adds them, so a cycle is reported on the import that closes it.
  const added = new Map<string, { kind: 'stream' | 'service'; exporter: string; local: string; remote: string }[]>();
  for (const acc of o.accounts) {
    for (const im of acc.imports) {
      const exporter = accounts.get(im.account) ?? at('accounts', `"${im.account}" account not defined for ${im.kind} import`);
      const fail = (why: string): never => at('accounts', `Error adding ${im.kind} import "${im.subject}": ${why}`);
      if (im.kind === 'stream' && im.prefix !== undefined && !subjectIsLiteral(im.prefix)) fail('stream import prefix can not contain wildcard tokens');
      if (!exportAllows(exporter, im.kind, acc.name, im.subject)) fail(`${im.kind} import not authorized`);
      const mine = added.get(acc.name) ?? [];
      if (im.kind === 'stream' && mine.some((m) => m.kind === 'stream' && m.exporter === im.account && m.remote === im.subject)) fail('stream import already exists');
      const local = im.kind === 'stream' ? (im.prefix !== undefined ? `${im.prefix.replace(/\.$/, '')}.${im.subject}` : (im.to ?? im.subject)) : (im.to ?? im.subject);
      if (im.kind === 'service' && local !== im.subject) {
        try {
          SubjectTransform.forImport(local, im.subject);
        } catch (err) {
          fail(`failed to create mapping transform for service import subject "${local}" to "${im.subject}": ${(err as Error).message}`);
        }
      }
      if (formsCycle(added, im.kind, im.account, local, new Set([acc.name]))) fail('import forms a cycle');
      mine.push({ kind: im.kind, exporter: im.account, local, remote: im.subject });
      added.set(acc.name, mine);
    }
  }
  const noAuthUser = o.noAuthUser;
  if (noAuthUser) {
    const all = [...(auth?.users ?? []), ...accountUsers];
    if (all.length === 0) at('no_auth_user', `no_auth_user: "${noAuthUser}" present, but users are not defined`);
    if (!all.some((u) => u.user === noAuthUser || u.nkey === noAuthUser)) {
      at('no_auth_user', `no_auth_user: "${noAuthUser}" not present as user or nkey in authorization block or account configuration`);
    }
  }
}
