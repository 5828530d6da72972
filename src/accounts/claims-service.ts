/**
 * The $SYS requests that keep account JWTs current in operator mode: pushed updates
 * (`$SYS.REQ.ACCOUNT.<acc>.CLAIMS.UPDATE`, the older `$SYS.ACCOUNT.<acc>.CLAIMS.UPDATE`,
 * and `$SYS.REQ.CLAIMS.UPDATE` for a directory resolver), lookups and lists. Replies use
 * nats-server's envelope: `{"server":{…},"data":{…}}` or `{"server":{…},"error":{…}}`.
 */
import type { InternalClient, InternalMessage } from '../server/internal-client.ts';
import type { Account } from './account.ts';
import type { JwtAccounts, UpdateResult } from './jwt-accounts.ts';

export interface ClaimsServiceHost {
  /** Publishes a reply from the server into `account`. */
  reply(account: Account, subject: string, payload: string): void;
  /** The `server` object of $SYS replies. */
  serverInfo(): Record<string, unknown>;
  logger: { debug(msg: string): void; error(msg: string): void };
}

const ACCOUNT_TOKEN = 2;

export function serveClaims(host: ClaimsServiceHost, internal: InternalClient, system: Account, jwts: JwtAccounts, directory: boolean): void {
  const respond = (reply: string, result: UpdateResult): void => {
    if (result.ok) host.logger.debug(`${result.message} - ${result.account}`);
    else host.logger.error(`${result.message} - ${result.account} - ${result.error ?? ''}`);
    if (reply === '') return;
    const body = result.ok
      ? { server: host.serverInfo(), data: { account: result.account, code: 200, message: result.message } }
      : { server: host.serverInfo(), error: { account: result.account, code: 500, description: `${result.message} - ${result.error ?? ''}` } };
    host.reply(system, reply, JSON.stringify(body));
  };
  const updateFor = (msg: InternalMessage): void => {
    const account = msg.subject.split('.')[ACCOUNT_TOKEN + (msg.subject.startsWith('$SYS.REQ.') ? 1 : 0)];
    respond(msg.reply, jwts.update(msg.payload.toString('utf8').trim(), account));
  };
  internal.subscribe(system, '$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE', updateFor);
  internal.subscribe(system, '$SYS.ACCOUNT.*.CLAIMS.UPDATE', updateFor);
  if (!directory) return;
  internal.subscribe(system, '$SYS.REQ.CLAIMS.UPDATE', (msg) => respond(msg.reply, jwts.update(msg.payload.toString('utf8').trim())));
  internal.subscribe(system, '$SYS.REQ.ACCOUNT.*.CLAIMS.LOOKUP', (msg) => {
    const jwt = jwts.fetch(msg.subject.split('.')[3] ?? '');
    if (msg.reply !== '' && jwt !== null) host.reply(system, msg.reply, jwt);
  });
  internal.subscribe(system, '$SYS.REQ.CLAIMS.LIST', (msg) => {
    if (msg.reply !== '') host.reply(system, msg.reply, JSON.stringify({ server: host.serverInfo(), data: jwts.list() }));
  });
}
