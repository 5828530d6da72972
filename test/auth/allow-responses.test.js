// allow_responses: a responder without publish rights may answer the requests it
// receives — once by default (max 1, 2 min), or as configured with {max, expires}.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ERR, closeAll, connectV2, connectV3, msgLines, rawAuthed, sleep, startDialtoneConf, watchErrors } from './_helpers.js';
import { waitFor } from '../support/servers.js';

let srv;
before(async () => {
  srv = await startDialtoneConf({
    authorization: {
      users: [
        { user: 'client', password: 'p' },
        { user: 'svc', password: 'p', permissions: { subscribe: ['svc.>'], allow_responses: true } },
        { user: 'svc_many', password: 'p', permissions: { subscribe: ['many.>'], allow_responses: { max: 3, expires: '400ms' } } },
        { user: 'svc_none', password: 'p', permissions: { subscribe: ['none.>'], publish: ['none.out'] } },
        { user: 'svc_mixed', password: 'p', permissions: { subscribe: ['mixed.>'], publish: ['mixed.events'], allow_responses: true } },
      ],
    },
  });
});
after(async () => {
  await srv?.close();
});

const login = (user) => rawAuthed(srv.port, { user, pass: 'p' });

/** Requester subscribed to `reply.>`, plus a responder subscribed to `subject`. */
async function pair(responderUser, subject) {
  const req = await login('client');
  const svc = await login(responderUser);
  req.send('SUB reply.> 1\r\n');
  svc.send(`SUB ${subject} 1\r\n`);
  await req.flush();
  await svc.flush();
  req.clear();
  svc.clear();
  return { req, svc };
}

async function roundTrip(...clients) {
  for (const c of clients) await c.flush();
}

test('allow_responses: true — one reply per request, a second reply to the same inbox is denied', async () => {
  const { req, svc } = await pair('svc', 'svc.echo');
  try {
    req.send('PUB svc.echo reply.1 4\r\nping\r\n');
    await svc.expect('MSG svc.echo 1 reply.1 4\r\nping\r\n');
    svc.clear();
    svc.send('PUB reply.1 5\r\nfirst\r\nPUB reply.1 6\r\nsecond\r\n');
    await roundTrip(svc, req);
    assert.equal(svc.text, `${ERR.pub('reply.1')}PONG\r\n`);
    assert.deepEqual(msgLines(req.text), ['MSG reply.1 1 5']);
    assert.match(req.text, /first/);
    assert.doesNotMatch(req.text, /second/);
    assert.equal(svc.closed, false);
  } finally {
    req.close();
    svc.close();
  }
});

test('allow_responses: no right to publish anywhere else, nor to a reply subject it did not receive', async () => {
  const { req, svc } = await pair('svc', 'svc.echo');
  try {
    svc.send('PUB reply.unseen 1\r\nx\r\nPUB svc.echo 1\r\nx\r\nPUB other 1\r\nx\r\n');
    await roundTrip(svc, req);
    assert.equal(svc.text, `${ERR.pub('reply.unseen')}${ERR.pub('svc.echo')}${ERR.pub('other')}PONG\r\n`);
    assert.deepEqual(msgLines(req.text), []);
  } finally {
    req.close();
    svc.close();
  }
});

test('allow_responses: each request opens its own reply subject', async () => {
  const { req, svc } = await pair('svc', 'svc.echo');
  try {
    req.send('PUB svc.echo reply.a 1\r\n1\r\nPUB svc.echo reply.b 1\r\n2\r\nPUB svc.echo reply.c 1\r\n3\r\n');
    await svc.expect('reply.c');
    svc.clear();
    svc.send('PUB reply.b 1\r\nB\r\nPUB reply.a 1\r\nA\r\nPUB reply.c 1\r\nC\r\nPUB reply.a 1\r\nX\r\n');
    await roundTrip(svc, req);
    assert.equal(svc.text, `${ERR.pub('reply.a')}PONG\r\n`);
    assert.deepEqual(msgLines(req.text), ['MSG reply.b 1 1', 'MSG reply.a 1 1', 'MSG reply.c 1 1']);
  } finally {
    req.close();
    svc.close();
  }
});

test('allow_responses {max: 3, expires: 400ms}: three replies allowed, the fourth denied; an expired reply subject is denied', async () => {
  const { req, svc } = await pair('svc_many', 'many.q');
  try {
    req.send('PUB many.q reply.m 1\r\nq\r\nPUB many.q reply.late 1\r\nq\r\n');
    await svc.expect('reply.late');
    svc.clear();
    svc.send('PUB reply.m 1\r\n1\r\nPUB reply.m 1\r\n2\r\nPUB reply.m 1\r\n3\r\nPUB reply.m 1\r\n4\r\n');
    await roundTrip(svc, req);
    assert.equal(svc.text, `${ERR.pub('reply.m')}PONG\r\n`);
    assert.equal(msgLines(req.text).length, 3);
    svc.clear();
    req.clear();
    await sleep(600);
    svc.send('PUB reply.late 1\r\nL\r\n');
    await roundTrip(svc, req);
    assert.equal(svc.text, `${ERR.pub('reply.late')}PONG\r\n`, 'expired');
    assert.deepEqual(msgLines(req.text), []);
  } finally {
    req.close();
    svc.close();
  }
});

test('without allow_responses a responder cannot answer; with it, its own publish allow list still applies', async () => {
  const none = await pair('svc_none', 'none.q');
  const mixed = await pair('svc_mixed', 'mixed.q');
  try {
    none.req.send('PUB none.q reply.n 1\r\nq\r\n');
    await none.svc.expect('reply.n');
    none.svc.clear();
    none.svc.send('PUB reply.n 1\r\nr\r\nPUB none.out 1\r\no\r\n');
    await roundTrip(none.svc, none.req);
    assert.equal(none.svc.text, `${ERR.pub('reply.n')}PONG\r\n`);
    assert.deepEqual(msgLines(none.req.text), []);

    mixed.req.send('SUB mixed.events 2\r\nPUB mixed.q reply.x 1\r\nq\r\n');
    await mixed.svc.expect('reply.x');
    mixed.svc.clear();
    mixed.svc.send('PUB reply.x 1\r\nr\r\nPUB mixed.events 1\r\ne\r\nPUB mixed.events 1\r\nf\r\nPUB reply.x 1\r\nr\r\n');
    await roundTrip(mixed.svc, mixed.req);
    assert.equal(mixed.svc.text, `${ERR.pub('reply.x')}PONG\r\n`);
    assert.deepEqual(msgLines(mixed.req.text), ['MSG reply.x 1 1', 'MSG mixed.events 2 1', 'MSG mixed.events 2 1']);
  } finally {
    for (const p of [none, mixed]) {
      p.req.close();
      p.svc.close();
    }
  }
});

test('official clients: a v2 service without publish rights answers v3 requests; a second respond() is denied', async () => {
  const client = await connectV3(srv.url, { user: 'client', pass: 'p' });
  const service = await connectV2(srv.url, { user: 'svc', pass: 'p' });
  try {
    const errors = watchErrors(service);
    let handled = 0;
    service.subscribe('svc.add', {
      callback: (_err, m) => {
        handled++;
        const [a, b] = m.string().split('+').map(Number);
        m.respond(String(a + b));
        m.respond('again');
      },
    });
    await service.flush();
    for (const [q, want] of [['1+2', '3'], ['20+22', '42']]) {
      const r = await client.request('svc.add', q, { timeout: 2000 });
      assert.equal(r.string(), want);
    }
    await service.flush();
    assert.equal(handled, 2);
    await waitFor(() => errors.length >= 2, 2000);
    assert.equal(errors.length, 2, 'each second respond() is a publish violation');
    assert.equal(service.isClosed(), false);
    // It still cannot publish elsewhere.
    const e3 = watchErrors(client);
    service.publish('svc.add', 'x');
    await service.flush();
    await waitFor(() => errors.length >= 3, 2000);
    assert.equal(e3.length, 0);
  } finally {
    await closeAll(client, service);
  }
});
