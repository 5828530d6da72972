// Message headers through the official clients, and what a subscriber that did not
// ask for headers receives when the publisher sent them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rawConnect } from '../support/raw.js';
import { closeAll, collect, connectTo, eachClient, enc, flushAll, startTarget, V2, V3 } from './_clients.js';

let srv;
before(async () => {
  srv = await startTarget();
});
after(async () => {
  await srv.close();
});

function richHeaders(c) {
  const h = c.headers();
  h.append('X-Multi', 'first');
  h.append('X-Multi', 'second');
  h.append('X-Multi', 'third value with spaces');
  h.set('MiXeD-CaSe-Key', 'Value-Case-Kept');
  h.set('lowercase', 'v');
  h.set('X-Colon', 'a: b: c');
  h.set('X-Unicode', 'naïve ✓');
  return h;
}

function checkRichHeaders(h) {
  assert.ok(h, 'message has headers');
  assert.deepEqual(h.values('X-Multi'), ['first', 'second', 'third value with spaces']);
  assert.equal(h.get('MiXeD-CaSe-Key'), 'Value-Case-Kept');
  assert.equal(h.get('lowercase'), 'v');
  assert.equal(h.get('X-Colon'), 'a: b: c');
  assert.equal(h.get('X-Unicode'), 'naïve ✓');
  const keys = h.keys();
  for (const k of ['X-Multi', 'MiXeD-CaSe-Key', 'lowercase', 'X-Colon', 'X-Unicode']) assert.ok(keys.includes(k), `key ${k} kept its case (keys: ${keys})`);
  assert.equal(keys.length, 5);
}

eachClient('multi-value headers with case preserved arrive intact, with the payload', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const col = collect(sub, 'hdr.rich');
    await sub.flush();
    pub.publish('hdr.rich', enc.encode('payload after headers'), { headers: richHeaders(c) });
    await flushAll(pub, sub);
    const [m] = await col.until(1);
    checkRichHeaders(m.headers);
    assert.equal(m.string(), 'payload after headers');
    assert.equal(m.subject, 'hdr.rich');
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('header-only message (empty payload) arrives with headers and no data', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const col = collect(sub, 'hdr.only');
    await sub.flush();
    const h = c.headers();
    h.set('X-Only', 'yes');
    pub.publish('hdr.only', undefined, { headers: h });
    await flushAll(pub, sub);
    const [m] = await col.until(1);
    assert.equal(m.data.length, 0);
    assert.equal(m.headers?.get('X-Only'), 'yes');
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('messages with and without headers interleave in order', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const col = collect(sub, 'hdr.mix');
    await sub.flush();
    for (let i = 0; i < 200; i++) {
      if (i % 3 === 0) {
        const h = c.headers();
        h.set('X-I', String(i));
        pub.publish('hdr.mix', enc.encode(`m${i}`), { headers: h });
      } else {
        pub.publish('hdr.mix', enc.encode(`m${i}`));
      }
    }
    await flushAll(pub, sub);
    const got = await col.until(200);
    for (let i = 0; i < 200; i++) {
      assert.equal(got[i].string(), `m${i}`);
      if (i % 3 === 0) assert.equal(got[i].headers?.get('X-I'), String(i), `message ${i} headers`);
      else assert.equal(got[i].headers, undefined, `message ${i} has no headers`);
    }
  } finally {
    await closeAll(pub, sub);
  }
});

for (const [pubC, subC] of [
  [V3, V2],
  [V2, V3],
]) {
  const name = `${pubC.name}→${subC.name}`;
  test(`cross-client: headers published by ${pubC.name} are read by ${subC.name}`, async () => {
    const pub = await connectTo(pubC, srv);
    const sub = await connectTo(subC, srv);
    try {
      const col = collect(sub, 'hdr.cross');
      await sub.flush();
      pub.publish('hdr.cross', enc.encode(name), { headers: richHeaders(pubC) });
      await flushAll(pub, sub);
      const [m] = await col.until(1);
      checkRichHeaders(m.headers);
      assert.equal(m.string(), name);
    } finally {
      await closeAll(pub, sub);
    }
  });
}

eachClient('a subscriber that connected with headers:false gets the payload without headers', async (c) => {
  const pub = await connectTo(c, srv);
  const raw = await rawConnect(srv.port, { verbose: false, pedantic: false, headers: false, protocol: 1 });
  try {
    raw.send('SUB hdr.strip 1\r\n');
    await raw.flush();
    raw.clear();
    const h = c.headers();
    h.set('X-Secret', 'not-for-you');
    pub.publish('hdr.strip', enc.encode('just the body'), { headers: h });
    pub.publish('hdr.strip', undefined, { headers: h });
    pub.publish('hdr.strip', enc.encode('no headers here'));
    await pub.flush();
    await raw.flush();
    const text = raw.text;
    assert.equal(text.includes('HMSG'), false, `no HMSG expected: ${JSON.stringify(text)}`);
    assert.equal(text.includes('NATS/1.0'), false, `no header block expected: ${JSON.stringify(text)}`);
    assert.equal(text, 'MSG hdr.strip 1 13\r\njust the body\r\nMSG hdr.strip 1 0\r\n\r\nMSG hdr.strip 1 15\r\nno headers here\r\nPONG\r\n');
  } finally {
    raw.close();
    await closeAll(pub);
  }
});

eachClient('a raw subscriber with headers:true sees the exact header block the client sent', async (c) => {
  const pub = await connectTo(c, srv);
  const raw = await rawConnect(srv.port, { verbose: false, pedantic: false, headers: true, protocol: 1 });
  try {
    raw.send('SUB hdr.raw 9\r\n');
    await raw.flush();
    raw.clear();
    const h = c.headers();
    h.append('A-Key', 'one');
    h.append('A-Key', 'two');
    pub.publish('hdr.raw', enc.encode('xyz'), { headers: h, reply: 'hdr.reply' });
    await pub.flush();
    await raw.flush();
    const block = 'NATS/1.0\r\nA-Key: one\r\nA-Key: two\r\n\r\n';
    const total = block.length + 3;
    assert.equal(raw.text, `HMSG hdr.raw 9 hdr.reply ${block.length} ${total}\r\n${block}xyz\r\nPONG\r\n`);
  } finally {
    raw.close();
    await closeAll(pub);
  }
});

eachClient('headers are advertised in INFO and the client can use them', async (c) => {
  const nc = await connectTo(c, srv);
  try {
    assert.equal(nc.info?.headers, true);
    const col = collect(nc, 'hdr.self');
    await nc.flush();
    const h = c.headers();
    h.set('X-Self', '1');
    nc.publish('hdr.self', 'me', { headers: h });
    await nc.flush();
    const [m] = await col.until(1);
    assert.equal(m.headers?.get('X-Self'), '1');
  } finally {
    await closeAll(nc);
  }
});

eachClient('large header blocks and large payloads with headers arrive intact', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const col = collect(sub, 'hdr.large');
    await sub.flush();
    const h = c.headers();
    for (let i = 0; i < 100; i++) h.set(`X-Big-${i}`, `${i}:${'v'.repeat(400)}`);
    const payloads = [new Uint8Array(0), enc.encode('small'), Uint8Array.from({ length: 200000 }, (_, i) => (i * 31) & 0xff)];
    for (const p of payloads) pub.publish('hdr.large', p, { headers: h });
    await flushAll(pub, sub);
    const got = await col.until(payloads.length);
    for (let k = 0; k < payloads.length; k++) {
      assert.deepEqual(Buffer.from(got[k].data), Buffer.from(payloads[k]), `payload ${k}`);
      assert.equal(got[k].headers?.keys().length, 100);
      for (let i = 0; i < 100; i++) assert.equal(got[k].headers.get(`X-Big-${i}`), `${i}:${'v'.repeat(400)}`);
    }
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('a headers:false subscriber gets large payloads without the header block', async (c) => {
  const pub = await connectTo(c, srv);
  const raw = await rawConnect(srv.port, { verbose: false, pedantic: false, headers: false, protocol: 1 });
  try {
    raw.send('SUB hdr.strip.big 7\r\n');
    await raw.flush();
    raw.clear();
    const h = c.headers();
    h.set('X-Pad', 'p'.repeat(1000));
    const body = Buffer.alloc(100000, 'b');
    body.write('START', 0);
    body.write('END', body.length - 3);
    pub.publish('hdr.strip.big', body, { headers: h });
    await pub.flush();
    await raw.flush();
    const expected = Buffer.concat([Buffer.from(`MSG hdr.strip.big 7 ${body.length}\r\n`), body, Buffer.from('\r\nPONG\r\n')]);
    assert.equal(raw.data.length, expected.length);
    assert.ok(raw.data.equals(expected), `got ${JSON.stringify(raw.text.slice(0, 80))}...`);
  } finally {
    raw.close();
    await closeAll(pub);
  }
});
