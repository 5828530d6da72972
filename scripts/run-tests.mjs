#!/usr/bin/env node
// Runs every test/**/*.test.js with node's test runner (Node 20 takes no globs) and
// prints the runner's summary. Extra arguments are passed to `node --test`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

function collect(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return collect(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

const files = collect('test').sort();
const args = ['--test', '--test-concurrency=2', '--test-timeout=120000', ...process.argv.slice(2), ...files];
const run = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(run.status ?? 1);
