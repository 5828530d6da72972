/**
 * Creds files (`nsc generate creds`, jwt.FormatUserConfig): a decorated user JWT and a
 * decorated nkey seed.
 *
 *   -----BEGIN NATS USER JWT-----
 *   eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ...
 *   ------END NATS USER JWT------
 *
 *   ************************* IMPORTANT *************************
 *   ...
 *   -----BEGIN USER NKEY SEED-----
 *   SUAM...
 *   ------END USER NKEY SEED------
 *
 * Parsing follows the clients' regular expressions rather than exact text: any line of
 * three or more dashes, some text and three or more dashes opens or closes a block (the
 * dash counts differ between tools), CRLF line ends, indentation and a missing final
 * newline are accepted. As in nats-io/jwt, when there is no second block the seed is the
 * first line starting with SU, SA or SO.
 */
import { decodeSeed } from './nkeys.ts';

export interface Creds {
  readonly jwt: string;
  readonly seed: string;
}

// A dashed line, the content on its own line(s), a dashed line. Content is limited to the
// base64url / base32 alphabet plus '.' and '=' (Go's [\w\-.=]+), so prose never matches.
const BLOCK_RE = /-{3,}[^\r\n]*-{3,}[ \t]*\r?\n\s*([\w\-.=]+)[ \t]*\r?\n\s*-{3,}[^\r\n]*-{3,}/g;

function toText(input: string | Uint8Array): string {
  return typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
}

/** Contents of the decorated blocks of a creds/JWT file, in order. */
function blocks(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(BLOCK_RE)) out.push(m[1]!);
  return out;
}

/**
 * The JWT of a file that holds one either decorated (first block) or bare, as nats-server
 * reads `operator:` files and resolver_preload entries (jwt.ParseDecoratedJWT).
 */
export function parseDecoratedJwt(input: string | Uint8Array): string {
  const text = toText(input);
  return blocks(text)[0] ?? text.trim();
}

/**
 * The nkey seed of a file: the second decorated block, or else the first line starting
 * with SO, SA or SU (jwt.ParseDecoratedNKey). Null when there is none.
 */
export function parseDecoratedSeed(input: string | Uint8Array): string | null {
  const text = toText(input);
  const b = blocks(text);
  if (b.length > 1) return b[1]!;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t.startsWith('SO') || t.startsWith('SA') || t.startsWith('SU')) return t;
  }
  return null;
}

/**
 * Parses a creds file into its JWT and seed. Throws an Error naming the problem when the
 * text holds no JWT block, no seed, a seed that fails its checksum, or a JWT that is not
 * three dot-separated parts (the JWT's signature and claims are not checked here).
 */
export function parseCreds(input: string | Uint8Array): Creds {
  const text = toText(input);
  const b = blocks(text);
  const jwt = b[0];
  if (jwt === undefined) throw new Error('creds: no decorated JWT found');
  if (jwt.split('.').length !== 3) throw new Error('creds: the JWT block does not hold a JWT');
  const seed = parseDecoratedSeed(text);
  if (seed === null || seed === jwt) throw new Error('creds: no nkey seed found');
  if (decodeSeed(seed) === null) throw new Error('creds: invalid nkey seed');
  return { jwt, seed };
}

/** Formats a user creds file as nsc / jwt.FormatUserConfig do. */
export function formatCreds(jwt: string, seed: string): string {
  return `-----BEGIN NATS USER JWT-----
${jwt}
------END NATS USER JWT------

************************* IMPORTANT *************************
NKEY Seed printed below can be used to sign and prove identity.
NKEYs are sensitive and should be treated as secrets.

-----BEGIN USER NKEY SEED-----
${seed}
------END USER NKEY SEED------

*************************************************************
`;
}
