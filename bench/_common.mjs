// Shared by the bench scripts: command-line numbers, the two servers compared
// (Debian's nats-server and Dialtone's CLI), and a free loopback port.
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The number after `--name` on the command line, or `def`. */
export function opt(name, def) {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
}

/** Dialtone's CLI: the build in dist/, or in $DIALTONE_DIST (a snapshot that a rebuild cannot disturb mid-run). */
export const dialtoneMain = path.join(process.env.DIALTONE_DIST ?? path.join(root, 'dist'), 'cli/main.js');

/** Each server as a command line listening on 127.0.0.1:port. */
export const servers = [
  { name: 'nats-server', cmd: 'nats-server', args: (port) => ['-a', '127.0.0.1', '-p', String(port)] },
  { name: 'dialtone', cmd: process.execPath, args: (port) => [dialtoneMain, '-a', '127.0.0.1', '-p', String(port)] },
];

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
