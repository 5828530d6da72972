// Request/reply and no-responders through the official clients.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { closeAll, collect, connectTo, eachClient, enc, flushAll, rejection, sleep, startTarget } from './_clients.js';

let srv;
before(async () => {
  srv = await startTarget();
});
after(async () => {
  await srv.close();
});

/** Subscribes a responder that answers with `fn(msg)` (string or bytes). */
function respond(nc, subject, fn, opts = {}) {
  let handled = 0;
  const sub = nc.subscribe(subject, {
    ...opts,
    callback: (err, m) => {
      if (err) return;
      handled++;
      const out = fn(m);
      if (out !== undefined) m.respond(out);
    },
  });
  return { sub, handled: () => handled };
}

for (const noMux of [false, true]) {
  const mode = noMux ? 'noMux' : 'mux';
  eachClient(`single request gets the responder's reply (${mode})`, async (c) => {
    const req = await connectTo(c, srv);
    const rep = await connectTo(c, srv);
    try {
      let seenReply = '';
      respond(rep, 'svc.echo', (m) => {
        seenReply = m.reply;
        return `echo:${m.string()}`;
      });
      await rep.flush();
      const r = await req.request('svc.echo', 'hello', { timeout: 2000, noMux });
      assert.equal(r.string(), 'echo:hello');
      assert.ok(seenReply.length > 0, 'the request carried a reply subject');
      assert.equal(r.subject, seenReply, 'the reply came back on the inbox the request named');
    } finally {
      await closeAll(req, rep);
    }
  });
}

eachClient('many concurrent requests each get their own reply, even answered out of order', async (c) => {
  const N = 500;
  const req = await connectTo(c, srv);
  const rep = await connectTo(c, srv);
  try {
    // Hold every request, then answer them all in reverse order.
    const held = [];
    rep.subscribe('svc.double', {
      callback: (err, m) => {
        held.push(m);
        if (held.length === N) {
          for (const h of held.reverse()) h.respond(enc.encode(String(Number(h.string()) * 2)));
        }
      },
    });
    await rep.flush();
    const replies = await Promise.all(Array.from({ length: N }, (_, i) => req.request('svc.double', enc.encode(String(i)), { timeout: 5000 })));
    assert.equal(replies.length, N);
    for (let i = 0; i < N; i++) assert.equal(replies[i].string(), String(i * 2), `reply to request ${i}`);
  } finally {
    await closeAll(req, rep);
  }
});

eachClient('responders in a queue group: each request answered once, all responders share', async (c) => {
  const N = 300;
  const req = await connectTo(c, srv);
  const reps = await Promise.all([connectTo(c, srv), connectTo(c, srv), connectTo(c, srv)]);
  try {
    const rs = reps.map((nc, k) => respond(nc, 'svc.q', (m) => `r${k}:${m.string()}`, { queue: 'svc' }));
    await flushAll(reps);
    const replies = await Promise.all(Array.from({ length: N }, (_, i) => req.request('svc.q', String(i), { timeout: 5000 })));
    const by = [0, 0, 0];
    for (let i = 0; i < N; i++) {
      const m = /^r(\d):(\d+)$/.exec(replies[i].string());
      assert.ok(m, `reply ${i} well formed: ${replies[i].string()}`);
      assert.equal(Number(m[2]), i, `reply ${i} answers request ${i}`);
      by[Number(m[1])]++;
    }
    await flushAll(req, reps);
    assert.deepEqual(
      rs.map((r) => r.handled()),
      by,
      'each responder handled exactly the requests it answered',
    );
    assert.equal(
      by.reduce((a, b) => a + b, 0),
      N,
    );
    for (let k = 0; k < 3; k++) assert.ok(by[k] > 0, `responder ${k} got a share`);
  } finally {
    await closeAll(req, reps);
  }
});

eachClient('request times out when the responder is slow', async (c) => {
  const req = await connectTo(c, srv);
  const rep = await connectTo(c, srv);
  const timers = [];
  try {
    let got = 0;
    rep.subscribe('svc.slow', {
      callback: (err, m) => {
        got++;
        timers.push(setTimeout(() => !rep.isClosed() && m.respond('late'), 600));
      },
    });
    await rep.flush();
    const t0 = Date.now();
    const err = await rejection(req.request('svc.slow', 'x', { timeout: 150 }));
    const elapsed = Date.now() - t0;
    assert.ok(c.isTimeout(err), `expected a timeout error, got ${err?.name}: ${err?.message}`);
    assert.equal(c.isNoResponders(err), false);
    assert.ok(elapsed >= 140 && elapsed < 550, `timed out after ${elapsed}ms`);
    await rep.flush();
    assert.equal(got, 1, 'the responder did receive the request');
  } finally {
    for (const t of timers) clearTimeout(t);
    await closeAll(req, rep);
  }
});

eachClient('requestMany collects one reply from each of several responders', async (c) => {
  const req = await connectTo(c, srv);
  const reps = await Promise.all([connectTo(c, srv), connectTo(c, srv), connectTo(c, srv)]);
  try {
    reps.forEach((nc, k) => respond(nc, 'svc.all', () => `from-${k}`));
    await flushAll(reps);
    const it = await req.requestMany('svc.all', 'q', { strategy: 'count', maxMessages: 3, maxWait: 3000 });
    const got = [];
    for await (const m of it) got.push(m.string());
    assert.deepEqual(got.sort(), ['from-0', 'from-1', 'from-2']);
  } finally {
    await closeAll(req, reps);
  }
});

eachClient('a reply with headers and a responder that reads request headers', async (c) => {
  const req = await connectTo(c, srv);
  const rep = await connectTo(c, srv);
  try {
    rep.subscribe('svc.hdr', {
      callback: (err, m) => {
        const h = c.headers();
        h.set('X-Echo', m.headers?.get('X-Req') ?? 'missing');
        h.set('X-Seq', m.string());
        m.respond('body', { headers: h });
      },
    });
    await rep.flush();
    const h = c.headers();
    h.set('X-Req', 'req-value');
    const r = await req.request('svc.hdr', '7', { timeout: 2000, headers: h });
    assert.equal(r.string(), 'body');
    assert.equal(r.headers?.get('X-Echo'), 'req-value');
    assert.equal(r.headers?.get('X-Seq'), '7');
  } finally {
    await closeAll(req, rep);
  }
});

for (const noMux of [false, true]) {
  const mode = noMux ? 'noMux' : 'mux';
  eachClient(`no responders: request with no subscribers rejects fast with the no-responders error (${mode})`, async (c) => {
    const nc = await connectTo(c, srv);
    try {
      const t0 = Date.now();
      const err = await rejection(nc.request('nobody.home', 'anyone?', { timeout: 5000, noMux }));
      const elapsed = Date.now() - t0;
      assert.ok(c.isNoResponders(err), `expected no responders, got ${err?.name}: ${err?.message}`);
      assert.equal(c.isTimeout(err), false);
      assert.ok(elapsed < 1000, `no-responders took ${elapsed}ms (timeout was 5000)`);
      // The connection stays usable.
      assert.equal(nc.isClosed(), false);
      await nc.flush();
    } finally {
      await closeAll(nc);
    }
  });
}

eachClient('no responders follows interest: appears, answers, goes away', async (c) => {
  const req = await connectTo(c, srv);
  const rep = await connectTo(c, srv);
  try {
    let err = await rejection(req.request('svc.flip', 'a', { timeout: 3000 }));
    assert.ok(c.isNoResponders(err), `before subscribing: ${err}`);
    const r = respond(rep, 'svc.flip', () => 'here', { queue: 'only-queue' });
    await rep.flush();
    const m = await req.request('svc.flip', 'b', { timeout: 3000 });
    assert.equal(m.string(), 'here', 'a queue-only subscriber is a responder');
    r.sub.unsubscribe();
    await rep.flush();
    err = await rejection(req.request('svc.flip', 'c', { timeout: 3000 }));
    assert.ok(c.isNoResponders(err), `after unsubscribing: ${err}`);
    // A wildcard subscriber counts as well.
    respond(rep, 'svc.*', (msg) => `wild:${msg.subject}`);
    await rep.flush();
    const w = await req.request('svc.flip', 'd', { timeout: 3000 });
    assert.equal(w.string(), 'wild:svc.flip');
  } finally {
    await closeAll(req, rep);
  }
});

eachClient('no responders: many concurrent requests to nowhere all reject with no-responders', async (c) => {
  const nc = await connectTo(c, srv);
  try {
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => nc.request(`nowhere.${i}`, '', { timeout: 5000 })));
    assert.equal(results.length, 50);
    for (const [i, r] of results.entries()) {
      assert.equal(r.status, 'rejected', `request ${i}`);
      assert.ok(c.isNoResponders(r.reason), `request ${i}: ${r.reason}`);
    }
  } finally {
    await closeAll(nc);
  }
});

eachClient('no responders when the only subscriber is the requester itself with echo off', async (c) => {
  const nc = await connectTo(c, srv, { noEcho: true });
  const other = await connectTo(c, srv);
  try {
    const self = collect(nc, 'svc.self');
    await nc.flush();
    const err = await rejection(nc.request('svc.self', 'x', { timeout: 3000 }));
    assert.ok(c.isNoResponders(err), `expected no responders, got ${err?.name}: ${err?.message}`);
    await nc.flush();
    assert.equal(self.msgs.length, 0);
    // Another connection asking the same subject reaches it.
    respond(nc, 'svc.self', () => 'answered');
    await nc.flush();
    const r = await other.request('svc.self', 'y', { timeout: 3000 });
    assert.equal(r.string(), 'answered');
  } finally {
    await closeAll(nc, other);
  }
});

eachClient('a responder may reply after a delay shorter than the timeout', async (c) => {
  const req = await connectTo(c, srv);
  const rep = await connectTo(c, srv);
  try {
    rep.subscribe('svc.delay', {
      callback: (err, m) => {
        setTimeout(() => m.respond(`done-${m.string()}`), 100);
      },
    });
    await rep.flush();
    const t0 = Date.now();
    const replies = await Promise.all([1, 2, 3].map((i) => req.request('svc.delay', String(i), { timeout: 2000 })));
    assert.deepEqual(
      replies.map((r) => r.string()),
      ['done-1', 'done-2', 'done-3'],
    );
    assert.ok(Date.now() - t0 >= 90);
    await sleep(0);
  } finally {
    await closeAll(req, rep);
  }
});

eachClient('no responders reaches a requester whose inbox subject is not ASCII', async (c) => {
  const nc = await connectTo(c, srv, { inboxPrefix: '_INBOX_ünï' });
  try {
    const t0 = Date.now();
    const err = await rejection(nc.request('nobody.utf8', 'x', { timeout: 1500 }));
    assert.ok(c.isNoResponders(err), `expected no responders, got ${err?.name}: ${err?.message} after ${Date.now() - t0}ms`);
    // Ordinary replies to that inbox work.
    nc.subscribe('svc.utf8inbox.r', { callback: (e, m) => m.respond('ok') });
    await nc.flush();
    const r = await nc.request('svc.utf8inbox.r', 'y', { timeout: 2000 });
    assert.equal(r.string(), 'ok');
  } finally {
    await closeAll(nc);
  }
});
