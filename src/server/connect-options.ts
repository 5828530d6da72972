/**
 * The CONNECT JSON a client sends, decoded as nats-server decodes it into ClientOpts.
 */
import { decodeGoJson, type GoSchema } from './go-json.ts';

export interface ConnectOptions {
  verbose: boolean;
  pedantic: boolean;
  tls_required: boolean;
  auth_token: string;
  user: string;
  pass: string;
  name: string;
  lang: string;
  version: string;
  protocol: number;
  echo: boolean;
  sig: string;
  jwt: string;
  nkey: string;
  headers: boolean;
  no_responders: boolean;
  account: string;
  new_account: boolean;
}

/** What a connection assumes before CONNECT arrives (nats-server's defaultOpts). */
export function initialConnectOptions(): ConnectOptions {
  return {
    verbose: true,
    pedantic: true,
    tls_required: false,
    auth_token: '',
    user: '',
    pass: '',
    name: '',
    lang: '',
    version: '',
    protocol: 0,
    echo: true,
    sig: '',
    jwt: '',
    nkey: '',
    headers: false,
    no_responders: false,
    account: '',
    new_account: false,
  };
}

/** The CONNECT fields nats-server decodes (client.go ClientOpts), with their Go types. */
const CONNECT_SCHEMA: GoSchema = {
  verbose: 'bool',
  pedantic: 'bool',
  tls_required: 'bool',
  auth_token: 'string',
  user: 'string',
  pass: 'string',
  name: 'string',
  lang: 'string',
  version: 'string',
  protocol: 'int',
  echo: 'bool',
  sig: 'string',
  jwt: 'string',
  nkey: 'string',
  headers: 'bool',
  no_responders: 'bool',
  account: 'string',
  new_account: 'bool',
  // Route and leaf fields: decoded (so wrong types still fail) but unused by clients.
  import: 'object',
  export: 'object',
  remote_account: 'string',
};

/**
 * Applies a CONNECT body on top of `into` (a second CONNECT keeps fields it omits).
 * Returns an error message instead of throwing when the body is not acceptable.
 */
export function applyConnectJson(json: string, into: ConnectOptions): string | null {
  const decoded = decodeGoJson(json, CONNECT_SCHEMA);
  if ('error' in decoded) return `invalid CONNECT: ${decoded.error}`;
  const target = into as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(decoded.fields)) {
    if (key in target) target[key] = value;
  }
  return null;
}
