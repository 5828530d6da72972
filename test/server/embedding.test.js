// The embedding API: startServer() in a Node process, its url and port, clean close()
// that leaves no handles behind, isolation between servers, config files and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { startServer, Server, NATS_COMPAT_VERSION } from '../../dist/index.js';
import { parseInfo, rawConnect } from '../support/raw.js';
import { runScript, tempDir } from '../support/servers.js';

const distIndex = JSON.stringify(new URL('../../dist/index.js', import.meta.url).href);
const transport = JSON.stringify(import.meta.resolve('@nats-io/transport-node'));

test('startServer({port: 0}) resolves with a numeric port and a nats:// url that clients connect to', async () => {
  const srv = await startServer({ port: 0 });
  try {
    assert.equal(typeof srv.port, 'number');
    assert.ok(Number.isInteger(srv.port) && srv.port > 0);
    assert.equal(srv.url, `nats://127.0.0.1:${srv.port}`);
    assert.ok(srv.server instanceof Server);
    const nc = await connect({ servers: srv.url });
    try {
      assert.equal(nc.info?.port, srv.port);
      assert.equal(nc.info?.version, NATS_COMPAT_VERSION);
      const sub = nc.subscribe('embed.hello', { max: 1 });
      nc.publish('embed.hello', 'world');
      for await (const m of sub) assert.equal(m.string(), 'world');
    } finally {
      await nc.close();
    }
  } finally {
    await srv.close();
  }
});

test('startServer() with no options binds 127.0.0.1 on a free port', async () => {
  const a = await startServer();
  const b = await startServer();
  try {
    assert.notEqual(a.port, 4222);
    assert.notEqual(a.port, b.port);
    const c = await rawConnect(a.port, null);
    assert.equal(parseInfo(c.text).host, '127.0.0.1');
    c.close();
  } finally {
    await a.close();
    await b.close();
  }
});

test('close() resolves, stops listening and closes connected clients', async () => {
  const srv = await startServer({ port: 0 });
  const c = await rawConnect(srv.port);
  await c.flush();
  await srv.close();
  await c.waitClosed();
  const err = await new Promise((resolve) => {
    const s = net.connect(srv.port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(null);
    });
    s.once('error', resolve);
  });
  assert.equal(err?.code, 'ECONNREFUSED', 'nothing listens after close()');
});

test('calling close() twice (even concurrently) is safe', async () => {
  const srv = await startServer({ port: 0 });
  const nc = await connect({ servers: srv.url, reconnect: false });
  const [r1, r2] = await Promise.all([srv.close(), srv.close()]);
  assert.equal(r1, undefined);
  assert.equal(r2, undefined);
  await srv.close();
  await nc.closed();
  assert.equal(nc.isClosed(), true);
});

test('after close() the process has no open handles: a script that embeds a server exits on its own', async () => {
  const source = `
    import { startServer } from ${distIndex};
    import { connect } from ${transport};
    const srv = await startServer({ port: 0, ping_interval: '2m', write_deadline: '10s', lame_duck_duration: '2m' });
    const nc = await connect({ servers: srv.url });
    const sub = nc.subscribe('x', { max: 1 });
    nc.publish('x', 'y');
    for await (const m of sub) if (m.string() !== 'y') process.exit(3);
    const raw = (await import('node:net')).connect(srv.port, '127.0.0.1');
    await new Promise((r) => raw.once('data', r));
    raw.write('CONNECT {}\\r\\nSUB a 1\\r\\n');
    await nc.close();
    await srv.close();
    raw.destroy();
    console.log('closed');
  `;
  const r = await runScript(source, 8000);
  assert.equal(r.timedOut, false, `the process did not exit on its own within 8s (something keeps it alive); output: ${r.out}`);
  assert.equal(r.signal, null);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /closed/);
});

test('a server closed with clients still connected leaves no handles behind either', async () => {
  const source = `
    import { startServer } from ${distIndex};
    import net from 'node:net';
    const srv = await startServer({ port: 0 });
    const sockets = [];
    for (let i = 0; i < 3; i++) {
      const s = net.connect(srv.port, '127.0.0.1');
      s.on('error', () => {});
      await new Promise((r) => s.once('data', r));
      s.write('CONNECT {}\\r\\nSUB foo 1\\r\\nPING\\r\\n');
      sockets.push(s);
    }
    await srv.close();
    await Promise.all(sockets.map((s) => new Promise((r) => (s.destroyed ? r() : s.once('close', r)))));
    console.log('closed');
  `;
  const r = await runScript(source, 8000);
  assert.equal(r.timedOut, false, `the process did not exit on its own; output: ${r.out}`);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /closed/);
});

test('two servers in one process are isolated', async () => {
  const a = await startServer({ port: 0, server_name: 'alpha' });
  const b = await startServer({ port: 0, server_name: 'beta', max_payload: 4096 });
  const ncA = await connect({ servers: a.url });
  const ncB = await connect({ servers: b.url });
  try {
    assert.notEqual(a.port, b.port);
    assert.equal(ncA.info?.server_name, 'alpha');
    assert.equal(ncB.info?.server_name, 'beta');
    assert.notEqual(ncA.info?.server_id, ncB.info?.server_id);
    assert.equal(ncA.info?.max_payload, 1024 * 1024);
    assert.equal(ncB.info?.max_payload, 4096);

    const gotA = [];
    const gotB = [];
    const subA = ncA.subscribe('iso.>', { callback: (_e, m) => gotA.push(m.string()) });
    const subB = ncB.subscribe('iso.>', { callback: (_e, m) => gotB.push(m.string()) });
    await ncA.flush();
    await ncB.flush();
    ncA.publish('iso.x', 'from-a');
    ncB.publish('iso.x', 'from-b');
    await ncA.flush();
    await ncB.flush();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(gotA, ['from-a']);
    assert.deepEqual(gotB, ['from-b']);
    subA.unsubscribe();
    subB.unsubscribe();

    // Closing one leaves the other serving.
    await ncA.close();
    await a.close();
    const rtt = await ncB.rtt();
    assert.ok(rtt >= 0);
    assert.equal(b.server.clients.size, 1);
  } finally {
    await ncA.close();
    await ncB.close();
    await a.close();
    await b.close();
  }
});

test('startServer({configFile}) reads a nats-server config file; given fields override it', async () => {
  const dir = tempDir();
  const conf = path.join(dir, 'embed.conf');
  writeFileSync(conf, 'host: 127.0.0.1\nport: -1\nserver_name: from_file\nmax_payload: 2048\nping_interval: "30s"\n');
  const srv = await startServer({ configFile: conf });
  try {
    const c = await rawConnect(srv.port, null);
    const info = parseInfo(c.text);
    assert.equal(info.server_name, 'from_file');
    assert.equal(info.max_payload, 2048);
    assert.equal(srv.server.options.pingInterval, 30000);
    c.close();
  } finally {
    await srv.close();
  }
  const over = await startServer({ configFile: conf, max_payload: 4096 });
  try {
    const c = await rawConnect(over.port, null);
    const info = parseInfo(c.text);
    assert.equal(info.max_payload, 4096, 'the field given in code wins');
    assert.equal(info.server_name, 'from_file', 'the rest still comes from the file');
    c.close();
  } finally {
    await over.close();
  }
});

/** startServer must reject; if it resolves instead, close what it started and fail. */
async function expectReject(options, pattern) {
  let started;
  try {
    await assert.rejects(
      (async () => {
        started = await startServer(options);
      })(),
      pattern,
    );
  } finally {
    await started?.close();
  }
}

test('startServer rejects clearly for an unknown key', async () => {
  await expectReject({ port: 0, bogus_setting: 1 }, (err) => {
    assert.match(err.message, /unknown field "bogus_setting"/);
    return true;
  });
});

test('startServer treats keys set to undefined as not set, at any depth', async () => {
  const srv = await startServer({ port: 0, max_payload: undefined, cluster: { name: 'c', listen: '127.0.0.1:-1', routes: undefined } });
  try {
    assert.equal(srv.server.options.maxPayload, 1024 * 1024);
    assert.equal(srv.server.options.cluster.routes.length, 0);
  } finally {
    await srv.close();
  }
});

test('startServer rejects clearly for a nats-server key that is not implemented yet', async () => {
  for (const [key, value] of [
    ['jetstream', { store_dir: '/tmp/x' }],
    ['leafnodes', { listen: '127.0.0.1:-1' }],
    ['gateway', { name: 'g' }],
  ]) {
    await expectReject({ port: 0, [key]: value }, (err) => {
      assert.ok(err.message.includes(`"${key}"`), err.message);
      assert.match(err.message, /not supported yet/);
      return true;
    });
  }
});

test('startServer rejects for a bad config file, naming the file, line and key', async () => {
  const dir = tempDir();
  const conf = path.join(dir, 'bad.conf');
  writeFileSync(conf, 'port: -1\nwat: 1\n');
  await expectReject({ configFile: conf }, (err) => {
    assert.ok(err.message.includes(`${conf}:2:`), err.message);
    assert.match(err.message, /unknown field "wat"/);
    return true;
  });
  await expectReject({ configFile: path.join(dir, 'missing.conf') }, /missing\.conf/);
});

test('startServer rejects when the port is taken, leaving nothing running', async () => {
  const a = await startServer({ port: 0 });
  try {
    await expectReject({ port: a.port }, /EADDRINUSE|in use/i);
  } finally {
    await a.close();
  }
  const source = `
    import { startServer } from ${distIndex};
    const a = await startServer({ port: 0 });
    try { await startServer({ port: a.port }); console.log('unexpected'); } catch { console.log('rejected'); }
    await a.close();
  `;
  const r = await runScript(source, 8000);
  assert.equal(r.timedOut, false, `a failed start left a handle open; output: ${r.out}`);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /rejected/);
});

test('bad values are rejected: a malformed duration, a server name with spaces', async () => {
  await expectReject({ port: 0, ping_interval: 'sometime' }, /ping_interval/);
  await expectReject({ port: 0, server_name: 'a b' }, /spaces/);
});

test('the embedded server is silent by default and logs in nats-server format with logger: true', async () => {
  const source = `
    import { startServer } from ${distIndex};
    const quiet = await startServer({ port: 0 });
    await quiet.close();
    console.log('---');
    const loud = await startServer({ port: 0, logger: true });
    await loud.close();
  `;
  const r = await runScript(source, 8000);
  assert.equal(r.code, 0, r.out);
  const [before, after] = r.out.split('---\n');
  assert.equal(before, '', 'nothing logged by default');
  assert.match(after, /^\[\d+\] \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\.\d{6} \[INF\] Server is ready$/m);
  assert.match(after, /\[INF\] Listening for client connections on 127\.0\.0\.1:\d+$/m);
});

test('a custom logger receives the lines', async () => {
  const lines = [];
  const logger = {
    debugEnabled: false,
    traceEnabled: false,
    info: (m) => lines.push(`INF ${m}`),
    warn: (m) => lines.push(`WRN ${m}`),
    error: (m) => lines.push(`ERR ${m}`),
    fatal: (m) => lines.push(`FTL ${m}`),
    debug: () => {},
    trace: () => {},
  };
  const srv = await startServer({ port: 0, logger });
  await srv.close();
  assert.ok(lines.includes(`INF Listening for client connections on 127.0.0.1:${srv.port}`), lines.join('\n'));
  assert.ok(lines.includes('INF Server is ready'));
  assert.ok(lines.includes('INF Server Exiting..'));
});
