// Signals on the CLI process, as launchers use them: SIGINT/SIGTERM stop cleanly,
// SIGHUP reloads the config file, SIGUSR2 enters lame duck mode, --signal sends them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseInfo, rawConnect } from '../support/raw.js';
import { runCli, tempDir, waitFor } from '../support/servers.js';
import { connectRefused, fetchInfo, readPortsFile, settle, spawnCli, withTimeout } from './_helpers.js';

function writeConf(file, lines) {
  writeFileSync(file, lines.join('\n') + '\n');
}

/** Starts the CLI with a config, a pid file and a ports dir; returns the process and paths. */
async function startWithFiles(extraConf = [], extraArgs = []) {
  const dir = tempDir();
  const conf = path.join(dir, 'server.conf');
  const pidFile = path.join(dir, 'server.pid');
  writeConf(conf, ['host: 127.0.0.1', 'port: -1', `ports_file_dir: "${dir}"`, `pidfile: "${pidFile}"`, ...extraConf]);
  const proc = spawnCli(['-c', conf, ...extraArgs]);
  const port = await proc.ready();
  const portsFile = path.join(dir, `main_${proc.pid}.ports`);
  await readPortsFile(portsFile);
  return { proc, port, dir, conf, pidFile, portsFile };
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  test(`${signal} shuts down cleanly: exit 0, "Server Exiting..", ports and pid files removed`, async () => {
    const s = await startWithFiles();
    try {
      assert.ok(existsSync(s.pidFile) && existsSync(s.portsFile));
      const client = await rawConnect(s.port);
      await client.flush();
      await settle();
      const { code, signal: sig } = await s.proc.stop(signal);
      assert.equal(sig, null, `not killed by the signal`);
      assert.equal(code, 0);
      assert.match(s.proc.output(), /\[INF\] Server Exiting\.\.\n/);
      assert.equal(existsSync(s.pidFile), false, 'pid file removed');
      assert.equal(existsSync(s.portsFile), false, 'ports file removed');
      await client.waitClosed();
      assert.equal(await connectRefused(s.port), true, 'nothing listens any more');
    } finally {
      await s.proc.kill();
    }
  });
}

test('SIGINT sent as soon as "Server is ready" is logged still exits cleanly (handlers are in place by then)', async () => {
  // Launchers wait for the ready line (or the ports file) and may stop the server at once.
  const results = [];
  for (let i = 0; i < 8; i++) {
    const proc = spawnCli(['-a', '127.0.0.1', '-p', '-1']);
    try {
      await proc.ready();
      results.push(await proc.stop('SIGINT'));
    } finally {
      await proc.kill();
    }
  }
  assert.deepEqual(
    results,
    results.map(() => ({ code: 0, signal: null })),
    'every run exits 0 on its own rather than being killed by SIGINT',
  );
});

test('SIGHUP reloads the config file: a new connection sees the new max_payload', async () => {
  const s = await startWithFiles(['max_payload: 1000']);
  try {
    assert.equal((await fetchInfo(s.port)).max_payload, 1000);
    const old = await rawConnect(s.port);
    await old.flush();
    writeConf(s.conf, ['host: 127.0.0.1', 'port: -1', `ports_file_dir: "${s.dir}"`, `pidfile: "${s.pidFile}"`, 'max_payload: 2000']);
    await settle();
    s.proc.child.kill('SIGHUP');
    await s.proc.waitOutput(/\[INF\] Reloaded server configuration/);
    assert.equal(s.proc.running, true, 'still running after SIGHUP');
    assert.equal((await fetchInfo(s.port)).max_payload, 2000);
    // The existing connection survives the reload.
    await old.flush();
    assert.equal(old.closed, false);
    old.close();
  } finally {
    await s.proc.kill();
  }
});

test('SIGHUP turns on protocol tracing for connections that are already open', async () => {
  const s = await startWithFiles([]);
  try {
    const client = await rawConnect(s.port);
    await client.flush();
    assert.doesNotMatch(s.proc.output(), /\[TRC\]/);
    writeConf(s.conf, ['host: 127.0.0.1', 'port: -1', `ports_file_dir: "${s.dir}"`, `pidfile: "${s.pidFile}"`, 'trace: true']);
    await settle();
    s.proc.child.kill('SIGHUP');
    await s.proc.waitOutput(/\[INF\] Reloaded server configuration/);
    client.send('SUB traced.subject 7\r\n');
    await client.flush();
    await s.proc.waitOutput(/\[TRC\] .* - <<- \[SUB traced\.subject 7\]/);
    client.close();
  } finally {
    await s.proc.kill();
  }
});

test('SIGHUP with a broken config file logs an error and keeps serving with the old settings', async () => {
  const s = await startWithFiles(['max_payload: 1500']);
  try {
    const old = await rawConnect(s.port);
    await old.flush();
    writeConf(s.conf, ['host: 127.0.0.1', 'port: -1', 'max_payload: 3000', 'no_such_setting: true']);
    await settle();
    s.proc.child.kill('SIGHUP');
    await s.proc.waitOutput(/\[ERR\] .*no_such_setting/);
    assert.doesNotMatch(s.proc.output(), /Reloaded server configuration/);
    assert.equal(s.proc.running, true);
    assert.equal((await fetchInfo(s.port)).max_payload, 1500, 'old settings kept');
    await old.flush();
    assert.equal(old.closed, false);
    // A syntax error is survived too.
    writeFileSync(s.conf, 'port: -1\nbroken {\n');
    s.proc.child.kill('SIGHUP');
    await s.proc.waitOutput(/\[ERR\][^\n]*\n[\s\S]*\[ERR\]/);
    assert.equal(s.proc.running, true);
    assert.equal((await fetchInfo(s.port)).max_payload, 1500);
    old.close();
    // It still stops cleanly afterwards.
    const { code } = await s.proc.stop('SIGINT');
    assert.equal(code, 0);
  } finally {
    await s.proc.kill();
  }
});

test('SIGHUP with a changed port is refused as not reloadable; nothing from that file is applied', async () => {
  const s = await startWithFiles(['max_payload: 1000']);
  try {
    writeConf(s.conf, ['host: 127.0.0.1', `port: ${s.port + 1}`, `ports_file_dir: "${s.dir}"`, `pidfile: "${s.pidFile}"`, 'max_payload: 2000']);
    await settle();
    s.proc.child.kill('SIGHUP');
    await s.proc.waitOutput(/\[ERR\] Failed to reload server configuration/, 3000);
    assert.match(s.proc.output(), new RegExp(`\\[ERR\\] Failed to reload server configuration: config reload not supported for Port: old=-1, new=${s.port + 1}\\n`));
    assert.equal(s.proc.running, true);
    assert.equal((await fetchInfo(s.port)).max_payload, 1000, 'the whole reload is rejected');
    assert.doesNotMatch(s.proc.output(), /Reloaded server configuration/);
  } finally {
    await s.proc.kill();
  }
});

test('SIGHUP without a config file logs nats-server\'s error and keeps running', async () => {
  const proc = spawnCli(['-a', '127.0.0.1', '-p', '-1']);
  try {
    const port = await proc.ready();
    await settle();
    proc.child.kill('SIGHUP');
    await proc.waitOutput(/\[ERR\] Failed to reload server configuration/, 3000);
    assert.match(proc.output(), /\[ERR\] Failed to reload server configuration: can only reload config when a file is provided using -c or --config\n/);
    assert.equal(proc.running, true);
    assert.equal((await fetchInfo(port)).port, port);
  } finally {
    await proc.kill();
  }
});

test('SIGUSR1 (reopen log) does not stop the server', async () => {
  const proc = spawnCli(['-a', '127.0.0.1', '-p', '-1']);
  try {
    const port = await proc.ready();
    await settle();
    proc.child.kill('SIGUSR1');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(proc.running, true);
    assert.equal((await fetchInfo(port)).port, port);
  } finally {
    await proc.kill();
  }
});

test('--signal reload=<pidfile> makes a running server reload its config', async () => {
  const s = await startWithFiles(['max_payload: 1111']);
  try {
    assert.equal((await fetchInfo(s.port)).max_payload, 1111);
    writeConf(s.conf, ['host: 127.0.0.1', 'port: -1', `ports_file_dir: "${s.dir}"`, `pidfile: "${s.pidFile}"`, 'max_payload: 2222']);
    await settle();
    const r = runCli(['--signal', `reload=${s.pidFile}`]);
    assert.equal(r.code, 0, r.stderr);
    await s.proc.waitOutput(/\[INF\] Reloaded server configuration/);
    assert.equal((await fetchInfo(s.port)).max_payload, 2222);
    // -sl with a pid number works too.
    writeConf(s.conf, ['host: 127.0.0.1', 'port: -1', `ports_file_dir: "${s.dir}"`, `pidfile: "${s.pidFile}"`, 'max_payload: 3333']);
    const r2 = runCli(['-sl', `reload=${s.proc.pid}`]);
    assert.equal(r2.code, 0, r2.stderr);
    await waitFor(async () => (await fetchInfo(s.port)).max_payload === 3333, 5000);
    assert.equal(s.proc.running, true);
  } finally {
    await s.proc.kill();
  }
});

test('--signal quit=<pidfile> stops a running server cleanly', async () => {
  const s = await startWithFiles();
  try {
    await settle();
    const r = runCli(['--signal', `quit=${s.pidFile}`]);
    assert.equal(r.code, 0, r.stderr);
    const { code } = await withTimeout(s.proc.exited, 8000, 'exit');
    assert.equal(code, 0);
    assert.match(s.proc.output(), /Server Exiting\.\./);
    assert.equal(existsSync(s.pidFile), false);
  } finally {
    await s.proc.kill();
  }
});

test('--signal with an unknown command or an unreadable pid file fails', () => {
  const bad = runCli(['--signal', 'explode=1']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /explode/);
  const missing = runCli(['--signal', 'reload=/nonexistent/dir/server.pid']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /server\.pid/);
});

test('SIGUSR2 lame duck: stops accepting, INFO ldm to protocol-1 clients, closes clients after the grace period, exits 0', async () => {
  const s = await startWithFiles(['lame_duck_duration: "2s"', 'lame_duck_grace_period: "500ms"']);
  try {
    const modern = await rawConnect(s.port, { verbose: false, pedantic: false, protocol: 1 });
    await modern.flush();
    const legacy = await rawConnect(s.port, { verbose: false, pedantic: false, protocol: 0 });
    await legacy.flush();
    const serverId = parseInfo(modern.text).server_id;
    modern.clear();
    legacy.clear();
    await settle();
    const t0 = Date.now();
    s.proc.child.kill('SIGUSR2');

    // The protocol-1 client is told, with an async INFO carrying ldm:true.
    await modern.expect(/INFO \{.*"ldm":true.*\} ?\r\n/, 2000);
    const info = JSON.parse(/INFO (\{.*\}) ?\r\n/.exec(modern.text)[1]);
    assert.equal(info.ldm, true);
    assert.equal(info.server_id, serverId);

    // The listener stops accepting.
    await s.proc.waitOutput(/lame duck/i, 2000);
    assert.equal(await connectRefused(s.port), true, 'new connections are refused in lame duck mode');

    // Existing clients keep working during the grace period.
    await modern.flush(400);
    assert.equal(modern.closed, false);

    // Then they are closed: not before the grace period, well within the duration.
    await modern.waitClosed(4000);
    await legacy.waitClosed(4000);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 450, `clients closed after ${elapsed}ms, before the 500ms grace period`);
    assert.doesNotMatch(legacy.text, /"ldm":true/, 'a protocol-0 client gets no async INFO');

    const { code, signal } = await withTimeout(s.proc.exited, 6000, 'exit after lame duck');
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 5000, 'the process exits within about the lame duck duration');
    assert.equal(existsSync(s.portsFile), false, 'ports file removed');
    assert.equal(existsSync(s.pidFile), false, 'pid file removed');
  } finally {
    await s.proc.kill();
  }
});

test('--signal ldm=<pidfile> puts the server in lame duck mode', async () => {
  const s = await startWithFiles(['lame_duck_duration: "1s"', 'lame_duck_grace_period: "200ms"']);
  try {
    const c = await rawConnect(s.port, { verbose: false, pedantic: false, protocol: 1 });
    await c.flush();
    await settle();
    const r = runCli(['--signal', `ldm=${s.pidFile}`]);
    assert.equal(r.code, 0, r.stderr);
    await c.expect(/"ldm":true/, 2000);
    await c.waitClosed(3000);
    const { code } = await withTimeout(s.proc.exited, 5000, 'exit');
    assert.equal(code, 0);
  } finally {
    await s.proc.kill();
  }
});

test('lame duck mode with no clients exits promptly', async () => {
  const s = await startWithFiles(['lame_duck_duration: "30s"', 'lame_duck_grace_period: "10s"']);
  try {
    await settle();
    const t0 = Date.now();
    s.proc.child.kill('SIGUSR2');
    const { code } = await withTimeout(s.proc.exited, 5000, 'exit');
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 5000);
  } finally {
    await s.proc.kill();
  }
});
