// NATS configuration files: the syntax of nats-server's conf package.
//
//   port: 4222
//   cluster { listen: 127.0.0.1:6222, routes [ nats://a:6222, nats://b:6222 ] }
//   include ./accounts.conf
//
// Parsing yields plain objects; each map also carries its source positions
// under CONF_META (see keyPosition) for error reports.

import { newSession, parseFile, parseText, type Environment } from "./parser.ts";
import type { ConfMap } from "./meta.ts";

export { ConfError } from "./error.ts";
export { ARRAY_META, CONF_META, confMeta, elementPosition, keyPosition, natsColumn, usedVariables } from "./meta.ts";
export type { ConfMap, ConfMeta, ConfValue, SourcePosition } from "./meta.ts";
export type { Environment } from "./parser.ts";

export interface ParseConfOptions {
  /** Names the text in positions and messages; includes are resolved from its directory. */
  file?: string;
  /** Where $variables not defined in the file are looked up; defaults to process.env. */
  env?: Environment;
}

/**
 * Parses configuration text. Without `file`, includes are resolved from the
 * current directory, as nats-server does. Throws ConfError.
 */
export function parseConf(text: string, options: ParseConfOptions = {}): ConfMap {
  return parseText(text, options.file, newSession(options.env ?? process.env));
}

/** Reads and parses a configuration file. Throws ConfError. */
export function parseConfFile(path: string, options: Omit<ParseConfOptions, "file"> = {}): ConfMap {
  return parseFile(path, newSession(options.env ?? process.env));
}
