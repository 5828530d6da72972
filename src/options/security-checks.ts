/**
 * Checks across the security settings, made once every key is read, with the texts
 * nats-server uses: unique users, known accounts, imports that their exports permit,
 * a no_auth_user that exists.
 */
import type { ConfMap } from '../conf/index.ts';
import { isSubsetMatch, subjectIsLiteral } from '../sublist/subject.ts';
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
    if (seen.has(id)) at(auth?.users.includes(u) ? 'authorization' : 'accounts', u.nkey ? `Duplicate nkey "${id}" detected` : `Duplicate user "${id}" detected`);
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
          at('accounts', `Error adding ${e.kind} export "${e.subject}": invalid subject`);
        }
      }
    }
  }
  for (const acc of o.accounts) {
    for (const im of acc.imports) {
      const exporter = accounts.get(im.account) ?? at('accounts', `"${im.account}" account not defined for ${im.kind} import`);
      if (im.kind === 'stream' && im.prefix !== undefined && !subjectIsLiteral(im.prefix)) {
        at('accounts', `Error adding stream import "${im.subject}": stream import prefix can not contain wildcard tokens`);
      }
      if (!exportAllows(exporter, im.kind, acc.name, im.subject)) {
        at('accounts', `Error adding ${im.kind} import "${im.subject}": ${im.kind} import not authorized`);
      }
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
