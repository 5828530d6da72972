import type { ServerOptions } from './options.ts';
import { ConfigError } from './reader.ts';
import { formatGoDuration } from './values.ts';

/** Cross-setting checks nats-server makes before starting (server.go validateOptions, jwt.go). */
export function validateOptions(o: ServerOptions): void {
  if (o.lameDuckDuration > 0 && o.lameDuckGracePeriod >= o.lameDuckDuration) {
    throw new ConfigError(
      `lame duck grace period (${formatGoDuration(o.lameDuckGracePeriod)}) should be strictly lower than lame duck duration (${formatGoDuration(o.lameDuckDuration)})`,
    );
  }
  if (o.maxPayload > o.maxPending) {
    throw new ConfigError(`max_payload (${o.maxPayload}) cannot be higher than max_pending (${o.maxPending})`);
  }
  if (/\s/.test(o.serverName)) throw new ConfigError('server name cannot contain spaces');
  validateOperatorMode(o);
}

/** Operator mode: accounts and users come from JWTs only (jwt.go validateTrustedOperators). */
function validateOperatorMode(o: ServerOptions): void {
  const op = o.operator;
  if (op === null) return;
  if (op.operators.length > 0 && op.resolver === null) throw new ConfigError('operators require an account resolver to be configured');
  if (o.accounts.length > 0) throw new ConfigError('operators do not allow Accounts to be configured directly');
  if (o.authorization !== null && (o.authorization.users.length > 0 || o.authorization.user || o.authorization.token)) {
    throw new ConfigError('operators do not allow users to be configured directly');
  }
  if (op.operators.length > 0 && op.trustedKeys.length > 0) throw new ConfigError("conflicting options for 'TrustedKeys' and 'TrustedOperators'");
  if (o.noAuthUser) throw new ConfigError('no_auth_user not compatible with Trusted Operator');
  const fromJwt = op.operators.map((c) => c.nats.system_account).find((s) => s !== undefined && s !== '');
  if (fromJwt !== undefined) {
    if (o.systemAccount === '$SYS') o.systemAccount = fromJwt;
    else if (o.systemAccount !== fromJwt) throw new ConfigError('system_account in config and operator JWT must be identical');
  }
  if (op.resolver?.kind === 'dir' && (o.systemAccount === '$SYS' || o.noSystemAccount)) {
    throw new ConfigError('using nats based account resolver - the system account needs to be specified in configuration or the operator jwt');
  }
}
