/**
 * Byte helpers for building protocol lines in place. Short copies run as plain loops,
 * which beat the native copy's call overhead for the few-byte subjects and sids that
 * make up most of a MSG line.
 */

const NATIVE_COPY_MIN = 64;

/** Copies src[start,end) into dst at pos; returns the position after it. */
export function copyBytes(dst: Buffer, pos: number, src: Buffer, start: number, end: number): number {
  const len = end - start;
  if (len < NATIVE_COPY_MIN) {
    for (let k = start; k < end; k++) dst[pos++] = src[k]!;
    return pos;
  }
  src.copy(dst, pos, start, end);
  return pos + len;
}

/** Writes the decimal digits of a non-negative integer at pos; returns the position after them. */
export function writeDecimal(dst: Buffer, pos: number, value: number): number {
  if (value < 10) {
    dst[pos] = 48 + value;
    return pos + 1;
  }
  let digits = 0;
  for (let v = value; v > 0; v = Math.floor(v / 10)) digits++;
  let p = pos + digits - 1;
  for (let v = value; v > 0; v = Math.floor(v / 10)) dst[p--] = 48 + (v % 10);
  return pos + digits;
}

