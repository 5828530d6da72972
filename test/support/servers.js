// Starting servers for tests: Dialtone in-process, Dialtone as a CLI process, and
// Debian's real nats-server for differential and interop tests.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../dist/index.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/cli/main.js');
export const NATS_SERVER = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p));
/** True when Debian's nats-server is installed (CI installs it). */
export const hasNatsServer = NATS_SERVER !== undefined;

/** Starts Dialtone in this process on a free loopback port. */
export async function startDialtone(config = {}) {
  return startServer({ port: 0, ...config });
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForPort(port, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${port} after ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function spawnServer(command, args, port) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    port,
    url: `nats://127.0.0.1:${port}`,
    exited,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs Debian's nats-server on a free port; `args` are extra flags. */
export async function startNatsServer(args = []) {
  if (!hasNatsServer) throw new Error('nats-server is not installed');
  const port = await freePort();
  const srv = spawnServer(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), ...args], port);
  await waitForPort(port);
  return srv;
}

/** Runs Dialtone's CLI as a child process on a free port; `args` are extra flags. */
export async function startDialtoneProcess(args = []) {
  const port = await freePort();
  const srv = spawnServer(process.execPath, [CLI, '-a', '127.0.0.1', '-p', String(port), ...args], port);
  await waitForPort(port);
  return srv;
}

/** Runs the CLI to completion (for -v, -t, bad flags). */
export function runCli(args, options = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 15000, ...options });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix = 'dialtone-test-') {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Polls `fn` until it returns truthy (or throws after the timeout). */
export async function waitFor(fn, timeoutMs = 5000, intervalMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Runs a module in a fresh node process; resolves with its exit and output, or a timeout marker. */
export function runScript(source, timeoutMs = 8000) {
  const dir = tempDir();
  const file = path.join(dir, 'embed.mjs');
  writeFileSync(file, source);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, out });
    });
  });
}
