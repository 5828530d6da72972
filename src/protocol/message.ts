/**
 * A message on its way to subscribers, as offsets into one buffer. The parser is one
 * (its current PUB/HPUB); an OwnedMessage is another, built when the server itself
 * sends, or re-sends a message under another subject (imports, mappings, replies).
 */
export interface InboundMessage {
  readonly msgBuf: Buffer;
  readonly msgSubjectStart: number;
  readonly msgSubjectEnd: number;
  /** -1 when there is no reply subject. */
  readonly msgReplyStart: number;
  readonly msgReplyEnd: number;
  /** Header block length, -1 without headers. */
  readonly msgHeaderSize: number;
  readonly msgHeaderSizeStart: number;
  readonly msgHeaderSizeEnd: number;
  /** Headers + payload. */
  readonly msgSize: number;
  readonly msgSizeStart: number;
  readonly msgSizeEnd: number;
  readonly msgPayloadStart: number;
}

/**
 * A message whose subject, reply, sizes and body sit in one buffer laid out like a
 * PUB/HPUB argument line ("subject reply hdr size\r\n" + body + "\r\n"), so delivery
 * code reads it exactly as it reads a client's own PUB.
 */
export class OwnedMessage implements InboundMessage {
  readonly msgBuf: Buffer;
  readonly msgSubjectStart = 0;
  readonly msgSubjectEnd: number;
  readonly msgReplyStart: number;
  readonly msgReplyEnd: number;
  readonly msgHeaderSize: number;
  readonly msgHeaderSizeStart: number;
  readonly msgHeaderSizeEnd: number;
  readonly msgSize: number;
  readonly msgSizeStart: number;
  readonly msgSizeEnd: number;
  readonly msgPayloadStart: number;

  /**
   * @param subject latin1 (byte) string
   * @param reply latin1 (byte) string, '' for none
   * @param body headers followed by payload
   * @param headerSize length of the header block at the start of `body`, -1 for none
   */
  constructor(subject: string, reply: string, body: Uint8Array, headerSize = -1) {
    const size = body.length;
    const hdrDigits = headerSize >= 0 ? String(headerSize) : '';
    const sizeDigits = String(size);
    let line = subject + ' ';
    if (reply) line += reply + ' ';
    const hdrStart = line.length;
    if (headerSize >= 0) line += hdrDigits + ' ';
    const sizeStart = line.length;
    line += sizeDigits + '\r\n';
    const buf = Buffer.allocUnsafe(line.length + size + 2);
    buf.latin1Write(line, 0);
    buf.set(body, line.length);
    buf[line.length + size] = 13;
    buf[line.length + size + 1] = 10;
    this.msgBuf = buf;
    this.msgSubjectEnd = subject.length;
    this.msgReplyStart = reply ? subject.length + 1 : -1;
    this.msgReplyEnd = reply ? subject.length + 1 + reply.length : -1;
    this.msgHeaderSize = headerSize;
    this.msgHeaderSizeStart = hdrStart;
    this.msgHeaderSizeEnd = hdrStart + hdrDigits.length;
    this.msgSize = size;
    this.msgSizeStart = sizeStart;
    this.msgSizeEnd = sizeStart + sizeDigits.length;
    this.msgPayloadStart = line.length;
  }

  /**
   * The same message under another subject and reply, with header `name` set to
   * `value` (replacing an earlier one), adding a header block if it had none.
   */
  static withHeader(msg: InboundMessage, subject: string, reply: string, name: string, value: string): OwnedMessage {
    const start = msg.msgPayloadStart;
    const hdr = msg.msgHeaderSize;
    let block = 'NATS/1.0\r\n';
    if (hdr > 4) {
      const lower = name.toLowerCase() + ':';
      // The block without its closing blank line: "NATS/1.0\r\nK: v".
      const lines = msg.msgBuf.latin1Slice(start, start + hdr - 4).split('\r\n');
      block = lines.filter((line, i) => i === 0 || !line.toLowerCase().startsWith(lower)).join('\r\n') + '\r\n';
    }
    block += `${name}: ${value}\r\n\r\n`;
    const header = Buffer.from(block, 'latin1');
    const payload = msg.msgBuf.subarray(start + Math.max(hdr, 0), start + msg.msgSize);
    return new OwnedMessage(subject, reply, Buffer.concat([header, payload]), header.length);
  }

  /** The same body under another subject and reply. */
  static readdress(msg: InboundMessage, subject: string, reply: string): OwnedMessage {
    const body = msg.msgBuf.subarray(msg.msgPayloadStart, msg.msgPayloadStart + msg.msgSize);
    return new OwnedMessage(subject, reply, body, msg.msgHeaderSize);
  }
}

export function messageSubject(msg: InboundMessage): string {
  return msg.msgBuf.latin1Slice(msg.msgSubjectStart, msg.msgSubjectEnd);
}

export function messageReply(msg: InboundMessage): string {
  return msg.msgReplyStart < 0 ? '' : msg.msgBuf.latin1Slice(msg.msgReplyStart, msg.msgReplyEnd);
}
