#!/usr/bin/env node
// Time from spawning a server to its "Server is ready" log line: Dialtone's CLI and
// Debian's nats-server, 7 starts each (median, min, max).
//
//   node bench/startup.mjs
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli/main.js');
const cmds = { 'nats-server': ['nats-server', ['-a','127.0.0.1','-p','-1']], dialtone: [process.execPath, [CLI,'-a','127.0.0.1','-p','-1']] };
for (const [name, [cmd, args]] of Object.entries(cmds)) {
  const times = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    await new Promise((resolve) => {
      const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let out = '';
      c.stderr.on('data', (d) => { out += d; if (out.includes('Server is ready')) { times.push(performance.now() - t0); c.kill('SIGKILL'); } });
      c.on('exit', resolve);
    });
  }
  times.sort((a, b) => a - b);
  console.log(name, 'median ms to "Server is ready":', times[3].toFixed(0), 'min', times[0].toFixed(0), 'max', times[6].toFixed(0));
}
