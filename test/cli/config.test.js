// Config files as the CLI uses them: the nats.js launcher's style, values reaching
// INFO, `-t` checking, unknown and unimplemented keys, include and $VAR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { rawConnect } from '../support/raw.js';
import { freePort, runCli, tempDir } from '../support/servers.js';
import { withCli, fetchInfo, ls, natsServerSymlink, readPortsFile, spawnCli } from './_helpers.js';


function writeConf(dir, name, text) {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('a nats.js launcher style config run as `nats-server -c file` starts and writes the ports file', async () => {
  const dir = tempDir();
  const portsDir = path.join(dir, 'ports');
  mkdirSync(portsDir);
  // What nats.js's test launcher writes: whitespace/colon separated, quoted only when
  // a value starts with a digit or `$`.
  const conf = writeConf(
    dir,
    'launcher.conf',
    ['host: 127.0.0.1', 'port: -1', `ports_file_dir: "${portsDir}"`, 'http: "127.0.0.1:-1"', 'server_name: launcher_test', ''].join('\n'),
  );
  const exe = natsServerSymlink(dir);
  const proc = spawnCli(['-c', conf], { exe });
  try {
    const file = path.join(portsDir, `nats-server_${proc.pid}.ports`);
    const ports = await readPortsFile(file);
    assert.deepEqual(ls(portsDir), [`nats-server_${proc.pid}.ports`]);
    assert.ok(Array.isArray(ports.nats) && ports.nats.length === 1, JSON.stringify(ports));
    const m = /^nats:\/\/127\.0\.0\.1:(\d+)$/.exec(ports.nats[0]);
    assert.ok(m, ports.nats[0]);
    const port = Number(m[1]);
    assert.ok(port > 0);
    assert.match(proc.output(), new RegExp(`\\[INF\\] Listening for client connections on 127\\.0\\.0\\.1:${port}\\n`));
    assert.match(proc.output(), /\[INF\] Server is ready/);
    const nc = await connect({ servers: ports.nats[0] });
    try {
      assert.equal(nc.info?.server_name, 'launcher_test');
      const sub = nc.subscribe('launcher.q', { max: 1 });
      nc.publish('launcher.q', 'hi');
      for await (const msg of sub) assert.equal(msg.string(), 'hi');
    } finally {
      await nc.close();
    }
  } finally {
    await proc.kill();
  }
});

test('launcher config with unquoted host:port listen and a bare http port also starts', async () => {
  const dir = tempDir();
  // A bare port (a free one: monitoring is served now, and 8222 may be taken).
  const conf = writeConf(dir, 'listen.conf', `listen: 127.0.0.1:-1\nhttp: ${await freePort()}\nports_file_dir: "${dir}"\n`);
  await withCli(['-c', conf], async (proc, logged) => {
    const ports = await readPortsFile(path.join(dir, `main_${proc.pid}.ports`));
    assert.deepEqual(ports.nats, [`nats://127.0.0.1:${logged}`]);
    assert.equal((await fetchInfo(logged)).port, logged);
  });
});

test('max_payload and server_name from the file show in INFO', async () => {
  const dir = tempDir();
  const port = await freePort();
  const conf = writeConf(dir, 'mp.conf', `host: 127.0.0.1\nport: ${port}\nmax_payload: 2048\nserver_name: cfg_server\n`);
  await withCli(['-c', conf], async (proc) => {
    const info = await fetchInfo(port);
    assert.equal(info.max_payload, 2048);
    assert.equal(info.server_name, 'cfg_server');
    assert.match(proc.output(), /Using configuration file: .*mp\.conf/);
  });
  const port2 = await freePort();
  const conf2 = writeConf(dir, 'mp2.conf', `{\n  "host": "127.0.0.1",\n  "port": ${port2},\n  "max_payload": 512KB\n}\n`);
  await withCli(['-c', conf2], async () => {
    assert.equal((await fetchInfo(port2)).max_payload, 512 * 1024);
  });
});

test('a max_payload from the file is enforced', async () => {
  const dir = tempDir();
  const port = await freePort();
  const conf = writeConf(dir, 'enf.conf', `host: 127.0.0.1\nport: ${port}\nmax_payload: 100\n`);
  await withCli(['-c', conf], async () => {
    const c = await rawConnect(port);
    c.send(`PUB big 101\r\n${'x'.repeat(101)}\r\n`);
    await c.expect("-ERR 'Maximum Payload Violation'\r\n");
    await c.waitClosed();
  });
});

test('-t -c good.conf exits 0 saying the configuration file is valid, without starting', () => {
  const dir = tempDir();
  const conf = writeConf(dir, 'good.conf', 'port: 4222\nmax_payload: 1MB\nping_interval: "30s"\n');
  const r = runCli(['-t', '-c', conf]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /configuration file .*good\.conf is valid/);
  assert.doesNotMatch(r.stdout + r.stderr, /Server is ready/);
});

test('-t -c bad.conf with an unknown key exits non-zero naming file:line:col and the key', () => {
  const dir = tempDir();
  const conf = writeConf(dir, 'bad.conf', 'port: 4222\n  bogus_key: 1\n');
  const r = runCli(['-t', '-c', conf]);
  assert.notEqual(r.code, 0);
  assert.ok(r.stderr.includes(`${conf}:2:3`), `file:line:col in ${r.stderr}`);
  assert.ok(r.stderr.includes('unknown field "bogus_key"'), r.stderr);
  assert.doesNotMatch(r.stderr, /is valid/);
});

test('starting with an unknown key fails the same way (no -t)', () => {
  const dir = tempDir();
  const conf = writeConf(dir, 'bad2.conf', 'host: 127.0.0.1\nport: -1\nnot_a_key {\n  a: 1\n}\n');
  const r = runCli(['-c', conf]);
  assert.notEqual(r.code, 0);
  assert.ok(r.stderr.includes(`${conf}:3:1`), r.stderr);
  assert.ok(r.stderr.includes('unknown field "not_a_key"'), r.stderr);
  assert.doesNotMatch(r.stderr, /Server is ready/);
});

test('a syntax error in the file is reported with its line, in nats-server\'s words', () => {
  const dir = tempDir();
  const conf = writeConf(dir, 'syntax.conf', 'port: 4222\nfoo {\n  bar: 1\n');
  const r = runCli(['-t', '-c', conf]);
  assert.notEqual(r.code, 0);
  assert.ok(r.stderr.includes("Parse error on line 4: 'Unexpected EOF processing map.'"), r.stderr);
  assert.doesNotMatch(r.stderr, /is valid/);
});

test('a missing config file is an error', () => {
  const r = runCli(['-c', '/nonexistent/dialtone.conf']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /dialtone\.conf/);
});

test('nats-server keys that dialtone does not implement yet are refused, naming the key', () => {
  const dir = tempDir();
  const cases = [
    ['gateway', 'gateway {\n  name: c1\n  listen: 127.0.0.1:-1\n}\n'],
    ['leafnodes', 'leafnodes {}\n'],
    ['jetstream', `jetstream {\n  store_dir: "${dir}/js"\n}\n`],
    ['jetstream', 'jetstream: enabled\n'],
    ['gateway', 'gateway {\n  name: g\n}\n'],
    ['leafnodes', 'leafnodes {\n  listen: 127.0.0.1:-1\n}\n'],
    ['websocket', 'websocket {\n  port: -1\n  no_tls: true\n}\n'],
  ];
  for (const [i, [key, body]] of cases.entries()) {
    const conf = writeConf(dir, `${key}.conf`, `host: 127.0.0.1\nport: -1\n${body}`);
    // Checked with -t for every key, and by starting for the first few.
    for (const args of i < 3 ? [['-t', '-c', conf], ['-c', conf]] : [['-t', '-c', conf]]) {
      const r = runCli(args);
      assert.notEqual(r.code, 0, `${args.join(' ')} with ${key}`);
      assert.ok(r.stderr.includes(`"${key}"`), `names "${key}": ${r.stderr}`);
      assert.match(r.stderr, /not supported yet/);
      assert.ok(r.stderr.includes(`${key}.conf:3:`), `position of ${key}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr + r.stdout, /Server is ready|is valid/);
    }
  }
});

test('jetstream: disabled (or enabled: false) is accepted, since it asks for nothing missing', () => {
  const dir = tempDir();
  for (const body of ['jetstream: disabled\n', 'jetstream: false\n', 'jetstream {\n  enabled: false\n}\n']) {
    const conf = writeConf(dir, 'jsoff.conf', `port: 4222\n${body}`);
    const r = runCli(['-t', '-c', conf]);
    assert.equal(r.code, 0, `${JSON.stringify(body)}: ${r.stderr}`);
  }
});

test('include merges another file, relative to the including file', async () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'sub'));
  const port = await freePort();
  writeConf(dir, 'sub/limits.conf', 'max_payload: 4096\nserver_name: included_name\n');
  const conf = writeConf(dir, 'main.conf', `host: 127.0.0.1\nport: ${port}\ninclude ./sub/limits.conf\n`);
  // Run from another directory: the include is found next to main.conf, not in cwd.
  await withCli(['-c', conf], async () => {
    const info = await fetchInfo(port);
    assert.equal(info.max_payload, 4096);
    assert.equal(info.server_name, 'included_name');
  }, { cwd: tempDir() });
});

test('an include of a missing file is an error', () => {
  const dir = tempDir();
  const conf = writeConf(dir, 'inc.conf', 'port: 4222\ninclude "missing.conf"\n');
  const r = runCli(['-t', '-c', conf]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /missing\.conf/);
});

test('$VAR resolves from the environment (and from variables in the file)', async () => {
  const dir = tempDir();
  const port = await freePort();
  const conf = writeConf(dir, 'vars.conf', 'host: 127.0.0.1\nport: $DT_TEST_PORT\nname_var: "var_server"\nserver_name: $name_var\nmax_payload: $DT_TEST_MP\n');
  await withCli(['-c', conf], async () => {
    const info = await fetchInfo(port);
    assert.equal(info.port, port);
    assert.equal(info.server_name, 'var_server');
    assert.equal(info.max_payload, 8192);
  }, { env: { ...process.env, DT_TEST_PORT: String(port), DT_TEST_MP: '8KB' } });
});

test('an unresolved $VAR fails with nats-server\'s message', () => {
  const dir = tempDir();
  const conf = writeConf(dir, 'novar.conf', 'port: 4222\nmax_payload: $DT_SURELY_UNSET_VAR\n');
  const env = { ...process.env };
  delete env.DT_SURELY_UNSET_VAR;
  const r = runCli(['-t', '-c', conf], { env });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /variable reference for 'DT_SURELY_UNSET_VAR' on line 2 can not be found/);
});

test('bad values are refused: a malformed duration and a server name with spaces', () => {
  const dir = tempDir();
  const dur = writeConf(dir, 'dur.conf', 'ping_interval: "soon"\n');
  const r1 = runCli(['-t', '-c', dur]);
  assert.notEqual(r1.code, 0);
  assert.match(r1.stderr, /ping_interval/);
  const name = writeConf(dir, 'name.conf', 'server_name: "has space"\n');
  const r2 = runCli(['-t', '-c', name]);
  assert.notEqual(r2.code, 0);
  assert.match(r2.stderr, /server name cannot contain spaces|spaces/);
});

test('max_payload above max_pending stops startup, as nats-server does (-t only parses, as nats-server\'s does)', () => {
  const dir = tempDir();
  const conf = writeConf(dir, 'pending.conf', 'host: 127.0.0.1\nport: -1\nmax_pending: 65536\n');
  const r = runCli(['-c', conf]);
  assert.notEqual(r.code, 0, 'must not start');
  assert.match(r.stderr, /max_payload \(1048576\) cannot be higher than max_pending \(65536\)/);
  assert.doesNotMatch(r.stderr, /Server is ready/);
  // nats-server 2.9.10's -t checks the file's syntax and keys only, and calls this one valid.
  assert.equal(runCli(['-t', '-c', conf]).code, 0);
  const fine = writeConf(dir, 'pending-ok.conf', 'max_pending: 65536\nmax_payload: 65536\n');
  assert.equal(runCli(['-t', '-c', fine]).code, 0);
});
