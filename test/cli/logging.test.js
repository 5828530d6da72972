// Log output of the CLI in nats-server's format: `[pid] YYYY/MM/DD HH:MM:SS.micro [LVL] text`,
// -D debug lines, -V protocol trace lines, -l log file, -T=false without timestamps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { rawConnect } from '../support/raw.js';
import { freePort, tempDir, waitFor } from '../support/servers.js';
import { LOG_LINE, spawnCli } from './_helpers.js';

async function withCli(args, fn) {
  const proc = spawnCli(args);
  try {
    const port = await proc.ready();
    return await fn(proc, port);
  } finally {
    await proc.kill();
  }
}

/** Connects a raw client, does a little protocol work and disconnects. */
async function exercise(port) {
  const c = await rawConnect(port, { verbose: false, pedantic: false, name: 'logtest' });
  c.send('SUB log.test 1\r\nPUB log.test 5\r\nhello\r\n');
  await c.flush();
  await c.expect('MSG log.test 1 5\r\nhello\r\n');
  c.close();
  await c.waitClosed();
}

test('startup lines follow nats-server\'s format with the process id and microsecond timestamps', async () => {
  const port = await freePort();
  await withCli(['-a', '127.0.0.1', '-p', String(port)], async (proc) => {
    const lines = proc.output().trimEnd().split('\n');
    assert.ok(lines.length >= 3, proc.output());
    for (const line of lines) {
      const m = LOG_LINE.exec(line);
      assert.ok(m, `line not in nats-server format: ${JSON.stringify(line)}`);
      assert.equal(Number(m[1]), proc.pid, 'pid prefix is the server process id');
    }
    const listening = lines.find((l) => l.includes('Listening for client connections'));
    assert.match(listening, new RegExp(`^\\[${proc.pid}\\] \\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{6} \\[INF\\] Listening for client connections on 127\\.0\\.0\\.1:${port}$`));
    const readyIdx = lines.findIndex((l) => /\[INF\] Server is ready$/.test(l));
    assert.ok(readyIdx > lines.indexOf(listening), 'Server is ready comes after Listening');
    assert.ok(lines.some((l) => /\[INF\] Starting nats-server$/.test(l)));
    assert.ok(lines.some((l) => /\[INF\]   Version:  \d+\.\d+\.\d+/.test(l)));
    // The date part is today's local date.
    const d = new Date();
    const today = `${d.getFullYear()}/${String(d.getMonth() + 1).padStart(2, '0')}/${String(d.getDate()).padStart(2, '0')}`;
    assert.equal(LOG_LINE.exec(listening)[2].slice(0, 10), today);
  });
});

test('log timestamps never go backwards (the microsecond digits are real time)', async () => {
  const port = await freePort();
  await withCli(['-a', '127.0.0.1', '-p', String(port), '-DV'], async (proc) => {
    // A burst of protocol work: hundreds of trace lines within a few milliseconds.
    const c = await rawConnect(port, { verbose: false, pedantic: false });
    c.send('PING\r\n'.repeat(300));
    await c.waitUntil((t) => (t.match(/PONG\r\n/g) ?? []).length >= 300, 5000, '300 PONGs');
    c.close();
    await proc.waitOutput(/Client connection closed/);
    const stamps = proc
      .output()
      .trimEnd()
      .split('\n')
      .map((l) => LOG_LINE.exec(l)?.[2])
      .filter(Boolean);
    assert.ok(stamps.length >= 600, `enough lines: ${stamps.length}`);
    for (let i = 1; i < stamps.length; i++) {
      assert.ok(stamps[i] >= stamps[i - 1], `timestamp went backwards at line ${i}: ${stamps[i - 1]} then ${stamps[i]}`);
    }
  });
});

test('-T=false drops the timestamp: `[pid] [INF] text`', async () => {
  const port = await freePort();
  await withCli(['-a', '127.0.0.1', '-p', String(port), '-T=false'], async (proc) => {
    const out = proc.output();
    assert.match(out, new RegExp(`^\\[${proc.pid}\\] \\[INF\\] Server is ready$`, 'm'));
    assert.match(out, new RegExp(`^\\[${proc.pid}\\] \\[INF\\] Listening for client connections on 127\\.0\\.0\\.1:${port}$`, 'm'));
    assert.doesNotMatch(out, /\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}/);
  });
  const port2 = await freePort();
  await withCli(['-a', '127.0.0.1', '-p', String(port2), '--logtime=false'], async (proc) => {
    assert.doesNotMatch(proc.output(), /\d{2}:\d{2}:\d{2}\.\d{6}/);
  });
});

test('without -D or -V there are no [DBG] or [TRC] lines', async () => {
  const port = await freePort();
  await withCli(['-a', '127.0.0.1', '-p', String(port)], async (proc) => {
    await exercise(port);
    // Give the server time to log the connection, had it anything to log.
    await new Promise((r) => setTimeout(r, 150));
    assert.doesNotMatch(proc.output(), /\[(DBG|TRC)\]/);
  });
});

test('-D logs [DBG] client connection lines but no [TRC] lines', async () => {
  const port = await freePort();
  await withCli(['-a', '127.0.0.1', '-p', String(port), '-D'], async (proc) => {
    await exercise(port);
    await proc.waitOutput(/\[DBG\] 127\.0\.0\.1:\d+ - cid:\d+ - Client connection created/);
    await proc.waitOutput(/\[DBG\] 127\.0\.0\.1:\d+ - cid:\d+ - Client connection closed/);
    assert.doesNotMatch(proc.output(), /\[TRC\]/);
    for (const line of proc.output().trimEnd().split('\n')) assert.match(line, LOG_LINE);
  });
});

test('-V logs the protocol as [TRC] lines (<<- for what the client sent, ->> for replies)', async () => {
  const port = await freePort();
  await withCli(['-a', '127.0.0.1', '-p', String(port), '-V'], async (proc) => {
    await exercise(port);
    await proc.waitOutput(/\[TRC\] 127\.0\.0\.1:\d+ - cid:\d+ - <<- \[CONNECT \{.*\}\]/, 3000);
    await proc.waitOutput(/\[TRC\] 127\.0\.0\.1:\d+ - cid:\d+ - <<- \[SUB log\.test 1\]/, 3000);
    await proc.waitOutput(/\[TRC\] 127\.0\.0\.1:\d+ - cid:\d+ - <<- \[PING\]/, 3000);
    await proc.waitOutput(/\[TRC\] 127\.0\.0\.1:\d+ - cid:\d+ - ->> \[PONG\]/, 3000);
    assert.doesNotMatch(proc.output(), /\[DBG\]/, '-V alone does not turn on debug');
  });
});

test('-DV logs both [DBG] and [TRC] lines', async () => {
  const port = await freePort();
  await withCli(['-a', '127.0.0.1', '-p', String(port), '-DV'], async (proc) => {
    await exercise(port);
    await proc.waitOutput(/\[DBG\] .*Client connection created/, 3000);
    await proc.waitOutput(/\[TRC\] .*<<- \[CONNECT /, 3000);
  });
});

/** Spawns with a log file and waits for "Server is ready" in it. */
async function withLogFile(args, logFile, fn, opts = {}) {
  const proc = spawnCli(args, opts);
  try {
    await waitFor(() => {
      try {
        return readFileSync(logFile, 'utf8').split('Server is ready').length > (opts.readyCount ?? 1);
      } catch {
        return false;
      }
    }, 8000);
    return await fn(proc, readFileSync(logFile, 'utf8'));
  } finally {
    await proc.kill();
  }
}

test('-l writes log lines to the file (appending) instead of stderr', async () => {
  const dir = tempDir();
  const logFile = path.join(dir, 'server.log');
  const port = await freePort();
  await withLogFile(['-a', '127.0.0.1', '-p', String(port), '-l', logFile, '-D'], logFile, async (proc, text) => {
    assert.equal(proc.stderr().includes('Server is ready'), false, 'nothing on stderr');
    assert.match(text, new RegExp(`^\\[${proc.pid}\\] .* \\[INF\\] Listening for client connections on 127\\.0\\.0\\.1:${port}$`, 'm'));
    assert.match(text, /\[INF\] Server is ready$/m);
    await exercise(port);
    await waitFor(() => readFileSync(logFile, 'utf8').includes('Client connection created'), 3000);
    for (const line of readFileSync(logFile, 'utf8').trimEnd().split('\n')) assert.match(line, LOG_LINE);
  });
  // A second run appends to the same file.
  const port2 = await freePort();
  await withLogFile(['-a', '127.0.0.1', '-p', String(port2), '--log', logFile], logFile, async (proc, text) => {
    assert.equal((text.match(/Server is ready/g) ?? []).length, 2);
    assert.ok(text.includes(`127.0.0.1:${port}`) && text.includes(`127.0.0.1:${port2}`));
  }, { readyCount: 2 });
});

test('-l with a relative path is resolved against the working directory', async () => {
  const dir = tempDir();
  const port = await freePort();
  const proc = spawnCli(['-a', '127.0.0.1', '-p', String(port), '-l', 'rel.log'], { cwd: dir });
  try {
    await waitFor(() => {
      try {
        return readFileSync(path.join(dir, 'rel.log'), 'utf8').includes('Server is ready');
      } catch {
        return false;
      }
    }, 8000);
    assert.equal(proc.stderr().includes('Server is ready'), false);
  } finally {
    await proc.kill();
  }
});
