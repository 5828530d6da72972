// A raw NATS protocol connection for exact-byte tests: send text, wait for expected
// bytes, see whether the server closed the socket.
import net from 'node:net';

export class RawClient {
  /** @param {net.Socket} socket */
  constructor(socket) {
    this.socket = socket;
    this.data = Buffer.alloc(0);
    this.closed = false;
    this.waiters = new Set();
    socket.on('data', (d) => {
      this.data = Buffer.concat([this.data, d]);
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', () => {});
  }

  notify() {
    for (const w of this.waiters) w();
  }

  /** All bytes received so far, as latin1 text. */
  get text() {
    return this.data.toString('latin1');
  }

  send(data) {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Waits until `predicate(text)` is true; resolves with the text. */
  waitUntil(predicate, timeoutMs = 3000, what = 'condition') {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(this.text, this)) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve(this.text);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; received so far: ${JSON.stringify(this.text)}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Waits until the received text contains `s` (string) or matches `re` (RegExp). */
  expect(pattern, timeoutMs = 3000) {
    const test = typeof pattern === 'string' ? (t) => t.includes(pattern) : (t) => pattern.test(t);
    return this.waitUntil(test, timeoutMs, String(pattern));
  }

  /** Waits for the server to close the connection. */
  waitClosed(timeoutMs = 3000) {
    return this.waitUntil((_t, c) => c.closed, timeoutMs, 'close');
  }

  /** Sends PING and waits for the matching PONG count: proves everything before it was processed. */
  async flush(timeoutMs = 3000) {
    const pongs = (this.text.match(/PONG\r\n/g) ?? []).length;
    this.send('PING\r\n');
    await this.waitUntil((t) => (t.match(/PONG\r\n/g) ?? []).length > pongs, timeoutMs, 'PONG');
  }

  /** Forgets what was received so far. */
  clear() {
    this.data = Buffer.alloc(0);
  }

  close() {
    this.socket.destroy();
  }
}

/** Connects, waits for INFO, and optionally sends CONNECT (pass null to skip). */
export async function rawConnect(port, connect = { verbose: false, pedantic: false }) {
  const socket = net.connect(port, '127.0.0.1');
  const client = new RawClient(socket);
  await client.expect(/^INFO \{.*\} ?\r\n/);
  if (connect !== null) {
    client.send(`CONNECT ${JSON.stringify(connect)}\r\n`);
  }
  return client;
}

/** The JSON object of the INFO line a client received first. */
export function parseInfo(text) {
  const m = /^INFO (\{.*\}) ?\r\n/.exec(text);
  if (!m) throw new Error(`no INFO in ${JSON.stringify(text)}`);
  return JSON.parse(m[1]);
}
