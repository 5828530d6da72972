// Parsed configuration values and the source positions attached to them.

export type ConfValue = string | number | boolean | Date | ConfValue[] | ConfMap;

/** A parsed map. Keys are kept as written; callers compare them case-insensitively. */
export interface ConfMap {
  [key: string]: ConfValue;
}

/** Lines and columns count from 1; columns count UTF-16 code units. */
export interface SourcePosition {
  /** Absent for text that did not come from a file. */
  file?: string;
  line: number;
  col: number;
}

export interface ConfMeta extends SourcePosition {
  /** Where each key was defined (its last definition when it is repeated). */
  readonly keys: Map<string, SourcePosition>;
  /**
   * Keys whose value was referenced as a $variable. nats-server does not
   * report such keys as unknown fields, since they may exist only to be used
   * as variables.
   */
  readonly usedAsVariable: Set<string>;
}

/** Non-enumerable property holding the ConfMeta of every map the parser builds. */
export const CONF_META: unique symbol = Symbol("dialtone.conf.meta");

interface MapWithMeta extends ConfMap {
  [CONF_META]?: ConfMeta;
}

export function confMeta(map: ConfMap): ConfMeta | undefined {
  return (map as MapWithMeta)[CONF_META];
}

/** Where `key` of `map` was defined, if the parser built that map. */
export function keyPosition(map: ConfMap, key: string): SourcePosition | undefined {
  return confMeta(map)?.keys.get(key);
}

/**
 * The keys of `map` whose values were referenced as $variables; such keys
 * are not settings and must not be reported as unknown fields.
 */
export function usedVariables(map: ConfMap): Set<string> {
  return new Set(confMeta(map)?.usedAsVariable);
}

/**
 * The column nats-server prints for a position. Its columns start at 0 on
 * the first line of a file and at 1 on every other line; use this to
 * reproduce its messages exactly.
 */
export function natsColumn(position: SourcePosition): number {
  return position.line === 1 ? position.col - 1 : position.col;
}

export function sourcePosition(file: string | undefined, line: number, col: number): SourcePosition {
  return file === undefined ? { line, col } : { file, line, col };
}

export function newConfMap(position: SourcePosition): ConfMap {
  const map: ConfMap = {};
  const meta: ConfMeta = { ...position, keys: new Map(), usedAsVariable: new Set() };
  Object.defineProperty(map, CONF_META, { value: meta, enumerable: false });
  return map;
}

/**
 * Sets `key` as an own property, so that even "__proto__" is stored as a
 * plain key, and records where it was defined.
 */
export function setKey(
  map: ConfMap,
  key: string,
  value: ConfValue,
  position: SourcePosition,
  usedAsVariable: boolean,
): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  const meta = confMeta(map);
  if (!meta) return;
  meta.keys.set(key, position);
  if (usedAsVariable) meta.usedAsVariable.add(key);
  else meta.usedAsVariable.delete(key);
}

export function markUsedAsVariable(map: ConfMap, key: string): void {
  confMeta(map)?.usedAsVariable.add(key);
}

/** Non-enumerable property of every parsed array: the positions of its elements. */
export const ARRAY_META: unique symbol = Symbol("dialtone.conf.array");

interface ArrayWithMeta extends Array<ConfValue> {
  [ARRAY_META]?: SourcePosition[];
}

export function newConfArray(): ConfValue[] {
  const arr: ConfValue[] = [];
  Object.defineProperty(arr, ARRAY_META, { value: [], enumerable: false });
  return arr;
}

/** Where element `index` of a parsed array was written. */
export function elementPosition(arr: readonly ConfValue[], index: number): SourcePosition | undefined {
  return (arr as ArrayWithMeta)[ARRAY_META]?.[index];
}

export function pushElement(arr: ConfValue[], value: ConfValue, position: SourcePosition): void {
  arr.push(value);
  (arr as ArrayWithMeta)[ARRAY_META]?.push(position);
}
