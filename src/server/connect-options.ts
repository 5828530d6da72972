/**
 * The CONNECT JSON a client sends, decoded the way Go's encoding/json fills
 * nats-server's ClientOpts: field names match case-insensitively, unknown fields are
 * ignored, null leaves a field as it was, and a value of the wrong type is an error.
 */

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

const FIELD_TYPES: Record<string, 'boolean' | 'string' | 'integer'> = {
  verbose: 'boolean',
  pedantic: 'boolean',
  tls_required: 'boolean',
  auth_token: 'string',
  user: 'string',
  pass: 'string',
  name: 'string',
  lang: 'string',
  version: 'string',
  protocol: 'integer',
  echo: 'boolean',
  sig: 'string',
  jwt: 'string',
  nkey: 'string',
  headers: 'boolean',
  no_responders: 'boolean',
  account: 'string',
  new_account: 'boolean',
};

/**
 * Applies a CONNECT body on top of `into` (a second CONNECT keeps fields it omits).
 * Returns an error message instead of throwing when the body is not acceptable.
 */
export function applyConnectJson(json: string, into: ConnectOptions): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    return `invalid CONNECT JSON: ${(err as Error).message}`;
  }
  if (parsed === null) return null;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return 'CONNECT body is not a JSON object';
  const target = into as unknown as Record<string, unknown>;
  for (const [rawKey, value] of Object.entries(parsed as Record<string, unknown>)) {
    const key = rawKey.toLowerCase();
    const type = FIELD_TYPES[key];
    if (type === undefined || value === null) continue;
    if (type === 'integer') {
      if (typeof value !== 'number' || !Number.isInteger(value)) return `CONNECT field ${rawKey} must be an integer`;
    } else if (typeof value !== type) {
      return `CONNECT field ${rawKey} must be a ${type}`;
    }
    target[key] = value;
  }
  return null;
}
