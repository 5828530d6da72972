import { readFileSync } from 'node:fs';

/**
 * The nats-server release whose client-visible behaviour this server matches. Clients
 * gate features on INFO's `version`, so it names the release we are tested against
 * (Debian's nats-server), never one whose features we lack.
 */
export const NATS_COMPAT_VERSION = '2.9.10';

/** Dialtone's own version, from package.json (one level above dist/). */
export const DIALTONE_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
