/** Why a connection closed, in the words /connz reports (nats-server's ClosedState). */
export const ClosedState = {
  ClientClosed: 'Client Closed',
  AuthenticationTimeout: 'Authentication Timeout',
  AuthenticationViolation: 'Authentication Failure',
  TLSHandshakeError: 'TLS Handshake Failure',
  SlowConsumerPendingBytes: 'Slow Consumer (Pending Bytes)',
  SlowConsumerWriteDeadline: 'Slow Consumer (Write Deadline)',
  WriteError: 'Write Error',
  ReadError: 'Read Error',
  ParseError: 'Parse Error',
  StaleConnection: 'Stale Connection',
  ProtocolViolation: 'Protocol Violation',
  BadClientProtocolVersion: 'Bad Client Protocol Version',
  MaxConnectionsExceeded: 'Maximum Connections Exceeded',
  MaxAccountConnectionsExceeded: 'Maximum Account Connections Exceeded',
  MaxPayloadExceeded: 'Maximum Message Payload Exceeded',
  MaxControlLineExceeded: 'Maximum Control Line Exceeded',
  ServerShutdown: 'Server Shutdown',
  AuthenticationExpired: 'Authentication Expired',
  Revocation: 'Credentials Revoked',
  NoRespondersRequiresHeaders: 'No Responders Requires Headers',
  // Routes.
  WrongPort: 'Incorrect Port',
  DuplicateRoute: 'Duplicate Route',
  ClusterNameConflict: 'Cluster Name Conflict',
  DuplicateServerName: 'Duplicate Server Name',
} as const;
export type ClosedState = (typeof ClosedState)[keyof typeof ClosedState];
