// Per-account limits: max_connections, max_subscriptions, max_payload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawConnect, parseInfo } from '../support/raw.js';
import { closeAll, errLines, flushAll, login, parseMsgs, pub, sleep, withServer } from './_helpers.js';

const CONNECT = (user) => ({ verbose: false, pedantic: false, user, pass: user });

test('max_connections: the third connection gets the error and is closed; other accounts are not counted', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }, { user: 'a2', password: 'a2' }], limits: { max_connections: 2 } },
      B: { users: [{ user: 'b', password: 'b' }] },
    },
  };
  await withServer(conf, async (srv) => {
    const open = [];
    try {
      open.push(await login(srv.port, 'a'), await login(srv.port, 'a2'));
      for (let i = 0; i < 3; i++) open.push(await login(srv.port, 'b'));
      const third = await rawConnect(srv.port, CONNECT('a'));
      open.push(third);
      third.send('PING\r\n');
      await third.waitClosed(3000);
      const afterInfo = third.text.replace(/^INFO .*\r\n/, '');
      assert.equal(afterInfo, "-ERR 'maximum account active connections exceeded'\r\n");
      // The two that were in keep working.
      await flushAll(open.slice(0, 5));
      // A slot frees when one of them leaves.
      open[0].close();
      await sleep(100);
      const again = await login(srv.port, 'a2');
      open.push(again);
      await again.flush();
      assert.equal(again.closed, false);
    } finally {
      closeAll(open);
    }
  });
});

test('max_connections counts connections, not users: the same user twice fills the account', async () => {
  const conf = { accounts: { A: { users: [{ user: 'a', password: 'a' }], limits: { max_connections: 1 } } } };
  await withServer(conf, async (srv) => {
    const first = await login(srv.port, 'a');
    const second = await rawConnect(srv.port, CONNECT('a'));
    try {
      second.send('PING\r\n');
      await second.waitClosed(3000);
      assert.match(second.text, /-ERR 'maximum account active connections exceeded'\r\n$/);
      await first.flush();
    } finally {
      closeAll([first, second]);
    }
  });
});

test('max_subscriptions: the subscription over the limit is refused, the connection stays, the limit is per connection', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }, { user: 'a2', password: 'a2' }], limits: { max_subscriptions: 3 } },
      B: { users: [{ user: 'b', password: 'b' }] },
    },
  };
  await withServer(conf, async (srv) => {
    const [a, a2, b] = await Promise.all(['a', 'a2', 'b'].map((u) => login(srv.port, u)));
    try {
      a.send('SUB s.1 1\r\nSUB s.2 2\r\nSUB s.3 3\r\nSUB s.4 4\r\n');
      a2.send('SUB s.1 1\r\nSUB s.2 2\r\nSUB s.3 3\r\n');
      let text = '';
      for (let i = 1; i <= 10; i++) text += `SUB s.${i} ${i}\r\n`;
      b.send(text);
      await flushAll([a, a2, b]);
      assert.deepEqual(errLines(a.text), ["-ERR 'maximum subscriptions exceeded'"]);
      assert.deepEqual(errLines(a2.text), [], 'another connection of the account has its own three');
      assert.deepEqual(errLines(b.text), [], 'B has no limit');
      assert.equal(a.closed, false);
      a2.send(pub('s.3', 'x') + pub('s.4', 'y'));
      await flushAll([a, a2]);
      await flushAll([a, a2]);
      assert.deepEqual(
        parseMsgs(a.text).map((m) => `${m.sid}:${m.payload}`),
        ['3:x'],
        'the refused subscription is not active',
      );
      // Unsubscribing makes room again.
      a.clear();
      a.send('UNSUB 1\r\nSUB s.4 4\r\n');
      await a.flush();
      assert.deepEqual(errLines(a.text), []);
    } finally {
      closeAll([a, a2, b]);
    }
  });
});

test('max_payload per account: a larger PUB is a Maximum Payload Violation that closes; INFO keeps the server value; others unaffected', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }], limits: { max_payload: 10 }, imports: [{ stream: { account: 'B', subject: 'big' } }] },
      B: { users: [{ user: 'b', password: 'b' }], exports: [{ stream: 'big' }] },
    },
  };
  await withServer(conf, async (srv) => {
    const a = await rawConnect(srv.port, CONNECT('a'));
    const b = await login(srv.port, 'b');
    const sub = await login(srv.port, 'a');
    try {
      assert.equal(parseInfo(a.text).max_payload, 1048576, 'INFO advertises the server limit');
      sub.send('SUB > 1\r\n');
      await sub.flush();
      a.send(pub('ok', '0123456789'));
      await a.flush();
      // Within B's (server) limit and imported into A: the account limit is on publishing only.
      b.send(pub('big', 'x'.repeat(100)));
      await flushAll([b, sub]);
      await flushAll([b, sub]);
      assert.deepEqual(
        parseMsgs(sub.text).map((m) => `${m.subject}:${m.payload.length}`),
        ['ok:10', 'big:100'],
      );
      a.clear();
      a.send(pub('ok', '0123456789X'));
      await a.waitClosed(3000);
      assert.equal(a.text, "-ERR 'Maximum Payload Violation'\r\n");
      assert.equal(parseMsgs(sub.text).length, 2, 'the oversized message was not delivered');
    } finally {
      closeAll([a, b, sub]);
    }
  });
});

test('max_payload per account applies to HPUB (headers plus payload)', async () => {
  const conf = { accounts: { A: { users: [{ user: 'a', password: 'a' }], limits: { max_payload: 16 } } } };
  await withServer(conf, async (srv) => {
    const a = await login(srv.port, 'a');
    try {
      a.send('HPUB h 12 16\r\nNATS/1.0\r\n\r\nabcd\r\n');
      await a.flush();
      assert.deepEqual(errLines(a.text), []);
      a.send('HPUB h 12 17\r\nNATS/1.0\r\n\r\nabcde\r\n');
      await a.waitClosed(3000);
      assert.deepEqual(errLines(a.text), ["-ERR 'Maximum Payload Violation'"]);
    } finally {
      closeAll([a]);
    }
  });
});
