// Helpers for the system account tests: one config (a global-account user, accounts A
// and B, the system account SYS) that Dialtone and Debian's nats-server both read,
// official-client logins, and $SYS requests whose replies — or their absence — are
// collected without waiting on timers.
import assert from 'node:assert/strict';
import { connect, createInbox, headers as natsHeaders } from '@nats-io/transport-node';
import { startBoth, writeConf } from '../auth/_helpers.js';
import { startDialtone } from '../support/servers.js';
import { shapeDiff } from '../monitor/_helpers.js';

export const SERVER_NAME = 'ev-1';

/** Users and their accounts: `g` is in $G; each password is the user name. */
export const CONF = [
  `server_name: ${SERVER_NAME}`,
  'authorization { users: [{user: g, password: g}] }',
  'accounts {',
  '  A { users: [{user: a, password: a}, {user: a2, password: a2}] }',
  '  B { users: [{user: b, password: b}] }',
  '  SYS { users: [{user: sys, password: sys}] }',
  '}',
  'system_account: SYS',
];

/** Dialtone in process from CONF plus `extra` lines: {port, url, server, close()}. */
export function startEvents(extra = []) {
  return startDialtone({ configFile: writeConf([...CONF, ...extra]) });
}

/** Dialtone and nats-server from the same config (see auth/_helpers.js startBoth). */
export function startBothEvents(extra = []) {
  return startBoth([...CONF, ...extra]);
}

/** The official client logged in as `user` (password = user name). */
export function login(url, user, opts = {}) {
  return connect({ servers: url, user, pass: user, name: user, reconnect: false, ...opts });
}

/** A request every server answers in order after the ones before it: from the system account, and from any other account. */
export const SYS_SENTINEL = ['$SYS.REQ.SERVER.PING.HEALTHZ', ''];
export const ACCOUNT_SENTINEL = ['$SYS.REQ.ACCOUNT.PING.STATZ', '{"include_unused":true}'];

/**
 * Publishes a request on `subject` with its own inbox, then the sentinel request; the
 * server answers in order, so once the sentinel's reply is in, every reply to the first
 * request is too. Resolves with those replies (official-client messages).
 */
export async function exchange(nc, subject, body = '', { headers, until = SYS_SENTINEL } = {}) {
  const inbox = createInbox();
  const got = [];
  // A no-responders status (503) says nothing subscribes: no reply.
  const sub = nc.subscribe(inbox, { callback: (err, m) => err || m.headers?.code === 503 || got.push(m) });
  let hdrs;
  if (headers) {
    hdrs = natsHeaders();
    for (const [k, v] of Object.entries(headers)) hdrs.set(k, v);
  }
  nc.publish(subject, body, { reply: inbox, headers: hdrs });
  await nc.request(until[0], until[1], { timeout: 3000 });
  sub.unsubscribe();
  return got;
}

/** The single reply to a request, parsed. */
export async function ask(nc, subject, body = '', opts = {}) {
  const replies = await exchange(nc, subject, body, opts);
  assert.equal(replies.length, 1, `one reply to ${subject} ${body}`);
  return replies[0].json();
}

/** Asserts that nothing answers `subject` (with `body`). */
export async function assertNoReply(nc, subject, body = '', opts = {}) {
  const replies = await exchange(nc, subject, body, opts);
  assert.deepEqual(
    replies.map((m) => m.string()),
    [],
    `no reply to ${subject} ${body}`,
  );
}

/** Subscribes to `subject` and keeps what arrives as [subject, parsed JSON]. */
export function record(nc, subject) {
  const events = [];
  const sub = nc.subscribe(subject, { callback: (err, m) => err || events.push([m.subject, m.json()]) });
  return { sub, events, subjects: () => events.map(([s]) => s) };
}

/** Asserts `a` has `b`'s field names and JSON types at every level (ignoring dotted `ignore` paths). */
export function assertSameShape(a, b, what, ignore = []) {
  const diff = shapeDiff(a, b, '', new Set(ignore));
  assert.deepEqual(diff, [], `${what}: field names or types differ from nats-server:\n${diff.join('\n')}`);
}

/** The `server` object every $SYS message carries (events.go ServerInfo), checked against the server that sent it. */
export function assertServerInfo(info, server) {
  assert.deepEqual(Object.keys(info), ['name', 'host', 'id', 'ver', 'seq', 'jetstream', 'time']);
  assert.equal(info.name, SERVER_NAME);
  assert.equal(info.host, '127.0.0.1');
  assert.equal(info.id, server.serverId);
  assert.equal(info.ver, '2.9.10');
  assert.ok(Number.isInteger(info.seq) && info.seq > 0);
  assert.equal(info.jetstream, false);
  assert.match(info.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
}
