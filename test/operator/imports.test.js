// Imports and exports between JWT accounts: public stream and service exports work for
// any importer; private ones (`token_req`) need an activation token issued by the
// exporter for this importer and subject, still valid. Imports without a token, with an
// expired one or one signed by a key the exporter does not list are ignored (nothing
// flows, the account otherwise works); a token that names another account, subject or kind,
// or is not issued for the exporter at all, makes the importing account JWT invalid
// (jwt v2 Import.Validate), so its users are refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as v3 from '@nats-io/transport-node';
import { AUTH_VIOLATION, accountJwt, encodeActivation, login, makeWorld, mintUser, newAccountKey, nowSec, parseMsgs, pub, refusedLogin, startOperator, td } from './_helpers.js';

const EXPORTS = [
  { name: 'events', subject: 'events.>', type: 'stream' },
  { name: 'echo', subject: 'svc.echo', type: 'service' },
  { name: 'private events', subject: 'private.>', type: 'stream', token_req: true },
  { name: 'private echo', subject: 'psvc.echo', type: 'service', token_req: true },
];

let world;
let server;
let exporter; // account EXP
const importers = {}; // name → { kp, pub, jwt, user }
let responder; // v3 connection in EXP answering svc.echo and psvc.echo
let publisher; // raw connection in EXP

/** An importer account whose imports are made by `importsFor(kp)`. */
async function importer(name, importsFor) {
  const kp = newAccountKey();
  const imports = await importsFor(kp);
  const acc = { kp, pub: kp.getPublicKey(), name, jwt: await accountJwt(name, kp, world.opSigner, { imports }) };
  acc.user = await mintUser(kp, {}, {}, `${name}-user`);
  importers[name] = acc;
}

const activation = (forKp, kind, subject, opts = {}) => encodeActivation('act', forKp, exporter.kp, kind, { subject }, opts);

before(async () => {
  world = await makeWorld({ EXP: { exports: EXPORTS } });
  exporter = world.accounts.EXP;
  const streamImport = (extra = {}) => ({ name: 'events', type: 'stream', account: exporter.pub, subject: 'events.>', ...extra });
  const privStream = (token) => ({ name: 'priv', type: 'stream', account: exporter.pub, subject: 'private.>', ...(token ? { token } : {}) });
  const privSvc = (token) => ({ name: 'psvc', type: 'service', account: exporter.pub, subject: 'psvc.echo', ...(token ? { token } : {}) });

  await importer('PUBLIC', async () => [streamImport(), { name: 'echo', type: 'service', account: exporter.pub, subject: 'svc.echo', local_subject: 'echo' }]);
  await importer('TOKEN', async (kp) => [privStream(await activation(kp, 'stream', 'private.>')), privSvc(await activation(kp, 'service', 'psvc.echo'))]);
  await importer('NOTOKEN', async () => [privStream(), privSvc()]);
  const someoneElse = newAccountKey();
  await importer('OTHERACC', async () => [privStream(await activation(someoneElse, 'stream', 'private.>')), privSvc(await activation(someoneElse, 'service', 'psvc.echo'))]);
  await importer('OTHERSUBJ', async (kp) => [privStream(await activation(kp, 'stream', 'other.>')), privSvc(await activation(kp, 'service', 'other.echo'))]);
  await importer('EXPIRED', async (kp) => [
    privStream(await activation(kp, 'stream', 'private.>', { exp: nowSec() - 10 })),
    privSvc(await activation(kp, 'service', 'psvc.echo', { exp: nowSec() - 10 })),
  ]);
  // A token naming the exporter as issuer_account but signed by a key it does not list.
  await importer('UNKNOWNSIGNER', async (kp) => [
    privStream(await encodeActivation('act', kp, exporter.kp, 'stream', { subject: 'private.>' }, { signer: newAccountKey() })),
    privSvc(await encodeActivation('act', kp, exporter.kp, 'service', { subject: 'psvc.echo' }, { signer: newAccountKey() })),
  ]);
  // A stream import carrying a token issued for a service.
  await importer('OTHERKIND', async (kp) => [privStream(await activation(kp, 'service', 'private.>'))]);
  // A token signed by the importer itself instead of the exporter.
  await importer('SELFSIGNED', async (kp) => [privStream(await encodeActivation('act', kp, kp, 'stream', { subject: 'private.>' }))]);

  server = await startOperator(world, { preload: [exporter, ...Object.values(importers)] });
  responder = await v3.connect({ servers: server.url, authenticator: v3.credsAuthenticator(exporter.user.creds), reconnect: false });
  for (const subject of ['svc.echo', 'psvc.echo']) {
    responder.subscribe(subject, { callback: (_e, m) => m.respond(`${subject}:${td.decode(m.data)}`) });
  }
  await responder.flush();
  publisher = await login(server.port, await mintUser(exporter.kp));
});

after(async () => {
  publisher?.close();
  await responder?.close();
  await server?.close();
});

/**
 * Subscribes to `>` in each named importer, publishes `subjects` from the exporter and
 * returns importer name → subjects received.
 */
async function streamDeliveries(names, subjects) {
  const subs = await Promise.all(names.map((n) => login(server.port, importers[n].user)));
  try {
    for (const c of subs) c.send('SUB > 1\r\n');
    await Promise.all(subs.map((c) => c.flush()));
    publisher.send(subjects.map((s) => pub(s, `m:${s}`)).join(''));
    await publisher.flush();
    // A marker on a subject every importer can see proves earlier messages were routed.
    publisher.send(pub('events.zz-marker', 'end'));
    await publisher.flush();
    const out = {};
    for (const [i, c] of subs.entries()) {
      const name = names[i];
      if (name === 'PUBLIC') await c.waitUntil((t) => t.includes('events.zz-marker'));
      else await c.flush();
      out[name] = parseMsgs(c.text)
        .map((m) => m.subject)
        .filter((s) => s !== 'events.zz-marker');
    }
    return out;
  } finally {
    for (const c of subs) c.close();
  }
}

/** A request from a user of importer `name`; resolves with the reply text or the error name. */
async function requestFrom(name, subject) {
  const nc = await v3.connect({ servers: server.url, authenticator: v3.credsAuthenticator(importers[name].user.creds), reconnect: false });
  try {
    const r = await nc.request(subject, 'hi', { timeout: 1000 });
    return td.decode(r.data);
  } catch (err) {
    return err instanceof v3.RequestError && err.isNoResponders() ? 'no responders' : err instanceof v3.TimeoutError ? 'timeout' : String(err);
  } finally {
    await nc.close();
  }
}

test('public stream export: an importing account receives the messages', async () => {
  const got = await streamDeliveries(['PUBLIC'], ['events.a', 'events.b.c', 'notexported']);
  assert.deepEqual(got.PUBLIC, ['events.a', 'events.b.c']);
});

test('public service export: requests flow from the importer (remapped with local_subject) and replies come back', async () => {
  assert.equal(await requestFrom('PUBLIC', 'echo'), 'svc.echo:hi');
  // The exporter's own subject is not visible in the importer.
  assert.equal(await requestFrom('PUBLIC', 'svc.echo'), 'no responders');
  // Private services are not reachable without importing them.
  assert.equal(await requestFrom('PUBLIC', 'psvc.echo'), 'no responders');
});

test('private exports: imported with a valid activation token, messages and requests flow', async () => {
  const got = await streamDeliveries(['TOKEN'], ['private.x', 'private.y.z', 'events.not-imported']);
  assert.deepEqual(got.TOKEN, ['private.x', 'private.y.z']);
  assert.equal(await requestFrom('TOKEN', 'psvc.echo'), 'psvc.echo:hi');
});

test('private stream imports without a token, with an expired one or an unknown signer are ignored', async () => {
  const names = ['NOTOKEN', 'EXPIRED', 'UNKNOWNSIGNER'];
  const got = await streamDeliveries(['PUBLIC', ...names], ['private.x']);
  for (const n of names) assert.deepEqual(got[n], [], `${n} must receive nothing`);
});

test('private service imports without a token, with an expired one or an unknown signer are ignored', async () => {
  for (const n of ['NOTOKEN', 'EXPIRED', 'UNKNOWNSIGNER']) {
    assert.equal(await requestFrom(n, 'psvc.echo'), 'no responders', n);
  }
});

test('a token for another account, subject or kind, or not from the exporter, invalidates the importing account', async () => {
  for (const n of ['OTHERACC', 'OTHERSUBJ', 'OTHERKIND', 'SELFSIGNED']) {
    const r = await refusedLogin(server.port, importers[n].user);
    assert.equal(r.text, AUTH_VIOLATION, `${n}: users of an account with an invalid import are refused`);
    assert.equal(r.closed, true);
  }
});

test('accounts with ignored imports still work for their own traffic', async () => {
  const a = await login(server.port, importers.NOTOKEN.user);
  const b = await login(server.port, await mintUser(importers.NOTOKEN.kp));
  try {
    a.send('SUB own 1\r\n');
    await a.flush();
    b.send(pub('own', 'local'));
    await a.waitUntil((t) => parseMsgs(t).length === 1);
    assert.equal(parseMsgs(a.text)[0].payload, 'local');
  } finally {
    a.close();
    b.close();
  }
});
