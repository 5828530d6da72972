// The command line as nats-server's users and test launchers script it: Go `flag`
// syntax, version/help output, ports and pid files, and flags beating the config file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { freePort, runCli, tempDir } from '../support/servers.js';
import { withCli, fetchInfo, ls, natsServerSymlink, readPortsFile, settle, spawnCli } from './_helpers.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));


test('-v, --version and the "version" argument print nats-server: v<X.Y.Z> and exit 0', () => {
  for (const args of [['-v'], ['--version'], ['version'], ['-version']]) {
    const r = runCli(args);
    assert.equal(r.code, 0, `${args.join(' ')} exit code; stderr: ${r.stderr}`);
    assert.match(r.stdout, /^nats-server: v\d+\.\d+\.\d+\n$/, `${args.join(' ')} stdout`);
  }
});

test('-h, --help and the "help" argument print a usage naming dialtone and its version, exit 0', () => {
  for (const args of [['-h'], ['--help'], ['help']]) {
    const r = runCli(args);
    assert.equal(r.code, 0, `${args.join(' ')} exit code`);
    const text = r.stdout + r.stderr;
    assert.match(text, /dialtone/i, 'mentions dialtone');
    assert.ok(text.includes(pkg.version), `mentions version ${pkg.version}`);
    assert.match(text, /Usage:/);
    assert.match(text, /--port/);
  }
});

test('an unknown flag exits 2 with Go flag\'s message', () => {
  for (const [args, name] of [[['-x'], 'x'], [['--bogus'], 'bogus'], [['--bogus=1'], 'bogus'], [['-p', '4222', '-zz'], 'zz']]) {
    const r = runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')} exit code`);
    assert.ok(r.stderr.includes(`flag provided but not defined: -${name}`), `stderr for ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout.includes('nats-server: v'), false);
  }
});

test('a flag that needs a value and has none, or a malformed integer, is a usage error', () => {
  const missing = runCli(['-p']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /flag needs an argument: -p/);
  const badInt = runCli(['-p', 'abc']);
  assert.equal(badInt.code, 2);
  assert.match(badInt.stderr, /invalid value "abc" for flag -p/);
});

test('-p, --port, -p=N and --port=N all set the client port', async () => {
  for (const form of ['-p N', '--port N', '-p=N', '--port=N', '-port N']) {
    const port = await freePort();
    const args = ['-a', '127.0.0.1', ...form.replace('N', String(port)).split(' ')];
    await withCli(args, async (proc, logged) => {
      assert.equal(logged, port, `${form}: Listening line port`);
      const info = await fetchInfo(port);
      assert.equal(info.port, port, `${form}: INFO port`);
    });
  }
});

test('-a sets the bind address shown in the log and in INFO', async () => {
  const port = await freePort();
  await withCli(['-a', '127.0.0.1', '-p', String(port)], async (proc) => {
    assert.match(proc.output(), new RegExp(`\\[INF\\] Listening for client connections on 127\\.0\\.0\\.1:${port}\\n`));
    const info = await fetchInfo(port);
    assert.equal(info.host, '127.0.0.1');
  });
  const port2 = await freePort();
  await withCli(['--addr=127.0.0.1', `--port=${port2}`], async () => {
    assert.equal((await fetchInfo(port2)).host, '127.0.0.1');
  });
});

test('-n / --server_name / --name set INFO server_name', async () => {
  for (const [flag, name] of [['-n', 'dt-one'], ['--server_name', 'dt-two'], ['--name', 'dt-three']]) {
    const port = await freePort();
    await withCli(['-a', '127.0.0.1', '-p', String(port), flag, name], async (proc) => {
      const info = await fetchInfo(port);
      assert.equal(info.server_name, name, `${flag}`);
      assert.notEqual(info.server_id, name);
      assert.match(proc.output(), new RegExp(`Name:\\s+${name}`));
    });
  }
});

test('without -n the server_name defaults to the server id', async () => {
  const port = await freePort();
  await withCli(['-a', '127.0.0.1', '-p', String(port)], async () => {
    const info = await fetchInfo(port);
    assert.match(info.server_id, /^N[A-Z2-7]{55}$/);
    assert.equal(info.server_name, info.server_id);
  });
});

test('-p -1 picks a random port, announced in the ports file', async () => {
  const dir = tempDir();
  await withCli(['-a', '127.0.0.1', '-p', '-1', '--ports_file_dir', dir], async (proc, logged) => {
    const file = path.join(dir, `main_${proc.pid}.ports`);
    const ports = await readPortsFile(file);
    assert.ok(Array.isArray(ports.nats) && ports.nats.length === 1, JSON.stringify(ports));
    const m = /^nats:\/\/127\.0\.0\.1:(\d+)$/.exec(ports.nats[0]);
    assert.ok(m, ports.nats[0]);
    const port = Number(m[1]);
    assert.ok(port > 0 && port !== 4222, `random port ${port}`);
    assert.equal(logged, port, 'ports file and Listening line agree');
    const nc = await connect({ servers: ports.nats[0] });
    try {
      await nc.flush();
    } finally {
      await nc.close();
    }
  });
});

test('--ports_file_dir writes <dir>/main_<pid>.ports with {"nats":[url]} and removes it on shutdown', async () => {
  const dir = tempDir();
  const port = await freePort();
  const proc = spawnCli(['-a', '127.0.0.1', '-p', String(port), '--ports_file_dir', dir]);
  try {
    await proc.ready();
    const file = path.join(dir, `main_${proc.pid}.ports`);
    const ports = await readPortsFile(file);
    assert.deepEqual(ports, { nats: [`nats://127.0.0.1:${port}`] });
    assert.deepEqual(ls(dir), [`main_${proc.pid}.ports`]);
    await settle();
    const { code } = await proc.stop('SIGINT');
    assert.equal(code, 0);
    assert.equal(existsSync(file), false, 'ports file removed on shutdown');
  } finally {
    await proc.kill();
  }
});

test('run through a symlink named nats-server, the ports file is nats-server_<pid>.ports of the spawned process', async () => {
  const dir = tempDir();
  const portsDir = path.join(dir, 'ports');
  mkdirSync(portsDir);
  const exe = natsServerSymlink(dir);
  const proc = spawnCli(['-a', '127.0.0.1', '-p', '-1', '--ports_file_dir', portsDir], { exe });
  try {
    const logged = await proc.ready();
    const file = path.join(portsDir, `nats-server_${proc.pid}.ports`);
    const ports = await readPortsFile(file);
    assert.deepEqual(ls(portsDir), [`nats-server_${proc.pid}.ports`]);
    assert.deepEqual(ports, { nats: [`nats://127.0.0.1:${logged}`] });
    // The log lines carry the same pid: the spawned process is the server itself.
    assert.match(proc.output(), new RegExp(`^\\[${proc.pid}\\] `, 'm'));
    const info = await fetchInfo(logged);
    assert.equal(info.port, logged);
    await settle();
    const { code } = await proc.stop('SIGTERM');
    assert.equal(code, 0);
    assert.equal(existsSync(file), false);
  } finally {
    await proc.kill();
  }
});

test('-P writes the pid file with the process id and removes it on shutdown', async () => {
  const dir = tempDir();
  for (const flag of ['-P', '--pid']) {
    const pidFile = path.join(dir, `server${flag}.pid`);
    const port = await freePort();
    const proc = spawnCli(['-a', '127.0.0.1', '-p', String(port), flag, pidFile]);
    try {
      await proc.ready();
      assert.equal(readFileSync(pidFile, 'utf8').trim(), String(proc.pid), `${flag} content`);
      await settle();
      const { code } = await proc.stop('SIGINT');
      assert.equal(code, 0);
      assert.equal(existsSync(pidFile), false, `${flag} file removed`);
    } finally {
      await proc.kill();
    }
  }
});

test('a port already in use makes the CLI exit non-zero with an error', async () => {
  const port = await freePort();
  await withCli(['-a', '127.0.0.1', '-p', String(port)], async () => {
    const second = spawnCli(['-a', '127.0.0.1', '-p', String(port)]);
    try {
      const { code } = await second.exited;
      assert.notEqual(code, 0);
      assert.match(second.output(), /\[(FTL|ERR)\].*(listen|port)/i);
    } finally {
      await second.kill();
    }
  });
});

test('flags nats-server has but dialtone does not implement yet are refused with a clear message', () => {
  const cases = [
    ['-js'],
    ['--jetstream'],
    ['-sd=/tmp/x'],
    ['--syslog'],
    ['--profile', '6060'],
  ];
  for (const args of cases) {
    const r = runCli(['-a', '127.0.0.1', '-p', '-1', ...args]);
    assert.notEqual(r.code, 0, `${args.join(' ')} must not start`);
    assert.equal(r.code !== null, true, `${args.join(' ')} exited on its own`);
    assert.match(r.stderr, /not supported yet/, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr + r.stdout, /Server is ready/);
  }
});

test('-p on the command line beats port: in the config file', async () => {
  const dir = tempDir();
  const filePort = await freePort();
  const flagPort = await freePort();
  const conf = path.join(dir, 'p.conf');
  writeFileSync(conf, `host: 127.0.0.1\nport: ${filePort}\n`);
  await withCli(['-c', conf, '-p', String(flagPort)], async (proc, logged) => {
    assert.equal(logged, flagPort);
    assert.equal((await fetchInfo(flagPort)).port, flagPort);
  });
});

test('-a 127.0.0.1 beats net: 0.0.0.0 in the config file', async () => {
  const dir = tempDir();
  const port = await freePort();
  const conf = path.join(dir, 'net.conf');
  writeFileSync(conf, `net: "0.0.0.0"\nport: ${port}\nserver_name: from_file\n`);
  await withCli(['-c', conf, '-a', '127.0.0.1', '-n', 'from_flag'], async (proc) => {
    assert.match(proc.output(), new RegExp(`Listening for client connections on 127\\.0\\.0\\.1:${port}\\n`));
    const info = await fetchInfo(port);
    assert.equal(info.host, '127.0.0.1');
    assert.equal(info.server_name, 'from_flag', '-n beats server_name in the file');
  });
});

test('settings only in the config file still apply when flags set others', async () => {
  const dir = tempDir();
  const port = await freePort();
  const conf = path.join(dir, 'mix.conf');
  writeFileSync(conf, 'max_payload: 12345\nserver_name: filename\n');
  await withCli(['-c', conf, '-a', '127.0.0.1', '-p', String(port)], async () => {
    const info = await fetchInfo(port);
    assert.equal(info.max_payload, 12345);
    assert.equal(info.server_name, 'filename');
  });
});
