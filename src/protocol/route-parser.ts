/**
 * The route-protocol parser: what one server sends another over a route, in the
 * dialect nats-server 2.9 speaks (and 2.10+ accept from a peer without pooling):
 *
 *   RS+ <account> <subject> [<queue> <weight>]     interest appeared (or a queue weight changed)
 *   RS- <account> <subject> [<queue>]              interest went away
 *   RMSG <account> <subject> [reply] <size>        a message for this server's subscribers
 *   RMSG <account> <subject> + <reply> <q1> … <size>   … for these queue groups, with a reply
 *   RMSG <account> <subject> | <q1> … <size>           … for these queue groups, no reply
 *   HMSG <account> <subject> … <hdr> <size>        the same with headers
 *   LS+ / LS- / LMSG                               leaf-origin variants (only sent to peers
 *                                                  that announce "lnoc"; parsed, origin skipped)
 *   PING, PONG, INFO, CONNECT, +OK, -ERR
 *
 * It shares frame assembly with the client parser (FrameParser) and leaves subjects,
 * replies, queue names and payloads in the read buffer as offsets. Like nats-server it
 * enforces neither max_payload nor max_control_line on routes.
 */
import { FrameParser, Op, ParseError, codes, matchWord, parseSize, splitArgs, type FrameHandler } from './parser.ts';

// Local copies of parser.ts's byte and matchWord constants: an imported binding is read
// through a cell on every use, too slow for the per-byte loops.
const LF = 10;
const CR = 13;
const INCOMPLETE = -1;
const MISMATCH = -2;

export interface RouteProtocolHandler extends FrameHandler {
  /** RS+ (or LS+): `weight` is 0 for a plain subscription. */
  onRemoteSub(account: string, subject: string, queue: string | undefined, weight: number): void;
  /** RS- (or LS-). */
  onRemoteUnsub(account: string, subject: string, queue: string | undefined): void;
  /** A complete RMSG/HMSG/LMSG; its parts are the parser's `msg*` fields. */
  onRoutedMsg(p: RouteParser): void;
}

const W_MSG = codes('msg');
const W_SG = codes('sg');
const W_NG = codes('ng');
const W_ONNECT = codes('onnect');
const W_NFO = codes('nfo');
const W_K = codes('k');
const W_RR = codes('rr');

/** Control lines longer than this are refused: a bound on memory, not a protocol limit. */
const ROUTE_MAX_CONTROL_LINE = 1024 * 1024;

export class RouteParser extends FrameParser<RouteProtocolHandler> {
  /** The account of the current message. */
  msgAccountStart = 0;
  msgAccountEnd = 0;
  /** Queue groups the message is for, as start/end pairs in msgBuf; 0 groups = plain subscribers only. */
  msgQueueCount = 0;
  msgQueues: number[] = [];
  /** An accepted route that must authenticate opens with CONNECT; anything else is an auth violation. */
  connectRequired = false;

  constructor(handler: RouteProtocolHandler) {
    super(handler, 16);
    this.maxControlLine = ROUTE_MAX_CONTROL_LINE;
    this.maxPayload = -1;
  }

  /** The current message's account name. */
  get account(): string {
    return this.msgBuf.latin1Slice(this.msgAccountStart, this.msgAccountEnd);
  }

  /** The current message's queue group names. */
  queueNames(): string[] {
    const out: string[] = [];
    for (let k = 0; k < this.msgQueueCount; k++) out.push(this.msgBuf.latin1Slice(this.msgQueues[2 * k]!, this.msgQueues[2 * k + 1]!));
    return out;
  }

  /** Splits the arguments, growing the offsets array when a line has more than it holds. */
  private split(buf: Buffer, start: number, end: number, crlf: boolean): { a: number[]; count: number } {
    let a = this.args;
    let count = splitArgs(buf, start, end, a, crlf);
    if (count * 2 > a.length) {
      a = Array.from({ length: count * 2 }, () => 0);
      count = splitArgs(buf, start, end, a, crlf);
    }
    return { a, count };
  }

  protected override run(buf: Buffer, i: number): void {
    const n = buf.length;
    const h = this.handler;
    while (i < n) {
      if (this.stopped) return;
      const start = i;
      const b = buf[i]! | 0x20;
      if (this.connectRequired && b !== 0x63) {
        this.fail(ParseError.AuthViolation, 'first protocol operation was not CONNECT');
        return;
      }
      let op: Op = Op.Err;
      let j: number = MISMATCH;
      if (b === 0x72 || b === 0x6c) {
        // r / l: RS+ RS- RMSG, LS+ LS- LMSG
        const leaf = b === 0x6c;
        if (i + 1 >= n) j = INCOMPLETE;
        else {
          const b1 = buf[i + 1]! | 0x20;
          if (b1 === 0x73) {
            const sign = i + 2 < n ? buf[i + 2] : -1;
            j = sign === -1 ? INCOMPLETE : sign === 0x2b || sign === 0x2d ? i + 3 : MISMATCH;
            op = sign === 0x2b ? (leaf ? Op.LSub : Op.RSub) : leaf ? Op.LUnsub : Op.RUnsub;
          } else if (b1 === 0x6d) {
            j = matchWord(buf, i + 2, n, W_SG);
            op = leaf ? Op.LMsg : Op.RMsg;
          }
        }
      } else if (b === 0x68) {
        op = Op.HMsg;
        j = matchWord(buf, i + 1, n, W_MSG);
      } else if (b === 0x70) {
        if (i + 1 >= n) j = INCOMPLETE;
        else {
          const b1 = buf[i + 1]! | 0x20;
          op = b1 === 0x69 ? Op.Ping : Op.Pong;
          if (b1 === 0x69 || b1 === 0x6f) j = matchWord(buf, i + 2, n, W_NG);
        }
      } else if (b === 0x63) {
        op = Op.Connect;
        j = matchWord(buf, i + 1, n, W_ONNECT);
      } else if (b === 0x69) {
        op = Op.Info;
        j = matchWord(buf, i + 1, n, W_NFO);
      } else if (buf[i] === 0x2b) {
        op = Op.Ok;
        j = i + 1 >= n ? INCOMPLETE : (buf[i + 1]! | 0x20) === 0x6f ? matchWord(buf, i + 2, n, W_K) : MISMATCH;
      } else if (buf[i] === 0x2d) {
        op = Op.Err;
        j = i + 1 >= n ? INCOMPLETE : (buf[i + 1]! | 0x20) === 0x65 ? matchWord(buf, i + 2, n, W_RR) : MISMATCH;
      }
      if (j === INCOMPLETE) {
        this.stash(buf, start, -1);
        return;
      }
      if (j === MISMATCH) {
        this.fail(ParseError.UnknownOp, `unknown route op at byte ${i}`);
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
        case Op.RMsg:
        case Op.HMsg:
        case Op.LMsg: {
          if (!this.messageArgs(buf, argStart, argEnd, op)) return;
          const payloadStart = lf + 1;
          const payloadEnd = payloadStart + this.msgSize;
          if (payloadEnd + 2 > n) {
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
          this.msgPayloadStart = payloadStart;
          h.onRoutedMsg(this);
          i = payloadEnd + 2;
          continue;
        }
        case Op.RSub:
        case Op.LSub: {
          const off = op === Op.LSub ? 1 : 0;
          const { a, count } = this.split(buf, argStart, argEnd, true);
          if (count !== 2 + off && count !== 4 + off) {
            this.fail(ParseError.Violation, `${op === Op.LSub ? 'LS+' : 'RS+'} with wrong number of arguments`);
            return;
          }
          const account = buf.latin1Slice(a[2 * off]!, a[2 * off + 1]!);
          const subject = buf.latin1Slice(a[2 * off + 2]!, a[2 * off + 3]!);
          let queue: string | undefined;
          let weight = 0;
          if (count === 4 + off) {
            queue = buf.latin1Slice(a[2 * off + 4]!, a[2 * off + 5]!);
            weight = parseSize(buf, a[2 * off + 6]!, a[2 * off + 7]!);
            if (weight < 0) weight = 1;
          }
          h.onRemoteSub(account, subject, queue, weight);
          break;
        }
        case Op.RUnsub:
        case Op.LUnsub: {
          const { a, count } = this.split(buf, argStart, argEnd, true);
          if (count !== 2 && count !== 3) {
            this.fail(ParseError.Violation, `${op === Op.LUnsub ? 'LS-' : 'RS-'} with wrong number of arguments`);
            return;
          }
          const account = buf.latin1Slice(a[0]!, a[1]!);
          const subject = buf.latin1Slice(a[2]!, a[3]!);
          h.onRemoteUnsub(account, subject, count === 3 ? buf.latin1Slice(a[4]!, a[5]!) : undefined);
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

  /**
   * Reads RMSG/HMSG/LMSG arguments (route.go processRoutedMsgArgs and its header and
   * origin variants) into the msg* fields; false after failing the parse.
   */
  private messageArgs(buf: Buffer, start: number, end: number, op: Op): boolean {
    const { a, count } = this.split(buf, start, end, false);
    const origin = op === Op.LMsg ? 1 : 0;
    const withHeader = op !== Op.RMsg;
    // Arguments before the reply/queue part and after it.
    const fixed = 2 + origin;
    const sizes = withHeader ? 2 : 1;
    const name = op === Op.RMsg ? 'RMSG' : op === Op.HMsg ? 'HMSG' : 'LMSG';
    if (count < fixed + sizes) {
      this.fail(ParseError.Violation, `${name} with too few arguments`);
      return false;
    }
    this.msgAccountStart = a[2 * origin]!;
    this.msgAccountEnd = a[2 * origin + 1]!;
    this.msgSubjectStart = a[2 * origin + 2]!;
    this.msgSubjectEnd = a[2 * origin + 3]!;
    this.msgReplyStart = -1;
    this.msgReplyEnd = -1;
    this.msgQueueCount = 0;
    const middle = count - fixed - sizes;
    if (middle === 1) {
      this.msgReplyStart = a[2 * fixed]!;
      this.msgReplyEnd = a[2 * fixed + 1]!;
    } else if (middle > 1) {
      const ind = a[2 * fixed]!;
      if (a[2 * fixed + 1]! - ind !== 1 || (buf[ind] !== 0x2b && buf[ind] !== 0x7c)) {
        this.fail(ParseError.Violation, `${name} with a bad or missing reply indicator`);
        return false;
      }
      let q = fixed + 1;
      if (buf[ind] === 0x2b) {
        this.msgReplyStart = a[2 * q]!;
        this.msgReplyEnd = a[2 * q + 1]!;
        q++;
      }
      const queues = count - sizes - q;
      const out = this.msgQueues;
      for (let k = 0; k < queues; k++) {
        out[2 * k] = a[2 * (q + k)]!;
        out[2 * k + 1] = a[2 * (q + k) + 1]!;
      }
      this.msgQueueCount = queues;
    }
    const sizeIdx = count - 1;
    this.msgSizeStart = a[2 * sizeIdx]!;
    this.msgSizeEnd = a[2 * sizeIdx + 1]!;
    const size = parseSize(buf, this.msgSizeStart, this.msgSizeEnd);
    if (size < 0) {
      this.fail(ParseError.Violation, `${name} with a bad or missing size`);
      return false;
    }
    let hdr = -1;
    if (withHeader) {
      this.msgHeaderSizeStart = a[2 * (sizeIdx - 1)]!;
      this.msgHeaderSizeEnd = a[2 * (sizeIdx - 1) + 1]!;
      hdr = parseSize(buf, this.msgHeaderSizeStart, this.msgHeaderSizeEnd);
      if (hdr < 0 || hdr > size) {
        this.fail(ParseError.Violation, `${name} with a bad header size`);
        return false;
      }
    }
    this.msgHeaderSize = hdr;
    this.msgSize = size;
    return true;
  }
}
