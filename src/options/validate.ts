import { ConfigError } from './reader.ts';
import type { ServerOptions } from './options.ts';
import { formatGoDuration } from './values.ts';

/** Cross-setting checks nats-server makes before starting (server.go validateOptions). */
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
}
