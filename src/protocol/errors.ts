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
  SecureConnectionRequired: 'Secure Connection - TLS Required',
  InvalidSubject: 'Invalid Subject',
  InvalidPublishSubject: 'Invalid Publish Subject',
  MaxSubscriptions: 'maximum subscriptions exceeded',
} as const;

/** Go's %q quoting, which nats-server uses inside permission errors. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; break;
      case '\\': out += '\\\\'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      default:
        if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
        else out += ch;
    }
  }
  return out + '"';
}

export function pubPermissionViolation(subject: string): string {
  return `Permissions Violation for Publish to ${goQuote(subject)}`;
}

export function replyPermissionViolation(reply: string): string {
  return `Permissions Violation for Publish with Reply of ${goQuote(reply)}`;
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
