/**
 * The client-protocol parser: turns bytes from a client into calls on a handler.
 *
 * It follows nats-server's parser (server/parser.go) in what it accepts and rejects,
 * but scans whole control lines instead of stepping a state per byte: op names are
 * matched byte by byte so a bad byte fails at once, and everything after the op name
 * is found with tight loops over the Buffer. Subjects, replies and payloads are left
 * in the read buffer as offsets; a frame is copied only when it spans two reads.
 */

/** Why parsing stopped; the handler turns each into nats-server's response. */
export const ParseError = {
  /** `-ERR 'Unknown Protocol Operation'` and close. */
  UnknownOp: 1,
  /** `-ERR 'maximum control line exceeded'` and close. */
  MaxControlLine: 2,
  /** Malformed arguments: close without an -ERR (nats-server's ProtocolViolation). */
  Violation: 3,
  /** `-ERR 'Maximum Payload Violation'` and close. */
  MaxPayload: 4,
  /** A first op other than CONNECT while auth is pending: `-ERR 'Authorization Violation'`. */
  AuthViolation: 5,
} as const;
export type ParseError = (typeof ParseError)[keyof typeof ParseError];

export interface ClientProtocolHandler extends FrameHandler {
  /** A complete PUB or HPUB; its parts are the parser's `msg*` fields. */
  onPub(p: ClientParser): void;
  onSub(subject: string, queue: string | undefined, sid: string): void;
  onUnsub(sid: string, max: number): void;
  /** The first op is not CONNECT while auth is pending: true lets it through (no_auth_user). */
  onFirstOpNotConnect(): boolean;
}

// Not exported, on purpose: V8 reads an exported module binding through a cell (with a
// TDZ check) on every use, which cost the PUB fast path ~10 % in bench/parser.bench.mjs.
// route-parser.ts keeps its own copies for the same reason.
const LF = 10;
const CR = 13;
const SP = 32;
const TAB = 9;

const SPACE = Buffer.from(' ');
/** How much of a new read is joined to a pending control line at a time. */
const SPLIT_LINE_STEP = 1024;

/** What matchWord returns when the word runs past the read, or differs. */
const INCOMPLETE = -1;
const MISMATCH = -2;

export const Op = {
  Pub: 1,
  HPub: 2,
  Sub: 3,
  Unsub: 4,
  Ping: 5,
  Pong: 6,
  Connect: 7,
  Info: 8,
  Ok: 9,
  Err: 10,
  // Server-to-server ops (route-parser.ts).
  RSub: 11,
  RUnsub: 12,
  RMsg: 13,
  HMsg: 14,
  LSub: 15,
  LUnsub: 16,
  LMsg: 17,
} as const;
export type Op = (typeof Op)[keyof typeof Op];

/** Matches the rest of an op name case-insensitively (`lower` holds lowercase codes). */
export function matchWord(buf: Buffer, i: number, n: number, lower: readonly number[]): number {
  for (let k = 0; k < lower.length; k++, i++) {
    if (i >= n) return INCOMPLETE;
    if ((buf[i]! | 0x20) !== lower[k]) return MISMATCH;
  }
  return i;
}

export const codes = (s: string): number[] => Array.from(s, (ch) => ch.charCodeAt(0));
const W_UB = codes('ub');
const W_B = codes('b');
const W_NG = codes('ng');
const W_PUB = codes('pub');
const W_UB_NSUB = codes('nsub');
const W_ONNECT = codes('onnect');
const W_NFO = codes('nfo');
const W_K = codes('k');
const W_RR = codes('rr');

/** Parses a decimal size the way nats-server does: 1..9 digits, anything else is -1. */
export function parseSize(buf: Buffer, start: number, end: number): number {
  const len = end - start;
  if (len <= 0 || len > 9) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Splits [start,end) on spaces and tabs (and CR/LF when `crlf`), into `out` as start/end pairs. */
export function splitArgs(buf: Buffer, start: number, end: number, out: number[], crlf: boolean): number {
  let count = 0;
  let k = start;
  while (k < end) {
    let c = buf[k]!;
    if (c === SP || c === TAB || (crlf && (c === CR || c === LF))) {
      k++;
      continue;
    }
    const ts = k;
    while (k < end) {
      c = buf[k]!;
      if (c === SP || c === TAB || (crlf && (c === CR || c === LF))) break;
      k++;
    }
    if (count * 2 < out.length) {
      out[count * 2] = ts;
      out[count * 2 + 1] = k;
    }
    count++;
  }
  return count;
}

/** What every protocol handler answers: liveness and the errors that stop parsing. */
export interface FrameHandler {
  onConnect(json: string): void;
  onInfo(json: string): void;
  /** `-ERR` from the peer. */
  onErr(text: string): void;
  onPing(): void;
  onPong(): void;
  onParseError(kind: ParseError, detail: string): void;
}

/**
 * Frame assembly shared by the client and route parsers: a frame that spans reads is
 * kept (copied when the input buffer is reused) until it is complete, then handed to
 * the subclass's `run`, which scans whole frames in one buffer.
 */
export abstract class FrameParser<H extends FrameHandler> {
  /** Arguments longer than this fail with 'maximum control line exceeded'. */
  maxControlLine = 4096;
  /** Message sizes above this fail with 'Maximum Payload Violation'; -1 means no limit. */
  maxPayload = 1024 * 1024;
  /** Set by the handler when the connection closes: parsing stops at once. */
  stopped = false;
  /**
   * Chunks given to parse() are reused by the caller after it returns, so partial
   * frames are copied rather than kept as views.
   */
  transientInput = false;
  /** Set by suspend(): input is held, not parsed, until resume(). */
  suspended = false;
  private held: Buffer[] = [];
  /** The last frame the parser assembled from several reads (owned by the parser, not transient). */
  frameCopy: Buffer | null = null;

  // The message being delivered: offsets into msgBuf.
  msgBuf: Buffer = Buffer.alloc(0);
  msgSubjectStart = 0;
  msgSubjectEnd = 0;
  /** -1 when there is no reply subject. */
  msgReplyStart = -1;
  msgReplyEnd = -1;
  /** Header length for HPUB/HMSG, -1 without headers. */
  msgHeaderSize = -1;
  msgHeaderSizeStart = 0;
  msgHeaderSizeEnd = 0;
  /** Total size (headers + payload) and the digits the peer sent for it. */
  msgSize = 0;
  msgSizeStart = 0;
  msgSizeEnd = 0;
  msgPayloadStart = 0;

  protected readonly handler: H;
  /** A frame that started in an earlier read: its pieces, their length and, if known, its full length. */
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private pendingNeed = -1;
  /** PING, PONG or +OK recognised, waiting for its LF in a later read. */
  protected skipOp: Op | 0 = 0;
  protected readonly args: number[];

  constructor(handler: H, maxArgs: number) {
    this.handler = handler;
    this.args = Array.from({ length: maxArgs * 2 }, () => 0);
  }

  /** Scans complete frames of `buf` from `i`, stashing an incomplete last one. */
  protected abstract run(buf: Buffer, i: number): void;

  parse(chunk: Buffer): void {
    let i = 0;
    if (this.stopped) return;
    if (this.suspended) {
      this.held.push(this.transientInput ? Buffer.from(chunk) : chunk);
      return;
    }
    if (this.skipOp !== 0) {
      const lf = chunk.indexOf(LF);
      if (lf < 0) return;
      const op = this.skipOp;
      this.skipOp = 0;
      this.dispatchSimple(op);
      if (this.stopped) return;
      i = lf + 1;
    } else if (this.pendingLen > 0) {
      if (this.pendingNeed > 0) {
        // The control line is known: wait until the whole frame is here, then copy it once.
        if (!this.terminatorOk(chunk)) {
          this.fail(ParseError.UnknownOp, 'payload not followed by CRLF');
          return;
        }
        if (this.pendingLen + chunk.length < this.pendingNeed) {
          this.pending.push(this.transientInput ? Buffer.from(chunk) : chunk);
          this.pendingLen += chunk.length;
          return;
        }
        const take = this.pendingNeed - this.pendingLen;
        this.pending.push(chunk.subarray(0, take));
        const frame = Buffer.concat(this.pending, this.pendingNeed);
        this.frameCopy = frame;
        this.resetPending();
        this.run(frame, 0);
        if (this.stopped) return;
        i = take;
      } else {
        // The control line is still open: join it with the head of this read only, so
        // a split line does not cost a copy of the whole read.
        const take = Math.min(chunk.length, SPLIT_LINE_STEP);
        this.pending.push(chunk.subarray(0, take));
        const joined = Buffer.concat(this.pending, this.pendingLen + take);
        this.frameCopy = joined;
        this.resetPending();
        this.run(joined, 0);
        if (take < chunk.length) this.parse(chunk.subarray(take));
        return;
      }
    }
    if (i < chunk.length) this.run(chunk, i);
  }

  /** Checks the CRLF that ends a pending message, where it falls inside `chunk`. */
  private terminatorOk(chunk: Buffer): boolean {
    const cr = this.pendingNeed - 2 - this.pendingLen;
    if (cr >= 0 && cr < chunk.length && chunk[cr] !== CR) return false;
    const lf = cr + 1;
    return !(lf >= 0 && lf < chunk.length && chunk[lf] !== LF);
  }

  /**
   * Holds further input unparsed, for a CONNECT whose authentication is still being
   * checked (a bcrypt comparison runs off the event loop).
   */
  suspend(): void {
    this.suspended = true;
  }

  /** Parses what was held while suspended, in order. */
  resume(): void {
    this.suspended = false;
    const held = this.held;
    this.held = [];
    for (const chunk of held) this.parse(chunk);
  }

  /** Drops any partial frame (used when the connection is reused or closed). */
  reset(): void {
    this.resetPending();
    this.skipOp = 0;
  }

  private resetPending(): void {
    this.pending = [];
    this.pendingLen = 0;
    this.pendingNeed = -1;
  }

  /** Keeps buf[start..] for the next read; `need` is the whole frame's length when known, else -1. */
  protected stash(buf: Buffer, start: number, need: number): void {
    const rest = buf.subarray(start);
    this.pending.push(this.transientInput && buf !== this.frameCopy ? Buffer.from(rest) : rest);
    this.pendingLen = buf.length - start;
    this.pendingNeed = need;
  }

  /** Keeps an op name whose arguments have not arrived: the name and one space, not the run of blanks. */
  protected stashOpName(buf: Buffer, start: number, opEnd: number): void {
    this.stash(Buffer.concat([buf.subarray(start, opEnd), SPACE]), 0, -1);
  }

  protected fail(kind: ParseError, detail: string): void {
    this.stopped = true;
    this.resetPending();
    this.handler.onParseError(kind, detail);
  }

  protected dispatchSimple(op: Op | 0): void {
    if (op === Op.Ping) this.handler.onPing();
    else if (op === Op.Pong) this.handler.onPong();
  }

  /** Set by controlLine: the arguments [lineStart, lineEnd) and the index of the LF ending them. */
  protected lineStart = 0;
  protected lineEnd = 0;
  protected lineLf = 0;

  /**
   * Reads the control line of `op`, whose name starts at `start` and ends at `j`.
   * Returns false when the line is not complete yet (kept for the next read) or is bad
   * (the parse failed); else sets lineStart, lineEnd and lineLf.
   */
  protected controlLine(buf: Buffer, start: number, j: number, op: Op): boolean {
    const n = buf.length;
    // Every op with arguments needs a space or tab after its name, except CONNECT and INFO.
    const opEnd = j;
    if (op !== Op.Connect && op !== Op.Info) {
      if (j >= n) {
        this.stash(buf, start, -1);
        return false;
      }
      const sep = buf[j]!;
      if (sep !== SP && sep !== TAB) {
        this.fail(ParseError.UnknownOp, `missing space after op at byte ${j}`);
        return false;
      }
    }
    while (j < n && (buf[j] === SP || buf[j] === TAB)) j++;
    if (j >= n) {
      // Keep the op and one space, not the run of blanks: those cannot grow memory.
      this.stashOpName(buf, start, opEnd);
      return false;
    }
    const argStart = j;
    // Find the end of the control line; a CR anywhere in it drops the byte before LF.
    // As in nats-server, the first byte after the blanks belongs to the arguments
    // even when it is a CR or LF.
    let sawCR = false;
    let lf = j + 1;
    for (; lf < n; lf++) {
      const c = buf[lf]!;
      if (c === LF) break;
      if (c === CR) sawCR = true;
    }
    if (lf >= n) {
      // As nats-server, a CR seen so far is not counted against the limit.
      const partial = n - argStart - (sawCR ? 1 : 0);
      if (partial > this.maxControlLine) {
        this.fail(ParseError.MaxControlLine, `partial line of ${partial} bytes`);
        return false;
      }
      this.stash(buf, start, -1);
      return false;
    }
    const argEnd = sawCR && lf > argStart ? lf - 1 : lf;
    if (argEnd - argStart > this.maxControlLine) {
      this.fail(ParseError.MaxControlLine, `line of ${argEnd - argStart} bytes`);
      return false;
    }
    this.lineStart = argStart;
    this.lineEnd = argEnd;
    this.lineLf = lf;
    return true;
  }

  /**
   * Hands CONNECT, INFO or -ERR its text. Returns false when the CONNECT suspended
   * parsing (its authentication is checked off the event loop): the rest of the read
   * after `lf` is held until it is settled.
   */
  protected textOp(op: Op, buf: Buffer, argStart: number, argEnd: number, lf: number): boolean {
    const text = buf.toString('utf8', argStart, argEnd);
    if (op === Op.Info) this.handler.onInfo(text);
    else if (op === Op.Err) this.handler.onErr(text);
    else {
      this.handler.onConnect(text);
      if (this.suspended) {
        if (lf + 1 < buf.length) this.held.push(Buffer.from(buf.subarray(lf + 1)));
        return false;
      }
    }
    return true;
  }

  /**
   * Handles PING, PONG and +OK from `j` (just after the op name): anything up to LF is
   * ignored, as nats-server does. Returns the index after the LF, or -1 when the LF is
   * in a later read (the op is then dispatched when it comes).
   */
  protected simpleOp(buf: Buffer, j: number, op: Op): number {
    const lf = buf.indexOf(LF, j);
    if (lf < 0) {
      this.skipOp = op;
      return -1;
    }
    this.dispatchSimple(op);
    return lf + 1;
  }
}

export class ClientParser extends FrameParser<ClientProtocolHandler> {
  /** Whether the client negotiated headers; HPUB without it is a protocol violation. */
  headers = false;
  /** While auth is pending the first op must be CONNECT. */
  connectRequired = false;

  constructor(handler: ClientProtocolHandler) {
    super(handler, 5);
  }

  /**
   * Parses and delivers one PUB whose arguments start at `k`, if it is complete and
   * plainly formed (single spaces or runs of them, CRLF). Returns the index after it,
   * or -1 to let the general path handle it, errors included; nothing happens then.
   */
  private fastPub(buf: Buffer, k: number, n: number): number {
    while (k < n && buf[k] === SP) k++;
    const argStart = k;
    let c = 0;
    while (k < n && (c = buf[k]!) > SP) k++;
    const e0 = k;
    if (c !== SP || e0 === argStart) return -1;
    while (k < n && buf[k] === SP) k++;
    const s1 = k;
    while (k < n && (c = buf[k]!) > SP) k++;
    const e1 = k;
    if (k >= n || e1 === s1) return -1;
    let s2 = -1;
    let e2 = -1;
    if (c === SP) {
      while (k < n && (c = buf[k]!) === SP) k++;
      if (c > SP) {
        s2 = k;
        while (k < n && (c = buf[k]!) > SP) k++;
        e2 = k;
        while (k < n && (c = buf[k]!) === SP) k++;
      }
    }
    if (c !== CR || k + 1 >= n || buf[k + 1] !== LF) return -1;
    if (k - argStart > this.maxControlLine) return -1;
    const hasReply = s2 >= 0;
    const sizeStart = hasReply ? s2 : s1;
    const sizeEnd = hasReply ? e2 : e1;
    const size = parseSize(buf, sizeStart, sizeEnd);
    if (size < 0 || (this.maxPayload >= 0 && size > this.maxPayload)) return -1;
    const payloadStart = k + 2;
    const payloadEnd = payloadStart + size;
    if (payloadEnd + 2 > n || buf[payloadEnd] !== CR || buf[payloadEnd + 1] !== LF) return -1;
    this.msgBuf = buf;
    this.msgSubjectStart = argStart;
    this.msgSubjectEnd = e0;
    this.msgReplyStart = hasReply ? s1 : -1;
    this.msgReplyEnd = hasReply ? e1 : -1;
    this.msgHeaderSize = -1;
    this.msgSize = size;
    this.msgSizeStart = sizeStart;
    this.msgSizeEnd = sizeEnd;
    this.msgPayloadStart = payloadStart;
    this.handler.onPub(this);
    return payloadEnd + 2;
  }

  protected override run(buf: Buffer, i: number): void {
    const n = buf.length;
    const h = this.handler;
    while (i < n) {
      if (this.stopped) return;
      const start = i;
      const b = buf[i]!;
      if (this.connectRequired && b !== 0x43 && b !== 0x63) {
        if (!h.onFirstOpNotConnect()) {
          this.fail(ParseError.AuthViolation, 'first protocol operation was not CONNECT');
          return;
        }
        this.connectRequired = false;
      }
      // Fast path for the common, well-formed "PUB subject [reply] size\r\n" in one buffer.
      if ((b | 0x20) === 0x70 && i + 3 < n && (buf[i + 1]! | 0x20) === 0x75 && (buf[i + 2]! | 0x20) === 0x62 && buf[i + 3] === SP) {
        const next = this.fastPub(buf, i + 4, n);
        if (next >= 0) {
          i = next;
          continue;
        }
      }
      let op: Op;
      let j: number;
      switch (b | 0x20) {
        case 0x70: {
          // p: PUB, PING, PONG
          if (i + 1 >= n) {
            this.stash(buf, start, -1);
            return;
          }
          const b1 = buf[i + 1]! | 0x20;
          if (b1 === 0x75) {
            op = Op.Pub;
            j = matchWord(buf, i + 2, n, W_B);
          } else if (b1 === 0x69) {
            op = Op.Ping;
            j = matchWord(buf, i + 2, n, W_NG);
          } else if (b1 === 0x6f) {
            op = Op.Pong;
            j = matchWord(buf, i + 2, n, W_NG);
          } else {
            j = MISMATCH;
            op = Op.Pub;
          }
          break;
        }
        case 0x68: // h: HPUB
          op = Op.HPub;
          j = matchWord(buf, i + 1, n, W_PUB);
          break;
        case 0x73: // s: SUB
          op = Op.Sub;
          j = matchWord(buf, i + 1, n, W_UB);
          break;
        case 0x75: // u: UNSUB
          op = Op.Unsub;
          j = matchWord(buf, i + 1, n, W_UB_NSUB);
          break;
        case 0x63: // c: CONNECT
          op = Op.Connect;
          j = matchWord(buf, i + 1, n, W_ONNECT);
          break;
        case 0x69: // i: INFO
          op = Op.Info;
          j = matchWord(buf, i + 1, n, W_NFO);
          break;
        default:
          if (b === 0x2b) {
            // +OK
            op = Op.Ok;
            j = i + 1 >= n ? INCOMPLETE : buf[i + 1]! === 0x4f || buf[i + 1]! === 0x6f ? matchWord(buf, i + 2, n, W_K) : MISMATCH;
          } else if (b === 0x2d) {
            // -ERR
            op = Op.Err;
            j = i + 1 >= n ? INCOMPLETE : (buf[i + 1]! | 0x20) === 0x65 ? matchWord(buf, i + 2, n, W_RR) : MISMATCH;
          } else {
            op = Op.Pub;
            j = MISMATCH;
          }
      }
      if (j === INCOMPLETE) {
        this.stash(buf, start, -1);
        return;
      }
      if (j === MISMATCH) {
        this.fail(ParseError.UnknownOp, `unknown op at byte ${i}`);
        return;
      }

      if (op === Op.Ping || op === Op.Pong || op === Op.Ok) {
        const next = this.simpleOp(buf, j, op);
        if (next < 0) return;
        i = next;
        continue;
      }

      if (!this.controlLine(buf, start, j, op)) return;
      const argStart = this.lineStart;
      const argEnd = this.lineEnd;
      const lf = this.lineLf;

      switch (op) {
        case Op.Pub:
        case Op.HPub: {
          const isH = op === Op.HPub;
          if (isH && !this.headers) {
            this.fail(ParseError.Violation, 'HPUB without headers support');
            return;
          }
          const a = this.args;
          const count = splitArgs(buf, argStart, argEnd, a, false);
          let sizeIdx: number;
          let hdrIdx = -1;
          if (isH) {
            if (count === 3) hdrIdx = 1;
            else if (count === 4) hdrIdx = 2;
            else {
              this.fail(ParseError.Violation, 'HPUB with wrong number of arguments');
              return;
            }
            sizeIdx = hdrIdx + 1;
          } else if (count === 2 || count === 3) {
            sizeIdx = count - 1;
          } else {
            this.fail(ParseError.Violation, 'PUB with wrong number of arguments');
            return;
          }
          const sizeStart = a[sizeIdx * 2]!;
          const sizeEnd = a[sizeIdx * 2 + 1]!;
          let hdrSize = -1;
          if (isH) {
            hdrSize = parseSize(buf, a[hdrIdx * 2]!, a[hdrIdx * 2 + 1]!);
            if (hdrSize < 0) {
              this.fail(ParseError.Violation, 'bad or missing header size');
              return;
            }
          }
          const size = parseSize(buf, sizeStart, sizeEnd);
          if (size < 0) {
            this.fail(ParseError.Violation, 'bad or missing size');
            return;
          }
          if (hdrSize > size) {
            this.fail(ParseError.Violation, 'header size larger than total size');
            return;
          }
          if (this.maxPayload >= 0 && size > this.maxPayload) {
            this.fail(ParseError.MaxPayload, `${size} vs ${this.maxPayload}`);
            return;
          }
          const payloadStart = lf + 1;
          const payloadEnd = payloadStart + size;
          if (payloadEnd + 2 > n) {
            // Fail early on a wrong terminator that has already arrived.
            if ((payloadEnd < n && buf[payloadEnd] !== CR) || (payloadEnd + 1 < n && buf[payloadEnd + 1] !== LF)) {
              this.fail(ParseError.UnknownOp, 'payload not followed by CRLF');
              return;
            }
            this.stash(buf, start, payloadEnd + 2 - start);
            return;
          }
          if (buf[payloadEnd] !== CR || buf[payloadEnd + 1] !== LF) {
            this.fail(ParseError.UnknownOp, 'payload not followed by CRLF');
            return;
          }
          this.msgBuf = buf;
          this.msgSubjectStart = a[0]!;
          this.msgSubjectEnd = a[1]!;
          if (count === (isH ? 4 : 3)) {
            this.msgReplyStart = a[2]!;
            this.msgReplyEnd = a[3]!;
          } else {
            this.msgReplyStart = -1;
            this.msgReplyEnd = -1;
          }
          this.msgHeaderSize = hdrSize;
          if (isH) {
            this.msgHeaderSizeStart = a[hdrIdx * 2]!;
            this.msgHeaderSizeEnd = a[hdrIdx * 2 + 1]!;
          }
          this.msgSize = size;
          this.msgSizeStart = sizeStart;
          this.msgSizeEnd = sizeEnd;
          this.msgPayloadStart = payloadStart;
          h.onPub(this);
          i = payloadEnd + 2;
          continue;
        }
        case Op.Sub: {
          const a = this.args;
          const count = splitArgs(buf, argStart, argEnd, a, true);
          if (count !== 2 && count !== 3) {
            this.fail(ParseError.Violation, 'SUB with wrong number of arguments');
            return;
          }
          const subject = buf.latin1Slice(a[0]!, a[1]!);
          const queue = count === 3 ? buf.latin1Slice(a[2]!, a[3]!) : undefined;
          const sidIdx = count === 3 ? 4 : 2;
          const sid = buf.latin1Slice(a[sidIdx]!, a[sidIdx + 1]!);
          h.onSub(subject, queue, sid);
          break;
        }
        case Op.Unsub: {
          const a = this.args;
          const count = splitArgs(buf, argStart, argEnd, a, true);
          if (count !== 1 && count !== 2) {
            this.fail(ParseError.Violation, 'UNSUB with wrong number of arguments');
            return;
          }
          const sid = buf.latin1Slice(a[0]!, a[1]!);
          const max = count === 2 ? parseSize(buf, a[2]!, a[3]!) : -1;
          h.onUnsub(sid, max);
          break;
        }
        case Op.Connect:
        case Op.Info:
        case Op.Err:
          if (!this.textOp(op, buf, argStart, argEnd, lf)) return;
          break;
      }
      i = lf + 1;
    }
  }
}
