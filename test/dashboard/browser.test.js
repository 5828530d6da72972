// The dashboard in a real headless Chromium: Dialtone with two accounts, publishers on
// several subjects and a subscriber (the official client), then a raw subscriber that
// stops reading until it is cut off as a slow consumer. The assertions read what the
// page shows: the connection count, the busiest subject, the message rates, the
// drawn chart, the accounts table and the slow consumer. Saves a screenshot.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { rawConnect } from '../support/raw.js';
import { startDialtone, waitFor } from '../support/servers.js';
import { launchBrowser, screenshotPath } from './_browser.js';

const ACCOUNTS = {
  ORDERS: { users: [{ user: 'orders', password: 'o' }] },
  TELEMETRY: { users: [{ user: 'tele', password: 't' }] },
};

/** Parses what the page prints for a rate or count ("4.1k msgs/s", "812", "1.2M") as a number. */
function parseCount(text) {
  const m = /^(-?[\d.]+)\s*([kMGT]?)/.exec(text.trim());
  assert.ok(m, `not a number: ${JSON.stringify(text)}`);
  return Number(m[1]) * { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2]];
}

/**
 * Publishes `perTick` messages of `size` bytes on `subject` every 50 ms until stop(),
 * counting what went out so the test knows the real rate.
 */
function steadyPublisher(nc, subject, perTick, size) {
  const payload = new Uint8Array(size).fill(120);
  let sent = 0;
  const timer = setInterval(() => {
    if (nc.isClosed()) return;
    for (let i = 0; i < perTick; i++) nc.publish(subject, payload);
    sent += perTick;
  }, 50);
  return { sent: () => sent, stop: () => clearInterval(timer) };
}

// One browser for the file (launching takes a few seconds); each test opens its own page.
let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test('the dashboard shows live connections, rates, charts, accounts, busiest subjects and slow consumers', { timeout: 60000 }, async (t) => {
  const started = Date.now();
  // Cleanups run last-registered first: publishers stop before their connections close.
  const cleanups = [];
  t.after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });
  const srv = await startDialtone({ http: '127.0.0.1:-1', server_name: 'dash-test', max_pending: '64KB', max_payload: '16KB', accounts: ACCOUNTS });
  cleanups.push(() => srv.close());
  const conns = [];
  cleanups.push(() => Promise.all(conns.map((c) => c.close().catch(() => {}))));
  const dial = async (opts) => {
    const nc = await connect({ servers: srv.url, reconnect: false, ...opts });
    conns.push(nc);
    return nc;
  };

  // ORDERS: a subscriber on orders.>, a busy publisher and a quieter one.
  const sub = await dial({ user: 'orders', pass: 'o', name: 'orders-sub' });
  let received = 0;
  sub.subscribe('orders.>', { callback: () => received++ });
  await sub.flush();
  const created = await dial({ user: 'orders', pass: 'o', name: 'orders-created' });
  const shipped = await dial({ user: 'orders', pass: 'o', name: 'orders-shipped' });
  // TELEMETRY: one publisher on a subject that is not ASCII, no subscriber.
  const sensors = await dial({ user: 'tele', pass: 't', name: 'sensors' });
  const pubs = [
    steadyPublisher(created, 'orders.created', 200, 200), // 4000 msgs/s
    steadyPublisher(shipped, 'orders.shipped', 50, 120), // 1000 msgs/s
    steadyPublisher(sensors, 'sensors.température', 20, 64), // 400 msgs/s
  ];
  cleanups.push(() => pubs.forEach((p) => p.stop()));
  const nominalIn = 5400;
  const nominalOut = 5000;

  const page = await browser.context.newPage();
  cleanups.push(() => page.close());
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console: ${msg.text()}`);
  });
  const response = await page.goto(`${srv.monitorUrl}/ui`);
  assert.equal(response.status(), 200);

  // A few seconds of samples: rates need two, the chart a handful.
  await page.waitForFunction(() => Number(document.body.dataset.samples) >= 5, null, { timeout: 15000 });
  await waitFor(() => received > 0, 5000);

  // Server identity.
  assert.equal(await page.textContent('#server-name'), 'dash-test');
  assert.match(await page.getAttribute('#server-id', 'title'), new RegExp(`^${srv.server.serverId} `));
  assert.match(await page.textContent('#server-version'), /^nats-server \d+\.\d+\.\d+/);

  // The connection count is the real one: four clients.
  assert.equal(srv.server.clients.size, 4);
  await page.waitForFunction(() => document.getElementById('v-connections')?.textContent === '4', null, { timeout: 5000 });
  assert.equal(await page.textContent('#v-accounts'), '2');

  // Message rates: positive and near what the publishers send (timers under load run late).
  const inRate = parseCount(await page.textContent('#v-msgs-in'));
  const outRate = parseCount(await page.textContent('#v-msgs-out'));
  assert.ok(inRate > nominalIn * 0.2 && inRate < nominalIn * 2, `messages in ${inRate}/s, publishing ${nominalIn}/s`);
  assert.ok(outRate > nominalOut * 0.2 && outRate < nominalOut * 2, `messages out ${outRate}/s, delivering ${nominalOut}/s`);
  assert.match(await page.textContent('#v-msgs-in'), /msgs\/s$/);
  assert.match(await page.textContent('#v-bytes-in'), /\d (B|kB|MB)\/s$/);
  assert.match(await page.textContent('#legend-msgs-in'), /msgs\/s$/);

  // The charts have drawn lines through the samples.
  const line = await page.$eval('#chart-msgs path.line.s-in', (p) => ({ d: p.getAttribute('d'), points: Number(p.dataset.points) }));
  const coords = line.d.match(/[ML][\d.]+ [\d.]+/g) ?? [];
  assert.ok(coords.length >= 4, `the messages chart has ${coords.length} points`);
  assert.equal(coords.length, line.points);
  assert.ok(new Set(coords.map((c) => c.split(' ')[0])).size === coords.length, 'points at distinct times');
  assert.ok((await page.$$('#chart-bytes path.line')).length === 2, 'bytes in and out drawn');
  assert.ok((await page.$$('#spark-connections path.line')).length === 1, 'connections sparkline drawn');

  // Busiest subjects: the one published most is first; the non-ASCII subject reads as text.
  await page.waitForFunction(() => document.querySelectorAll('#subjects-body tr[data-subject]').length >= 3, null, { timeout: 5000 });
  const subjects = await page.$$eval('#subjects-body tr[data-subject]', (rows) => rows.map((r) => ({ subject: r.dataset.subject, cells: [...r.cells].map((c) => c.textContent) })));
  assert.equal(subjects[0].subject, 'orders.created', JSON.stringify(subjects));
  assert.equal(subjects[0].cells[1], 'orders.created');
  assert.equal(subjects[0].cells[2], 'ORDERS');
  assert.match(subjects[0].cells[3], /^≈ [\d.]+k? msgs\/s$/);
  assert.deepEqual(subjects.slice(0, 3).map((s) => s.subject).sort(), ['orders.created', 'orders.shipped', 'sensors.température']);

  // Accounts: connections per account, and traffic rates.
  const accounts = Object.fromEntries(
    await page.$$eval('#accounts-body tr[data-account]', (rows) => rows.map((r) => [r.dataset.account, [...r.cells].map((c) => c.textContent)])),
  );
  assert.equal(accounts.ORDERS?.[1], '3', JSON.stringify(accounts));
  assert.equal(accounts.TELEMETRY?.[1], '1');
  assert.equal(accounts.ORDERS[2], '1', 'one subscription in ORDERS');
  // The subscriptions tile counts the clients' too: the server's own ($SYS services, system imports) are left out.
  const rowSubscriptions = Object.values(accounts).reduce((n, cells) => n + Number(cells[2]), 0);
  assert.equal(await page.textContent('#v-subscriptions'), String(rowSubscriptions));
  assert.ok(parseCount(accounts.ORDERS[3]) > 0, `ORDERS msgs in ${accounts.ORDERS[3]}`);
  assert.ok(parseCount(accounts.ORDERS[4]) > 0, `ORDERS msgs out ${accounts.ORDERS[4]}`);
  assert.equal(parseCount(accounts.TELEMETRY[4]), 0, 'nothing delivered in TELEMETRY');

  // No slow consumer yet.
  assert.equal(await page.textContent('#v-slow'), '0');
  assert.equal(await page.$$eval('#slow-body tr[data-cid]', (r) => r.length), 0);

  // A subscriber that stops reading its socket, in TELEMETRY, fed until the server cuts it off.
  const laggard = await rawConnect(srv.port, { verbose: false, pedantic: false, user: 'tele', pass: 't', name: 'laggard' });
  cleanups.push(() => laggard.close());
  laggard.send('SUB sensors.bulk 1\r\n');
  await laggard.flush();
  laggard.socket.pause();
  const cid = Math.max(...srv.server.clients.keys());
  const bulk = new Uint8Array(8192);
  for (let i = 0; i < 6000 && srv.server.activity.slowConsumers().length === 0; i++) {
    sensors.publish('sensors.bulk', bulk);
    if (i % 64 === 63) await sensors.flush();
  }
  await waitFor(() => srv.server.activity.slowConsumers().length > 0, 5000);
  await page.waitForSelector('#slow-body tr[data-cid]', { timeout: 5000 });
  const slow = await page.$eval('#slow-body tr[data-cid]', (r) => ({ cid: r.dataset.cid, cells: [...r.cells].map((c) => c.textContent) }));
  assert.equal(slow.cid, String(cid));
  assert.equal(slow.cells[1], 'laggard');
  assert.equal(slow.cells[2], 'TELEMETRY');
  assert.match(slow.cells[3], /Slow Consumer/);
  await page.waitForFunction(() => document.getElementById('v-slow')?.textContent === '1', null, { timeout: 3000 });
  await page.waitForFunction(() => document.getElementById('v-connections')?.textContent === '4', null, { timeout: 3000 });

  // Hovering a chart shows the values at that moment.
  const box = await page.locator('#chart-msgs svg').boundingBox();
  const lastX = Number(/([\d.]+) [\d.]+$/.exec(await page.getAttribute('#chart-msgs path.line.s-in', 'd'))[1]);
  await page.mouse.move(box.x + lastX - 1, box.y + box.height / 2);
  assert.match(await page.textContent('#chart-msgs .tip'), /In [\d.]+k? msgs\/s.*Out [\d.]+k? msgs\/s/, JSON.stringify(problems));
  await page.mouse.move(0, 0);

  assert.deepEqual(problems, [], 'no script errors and nothing refused by the Content-Security-Policy');
  const file = screenshotPath('dialtone-dashboard.png');
  await page.screenshot({ path: file, fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = screenshotPath('dialtone-dashboard-dark.png');
  await page.screenshot({ path: dark, fullPage: true });
  t.diagnostic(`screenshots: ${file} ${dark} (${Date.now() - started} ms)`);
  console.log(`dashboard screenshot: ${file} (dark: ${dark})`);
});

test('under http_base_path the dashboard fetches its data below the prefix and links back to the index', { timeout: 30000 }, async (t) => {
  const srv = await startDialtone({ http: '127.0.0.1:-1', http_base_path: '/nats' });
  t.after(() => srv.close());
  const nc = await connect({ servers: srv.url, reconnect: false });
  t.after(() => nc.close());

  const page = await browser.context.newPage();
  t.after(() => page.close());
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  assert.equal((await page.goto(`${srv.monitorUrl}/ui`)).status(), 200);
  await page.waitForFunction(() => document.getElementById('v-connections')?.textContent === '1', null, { timeout: 10000 });
  assert.ok(requested.includes('/nats/varz') && requested.includes('/nats/ui/api/activity'), requested.join(' '));
  assert.ok(!requested.some((p) => !p.startsWith('/nats/')), requested.join(' '));
  // The "All endpoints" link leads to the index at the base path.
  await page.click('header a:text("All endpoints")');
  await page.waitForURL(`${srv.monitorUrl}`);
  assert.match(await page.textContent('body'), /Live dashboard/);
});
