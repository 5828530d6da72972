/**
 * Compression of $SYS API responses (events.go getAcceptEncoding): a request with an
 * `Accept-Encoding` header naming snappy or s2 gets a snappy-framed body, one naming
 * gzip a gzip body, and any other value the body as is; the reply says which in
 * `Content-Encoding`.
 */
import { gzipSync } from 'node:zlib';

export type Compression = 'none' | 'gzip' | 'snappy' | 'identity';

/** client.go getHeader: the value of `key` (matched exactly) in a NATS header block. */
export function getHeader(key: string, headers: Buffer): string | null {
  if (headers.length === 0) return null;
  const text = headers.toString('latin1');
  const index = text.indexOf(`\r\n${key}:`);
  if (index < 0) return null;
  const start = index + key.length + 3;
  const end = text.indexOf('\r\n', start);
  return text.slice(start, end < 0 ? text.length : end).replace(/^ +/, '');
}

export function acceptEncoding(headers: Buffer): Compression {
  const ae = (getHeader('Accept-Encoding', headers) ?? '').toLowerCase();
  if (ae === '') return 'none';
  if (ae.includes('snappy') || ae.includes('s2')) return 'snappy';
  if (ae.includes('gzip')) return 'gzip';
  return 'identity';
}

const CASTAGNOLI = 0x82f63b78;
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CASTAGNOLI : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const STREAM_IDENTIFIER = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);
const MAX_CHUNK = 65536;

/** The snappy framing format with uncompressed data chunks, which every snappy reader accepts. */
export function snappyFrame(data: Buffer): Buffer {
  const parts: Buffer[] = [STREAM_IDENTIFIER];
  for (let off = 0; off < data.length; off += MAX_CHUNK) {
    const chunk = data.subarray(off, Math.min(off + MAX_CHUNK, data.length));
    const crc = crc32c(chunk);
    const masked = ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
    const header = Buffer.alloc(8);
    header[0] = 0x01;
    header.writeUIntLE(chunk.length + 4, 1, 3);
    header.writeUInt32LE(masked, 4);
    parts.push(header, chunk);
  }
  return Buffer.concat(parts);
}

/** The body and its header block for a response compressed as `how`. */
export function encodeBody(body: Buffer, how: Compression): { body: Buffer; headers: string } {
  if (how === 'none' || body.length === 0) return { body, headers: '' };
  const header = `NATS/1.0\r\nContent-Encoding: ${how}\r\n\r\n`;
  if (how === 'gzip') return { body: gzipSync(body), headers: header };
  if (how === 'snappy') return { body: snappyFrame(body), headers: header };
  return { body, headers: header };
}
