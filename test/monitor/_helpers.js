// Helpers for the monitoring tests: HTTP requests, JSON shapes, and the scripted
// workload run the same way against Dialtone and Debian's nats-server.
import net from 'node:net';
import { rawConnect } from '../support/raw.js';

/** GET `url`; resolves with status, headers and body text. */
export async function get(url) {
  const res = await fetch(url);
  const body = await res.text();
  return { status: res.status, headers: res.headers, body };
}

/** GET `url` and parse the JSON body (asserting a 200). */
export async function getJson(url) {
  const r = await get(url);
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${r.body}`);
  return JSON.parse(r.body);
}

/** The JSON type of a value: null, array, object, string, number, boolean. */
export function jsonType(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Compares two JSON values field by field: the same field names at every level and
 * the same JSON types. Array elements are compared by the union of their fields.
 * Returns a list of differences (empty when alike); `ignore` holds dotted paths.
 */
export function shapeDiff(a, b, path = '', ignore = new Set()) {
  const out = [];
  if (ignore.has(path)) return out;
  const ta = jsonType(a);
  const tb = jsonType(b);
  if (ta !== tb) return [`${path || '<root>'}: ${ta} vs ${tb}`];
  if (ta === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const p = path ? `${path}.${k}` : k;
      if (ignore.has(p)) continue;
      if (!(k in a)) out.push(`${p}: missing in first`);
      else if (!(k in b)) out.push(`${p}: missing in second`);
      else out.push(...shapeDiff(a[k], b[k], p, ignore));
    }
  } else if (ta === 'array' && a.length > 0 && b.length > 0) {
    const merge = (arr) => (jsonType(arr[0]) === 'object' ? Object.assign({}, ...arr) : arr[0]);
    out.push(...shapeDiff(merge(a), merge(b), `${path}[]`, ignore));
  }
  return out;
}

/**
 * The server's own subscriptions with the default system account, as nats-server 2.9.10
 * counts them in /varz and /subsz: 40 services in $SYS and the 3 system imports of $G.
 */
export const SERVER_SUBSCRIPTIONS = 43;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A raw connection that has sent CONNECT with `opts` and had it processed. */
export async function client(port, opts = {}) {
  const c = await rawConnect(port, { verbose: false, pedantic: false, ...opts });
  await c.flush();
  return c;
}

/**
 * The scripted workload, the same against any server. Leaves three open connections
 * (alpha, beta, delta) whose counts differ in every sortable column, and three closed
 * ones (gamma: client closed, epsilon: max payload, zeta: parse error).
 *
 *   alpha: subs foo, bar.* (queue q, auto-unsub after 5), baz         -> receives 5 msgs, 20 bytes
 *   beta:  publishes foo x3 (5 bytes), bar.x (3 bytes), e (1 byte)   -> 5 msgs, 19 bytes in
 *   delta: subs d.>, e; publishes foo "hi"                           -> 1 in (2 bytes), 1 out (1 byte)
 */
export async function runWorkload(port) {
  const alpha = await client(port, { name: 'alpha', lang: 'raw', version: '1.0', user: 'ua' });
  alpha.send('SUB foo 1\r\nSUB bar.* q 2\r\nUNSUB 2 5\r\nSUB baz 3\r\n');
  await alpha.flush();
  await sleep(5);
  const beta = await client(port, { name: 'beta', lang: 'raw', version: '2.0' });
  await sleep(5);
  const delta = await client(port, { name: 'delta', lang: 'raw', version: '3.0' });
  delta.send('SUB d.> 1\r\nSUB e 2\r\n');
  await delta.flush();
  beta.send('PUB foo 5\r\nhello\r\nPUB foo 5\r\nhello\r\nPUB foo 5\r\nhello\r\nPUB bar.x 3\r\nabc\r\nPUB e 1\r\nx\r\n');
  await beta.flush();
  delta.send('PUB foo 2\r\nhi\r\n');
  await delta.flush();
  await alpha.expect(/(MSG[^\r]*\r\n[^\r]*\r\n[\s\S]*){5}/);
  await delta.expect('MSG e 2 1\r\nx\r\n');
  await sleep(5);

  const gamma = await client(port, { name: 'gamma', lang: 'raw' });
  gamma.send('SUB zz 9\r\nSUB yy 10\r\n');
  await gamma.flush();
  gamma.close();
  await sleep(5);
  const epsilon = await client(port, { name: 'epsilon', lang: 'raw' });
  epsilon.send(`PUB big 600\r\n${'x'.repeat(600)}\r\n`);
  await epsilon.waitClosed();
  await sleep(5);
  const zeta = await client(port, { name: 'zeta', lang: 'raw' });
  zeta.send('FOO BAR\r\n');
  await zeta.waitClosed();
  return { alpha, beta, delta, close: () => [alpha, beta, delta].forEach((c) => c.close()) };
}

/** Opens `n` raw TCP connections that each send CONNECT; resolves once all are registered. */
export async function openMany(port, n, { batch = 500 } = {}) {
  const sockets = [];
  for (let i = 0; i < n; i += batch) {
    const chunk = [];
    for (let j = i; j < Math.min(n, i + batch); j++) {
      chunk.push(
        new Promise((resolve, reject) => {
          const s = net.connect(port, '127.0.0.1');
          s.once('error', reject);
          s.once('data', () => {
            s.write(`CONNECT {"verbose":false,"name":"c${j}"}\r\nSUB s.${j} 1\r\nPING\r\n`);
            s.once('data', () => resolve(s));
          });
          s.on('error', () => {});
        }),
      );
    }
    sockets.push(...(await Promise.all(chunk)));
  }
  return sockets;
}
