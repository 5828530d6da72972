/**
 * Decoding JSON the way Go's encoding/json fills a struct, which is how nats-server
 * reads CONNECT and INFO: field names match case-insensitively, unknown fields are
 * ignored, `null` leaves a field alone, and a value of the wrong JSON type (or a
 * number that is not an integer literal for an integer field) fails the whole decode.
 */

export type GoType = 'string' | 'bool' | 'int' | 'int32' | 'uint' | 'byte' | 'strings' | 'object' | 'bytes';
export type GoSchema = Readonly<Record<string, GoType>>;

const INT_RANGES: Partial<Record<GoType, readonly [bigint, bigint]>> = {
  int: [-(2n ** 63n), 2n ** 63n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint: [0n, 2n ** 64n - 1n],
  byte: [0n, 255n],
};

/** The raw text of each top-level value of a JSON object (already known to be valid JSON). */
function topLevelLiterals(json: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const ws = (): void => {
    while (i < json.length && ' \t\r\n'.includes(json[i]!)) i++;
  };
  const skipString = (): void => {
    i++; // opening quote
    while (json[i] !== '"') i += json[i] === '\\' ? 2 : 1;
    i++;
  };
  const skipValue = (): void => {
    const c = json[i];
    if (c === '"') return skipString();
    if (c === '{' || c === '[') {
      let depth = 0;
      do {
        const d = json[i];
        if (d === '"') {
          skipString();
          continue;
        }
        if (d === '{' || d === '[') depth++;
        else if (d === '}' || d === ']') depth--;
        i++;
      } while (depth > 0);
      return;
    }
    while (i < json.length && !',}] \t\r\n'.includes(json[i]!)) i++;
  };
  ws();
  if (json[i] !== '{') return out;
  i++;
  for (;;) {
    ws();
    if (json[i] !== '"') break;
    const keyStart = i;
    skipString();
    const key = JSON.parse(json.slice(keyStart, i)) as string;
    ws();
    i++; // colon
    ws();
    const valueStart = i;
    skipValue();
    out.set(key.toLowerCase(), json.slice(valueStart, i));
    ws();
    if (json[i] === ',') i++;
  }
  return out;
}

function fits(type: GoType, value: unknown, literal: string | undefined): boolean {
  switch (type) {
    case 'string':
    case 'bytes':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string' || v === null);
    case 'object':
      return typeof value === 'object' && !Array.isArray(value);
    default: {
      if (typeof value !== 'number' || literal === undefined || !/^-?\d+$/.test(literal)) return false;
      const [min, max] = INT_RANGES[type]!;
      const n = BigInt(literal);
      return n >= min && n <= max;
    }
  }
}

/**
 * Decodes `json` against `schema`: returns the fields present (keys lower-cased, nulls
 * dropped), or an error message where Go's decoder would fail.
 */
export function decodeGoJson(json: string, schema: GoSchema): { fields: Record<string, unknown> } | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    return { error: `invalid JSON: ${(err as Error).message}` };
  }
  if (parsed === null) return { fields: {} };
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return { error: 'JSON value is not an object' };
  const fields: Record<string, unknown> = {};
  let literals: Map<string, string> | null = null;
  for (const [rawKey, value] of Object.entries(parsed as Record<string, unknown>)) {
    const key = rawKey.toLowerCase();
    const type = schema[key];
    if (type === undefined || value === null) continue;
    let literal: string | undefined;
    if (type === 'int' || type === 'int32' || type === 'uint' || type === 'byte') {
      literals ??= topLevelLiterals(json);
      literal = literals.get(key);
    }
    if (!fits(type, value, literal)) return { error: `field ${rawKey} cannot hold ${JSON.stringify(value)}` };
    fields[key] = value;
  }
  return { fields };
}

/** nats-server's INFO structure (server.go Info), which a client's INFO must fit. */
export const INFO_SCHEMA: GoSchema = {
  server_id: 'string',
  server_name: 'string',
  version: 'string',
  proto: 'int',
  git_commit: 'string',
  go: 'string',
  host: 'string',
  port: 'int',
  headers: 'bool',
  auth_required: 'bool',
  tls_required: 'bool',
  tls_verify: 'bool',
  tls_available: 'bool',
  max_payload: 'int32',
  jetstream: 'bool',
  ip: 'string',
  client_id: 'uint',
  client_ip: 'string',
  nonce: 'string',
  cluster: 'string',
  cluster_dynamic: 'bool',
  domain: 'string',
  connect_urls: 'strings',
  ws_connect_urls: 'strings',
  ldm: 'bool',
  import: 'object',
  export: 'object',
  lnoc: 'bool',
  info_on_connect: 'bool',
  connect_info: 'bool',
  gateway: 'string',
  gateway_urls: 'strings',
  gateway_url: 'string',
  gateway_cmd: 'byte',
  gateway_cmd_payload: 'bytes',
  gateway_nrp: 'bool',
  gateway_iom: 'bool',
  leafnode_urls: 'strings',
  remote_account: 'string',
};
