// Helpers for tests that run Dialtone's command line as a child process and look at
// what a launcher sees: log lines, ports files, pid files, exit codes.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CLI, waitFor } from '../support/servers.js';

/** nats-server's log line: `[pid] YYYY/MM/DD HH:MM:SS.micro [LVL] text`. */
export const LOG_LINE = /^\[(\d+)\] (\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\.\d{6}) \[(INF|WRN|ERR|FTL|DBG|TRC)\] (.*)$/;

/**
 * Spawns the CLI. By default runs `node dist/cli/main.js <args>`; with `exe` runs that
 * file directly (a symlink named nats-server, as launchers do).
 */
export function spawnCli(args, { exe, cwd, env } = {}) {
  const [command, argv] = exe ? [exe, args] : [process.execPath, [CLI, ...args]];
  const child = spawn(command, argv, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters = new Set();
  const notify = () => {
    for (const w of waiters) w();
  };
  child.stdout.on('data', (d) => {
    stdout += d;
    notify();
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    notify();
  });
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      notify();
      resolve({ code, signal });
    }),
  );
  let done = false;
  exited.then(() => (done = true));
  const proc = {
    child,
    pid: child.pid,
    exited,
    get running() {
      return !done && child.exitCode === null && child.signalCode === null;
    },
    output: () => stdout + stderr,
    stdout: () => stdout,
    stderr: () => stderr,
    /** Waits until the combined output matches `re`; returns the match. */
    waitOutput(re, timeoutMs = 8000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(stdout + stderr);
          if (m) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(m);
          } else if (!proc.running) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`process exited (${child.exitCode}/${child.signalCode}) before output matched ${re}; output:\n${stdout}${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`output did not match ${re} within ${timeoutMs}ms; output:\n${stdout}${stderr}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    /** Waits for `Server is ready` and returns the client port from the Listening line. */
    async ready(timeoutMs = 8000) {
      await proc.waitOutput(/\[INF\] Server is ready/, timeoutMs);
      const m = /Listening for client connections on (?:\[[^\]]*\]|[^\s:]+):(\d+)/.exec(stdout + stderr);
      return m ? Number(m[1]) : undefined;
    },
    /** Sends `signal` and waits (bounded) for exit. */
    async stop(signal = 'SIGTERM', timeoutMs = 8000) {
      if (proc.running) child.kill(signal);
      return withTimeout(exited, timeoutMs, `exit after ${signal}`);
    },
    /** Hard cleanup for test teardown. */
    kill() {
      if (proc.running) child.kill('SIGKILL');
      return exited;
    },
  };
  return proc;
}

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms waiting for ${what}`)), ms);
    }),
  ]);
}

/** Waits for a ports file and returns its parsed JSON. */
export async function readPortsFile(file, timeoutMs = 8000) {
  await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').trim().length > 0, timeoutMs);
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Lists the files in `dir`. */
export function ls(dir) {
  return readdirSync(dir).sort();
}

/** A symlink `<dir>/nats-server` to the built CLI, made executable (it has a shebang). */
export function natsServerSymlink(dir, name = 'nats-server') {
  chmodSync(CLI, 0o755);
  const link = path.join(dir, name);
  symlinkSync(CLI, link);
  return link;
}

/** Resolves with the first line the server sends (its INFO), parsed. */
export function fetchInfo(port, host = '127.0.0.1', timeoutMs = 3000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    let buf = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no INFO from ${host}:${port} within ${timeoutMs}ms (got ${JSON.stringify(buf)})`));
    }, timeoutMs);
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      const m = /^INFO (\{.*\}) ?\r\n/.exec(buf);
      if (m) {
        clearTimeout(timer);
        socket.destroy();
        resolve(JSON.parse(m[1]));
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Resolves true when a TCP connect to the port is refused (or reset before INFO). */
export function connectRefused(port, host = '127.0.0.1', timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    let gotData = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(!gotData);
    }, timeoutMs);
    socket.on('data', () => {
      gotData = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(!gotData);
    });
  });
}

/**
 * A pause after readiness before signalling. Dialtone installs its signal handlers only
 * after it logs "Server is ready" (a separate test covers that race); tests about what
 * a signal does wait this long so they test that, not the race.
 */
export const settle = (ms = 200) => new Promise((r) => setTimeout(r, ms));

/** Spawns the CLI, waits for readiness, runs `fn`, always kills the process. */
export async function withCli(args, fn, opts = {}) {
  const proc = spawnCli(args, opts);
  try {
    const port = await proc.ready();
    return await fn(proc, port);
  } finally {
    await proc.kill();
  }
}
