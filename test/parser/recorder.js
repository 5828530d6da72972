// Shared helpers for the parser tests: a handler that records every callback as a
// plain value (copied at callback time), and ways to feed a script to a parser.
import { ClientParser, ParseError } from '../../dist/protocol/parser.js';

export { ClientParser, ParseError };

export const ErrorName = Object.fromEntries(Object.entries(ParseError).map(([k, v]) => [v, k]));

/** Records handler calls as plain objects; mimics the server where it matters. */
export class Recorder {
  /**
   * @param {{headers?: boolean, maxPayload?: number, maxControlLine?: number, connectRequired?: boolean}} [opts]
   */
  constructor(opts = {}) {
    this.events = [];
    this.parser = new ClientParser(this);
    if (opts.headers !== undefined) this.parser.headers = opts.headers;
    if (opts.maxPayload !== undefined) this.parser.maxPayload = opts.maxPayload;
    if (opts.maxControlLine !== undefined) this.parser.maxControlLine = opts.maxControlLine;
    if (opts.connectRequired !== undefined) this.parser.connectRequired = opts.connectRequired;
  }

  parse(chunk) {
    this.parser.parse(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    return this;
  }

  onConnect(json) {
    this.events.push({ op: 'connect', json });
    // The server clears the auth gate once CONNECT has been processed.
    this.parser.connectRequired = false;
  }

  onPub(p) {
    const b = p.msgBuf;
    const ev = {
      op: p.msgHeaderSize >= 0 ? 'hpub' : 'pub',
      subject: b.latin1Slice(p.msgSubjectStart, p.msgSubjectEnd),
      reply: p.msgReplyStart >= 0 ? b.latin1Slice(p.msgReplyStart, p.msgReplyEnd) : null,
      size: p.msgSize,
      sizeText: b.latin1Slice(p.msgSizeStart, p.msgSizeEnd),
      payload: b.latin1Slice(p.msgPayloadStart, p.msgPayloadStart + p.msgSize),
    };
    if (p.msgHeaderSize >= 0) {
      ev.hdr = p.msgHeaderSize;
      ev.hdrText = b.latin1Slice(p.msgHeaderSizeStart, p.msgHeaderSizeEnd);
    }
    // The reply fields must be both set or both -1.
    if ((p.msgReplyStart < 0) !== (p.msgReplyEnd < 0)) ev.badReplyOffsets = true;
    this.events.push(ev);
  }

  onSub(subject, queue, sid) {
    this.events.push({ op: 'sub', subject, queue: queue ?? null, sid });
  }

  onUnsub(sid, max) {
    this.events.push({ op: 'unsub', sid, max });
  }

  onPing() {
    this.events.push({ op: 'ping' });
  }

  onPong() {
    this.events.push({ op: 'pong' });
  }

  onInfo(json) {
    this.events.push({ op: 'info', json });
  }

  onErr(text) {
    this.events.push({ op: 'err', text });
  }

  onFirstOpNotConnect() {
    return false;
  }

  onParseError(kind, detail) {
    this.events.push({ op: 'parseError', kind: ErrorName[kind] ?? kind });
    this.detail = detail;
    this.parser.stopped = true;
  }
}

const toBuf = (s) => (typeof s === 'string' ? Buffer.from(s, 'latin1') : s);

/** Events from feeding `script` in one chunk. */
export function feedWhole(script, opts) {
  return new Recorder(opts).parse(toBuf(script)).events;
}

/** Events from feeding `script` one byte per parse() call (each byte a fresh Buffer). */
export function feedBytes(script, opts) {
  const buf = toBuf(script);
  const r = new Recorder(opts);
  for (let i = 0; i < buf.length; i++) r.parse(Buffer.from([buf[i]]));
  return r.events;
}

/** Events from feeding `script` as chunks cut at the given offsets (each chunk a fresh Buffer). */
export function feedCuts(script, cuts, opts) {
  const buf = toBuf(script);
  const r = new Recorder(opts);
  let prev = 0;
  for (const c of [...cuts, buf.length]) {
    r.parse(Buffer.from(buf.subarray(prev, c)));
    prev = c;
  }
  return r.events;
}

/** Events from feeding `script` in chunks of `size` bytes. */
export function feedChunks(script, size, opts) {
  const buf = toBuf(script);
  const cuts = [];
  for (let c = size; c < buf.length; c += size) cuts.push(c);
  return feedCuts(buf, cuts, opts);
}

export { prng } from '../support/prng.js';

/** Expected onPub event for a PUB. */
export function pubEv(subject, reply, payload, sizeText = String(Buffer.byteLength(payload, 'latin1'))) {
  return { op: 'pub', subject, reply, size: Buffer.byteLength(payload, 'latin1'), sizeText, payload };
}

/** Expected onPub event for an HPUB; `msg` is headers + payload. */
export function hpubEv(subject, reply, hdr, msg) {
  const size = Buffer.byteLength(msg, 'latin1');
  return { op: 'hpub', subject, reply, size, sizeText: String(size), payload: msg, hdr, hdrText: String(hdr) };
}
