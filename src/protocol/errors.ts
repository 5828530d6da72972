/**
 * Every `-ERR` text a NATS server sends to a client, spelled exactly as nats-server
 * spells them: official clients match on these strings to raise typed errors.
 */
export const ErrText = {
  UnknownProtocol: 'Unknown Protocol Operation',
  AuthorizationViolation: 'Authorization Violation',
  AuthenticationTimeout: 'Authentication Timeout',
  UserAuthenticationExpired: 'User Authentication Expired',
  AccountAuthenticationExpired: 'Account Authentication Expired',
  UserAuthenticationRevoked: 'User Authentication Revoked',
  MaxPayload: 'Maximum Payload Violation',
  MaxControlLine: 'maximum control line exceeded',
  MaxConnections: 'maximum connections exceeded',
  MaxAccountConnections: 'maximum account active connections exceeded',
  InvalidClientProtocol: 'invalid client protocol',
  NoRespondersRequiresHeaders: 'no responders requires headers support',
  StaleConnection: 'Stale Connection',
  InvalidSubject: 'Invalid Subject',
  InvalidPublishSubject: 'Invalid Publish Subject',
  MaxSubscriptions: 'maximum subscriptions exceeded',
} as const;

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const SHORT_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isPrint(cp: number): boolean {
  if (cp < 0x100) return (cp >= 0x20 && cp < 0x7f) || (cp >= 0xa1 && cp !== 0xad);
  return PRINTABLE.test(String.fromCodePoint(cp));
}

/** The code point starting at `i` of a byte string and its length, or null for an invalid sequence. */
function decodeUtf8(bytes: string, i: number): [number, number] | null {
  const b0 = bytes.charCodeAt(i);
  if (b0 < 0x80) return [b0, 1];
  const len = b0 >= 0xf0 && b0 <= 0xf4 ? 4 : b0 >= 0xe0 ? 3 : b0 >= 0xc2 && b0 <= 0xdf ? 2 : 0;
  if (len === 0 || i + len > bytes.length || (b0 >= 0xe0 && b0 < 0xf0 && len !== 3)) return null;
  let cp = b0 & (0xff >> (len + 1));
  for (let k = 1; k < len; k++) {
    const b = bytes.charCodeAt(i + k);
    if ((b & 0xc0) !== 0x80) return null;
    cp = (cp << 6) | (b & 0x3f);
  }
  const min = len === 2 ? 0x80 : len === 3 ? 0x800 : 0x10000;
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
  return [cp, len];
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/**
 * Go's %q (strconv.Quote) of a subject held as a byte string (one char per byte),
 * as nats-server quotes subjects inside permission errors: UTF-8 decoded, printable
 * runes kept, others escaped, invalid bytes as \xNN.
 */
export function goQuote(bytes: string): string {
  let out = '"';
  for (let i = 0; i < bytes.length; ) {
    const decoded = decodeUtf8(bytes, i);
    if (decoded === null) {
      out += `\\x${hex(bytes.charCodeAt(i), 2)}`;
      i++;
      continue;
    }
    const [cp, len] = decoded;
    i += len;
    if (cp === 0x22) out += '\\"';
    else if (cp === 0x5c) out += '\\\\';
    else if (isPrint(cp)) out += String.fromCodePoint(cp);
    else if (SHORT_ESCAPES[cp] !== undefined) out += SHORT_ESCAPES[cp];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + '"';
}

/** goQuote for ordinary text (a user name from CONNECT, say). */
export function goQuoteText(text: string): string {
  return goQuote(Buffer.from(text, 'utf8').toString('latin1'));
}

export function pubPermissionViolation(subject: string): string {
  return `Permissions Violation for Publish to ${goQuote(subject)}`;
}

export function replyPermissionViolation(reply: string): string {
  return `Permissions Violation for Publish with Reply of ${goQuote(reply)}`;
}

/** After a reload, for a subscription the new permissions no longer allow. */
export function removedSubViolation(subject: string, sid: string): string {
  return `Permissions Violation for Subscription to ${goQuote(subject)} (sid ${goQuote(sid)})`;
}

export function subPermissionViolation(subject: string, queue?: string): string {
  const q = queue ? ` using queue ${goQuote(queue)}` : '';
  return `Permissions Violation for Subscription to ${goQuote(subject)}${q}`;
}

export function tooManyTokensViolation(subject: string): string {
  return `Permissions Violation for Subscription to ${goQuote(subject)}, too many tokens`;
}

export function errProto(text: string): string {
  return `-ERR '${text}'\r\n`;
}
