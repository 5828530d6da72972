// Headless Chromium for the dashboard tests: Debian's /usr/bin/chromium driven by
// playwright-core (which downloads no browser of its own), with a fresh profile that is
// removed on close. Missing pieces fail with what to install.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches Chromium; resolves with the browser context and a close() that also removes the profile. */
export async function launchBrowser({ viewport = { width: 1440, height: 960 }, colorScheme = 'light' } = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run "apt-get install -y chromium" (CI's .ci/run installs it), or set CHROMIUM_PATH`);
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (err) {
    throw new Error(`playwright-core is not installed: run "npm i -D playwright-core" (${err.message})`);
  }
  const profile = mkdtempSync(path.join(os.tmpdir(), 'dialtone-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport, colorScheme, timeout: 20000 });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where screenshots go: $TMPDIR (or /tmp). */
export function screenshotPath(name) {
  return path.join(process.env.TMPDIR || '/tmp', name);
}
