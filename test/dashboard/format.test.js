// The dashboard's formatting helpers (the same functions the page runs) and the page
// script assembled from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import vm from 'node:vm';
import {
  clientScript,
  counterRate,
  dashboardPage,
  formatAgo,
  formatByteRate,
  formatBytes,
  formatCount,
  formatMsgRate,
  formatUptime,
  niceScale,
} from '../../dist/monitor/dashboard/index.js';

test('formatCount keeps counts and rates to a few characters', () => {
  const cases = [
    [0, '0'],
    [7, '7'],
    [0.5, '0.5'],
    [9.94, '9.9'],
    [9.96, '10'],
    [12.4, '12'],
    [999, '999'],
    [999.4, '999'],
    [999.5, '1.0k'],
    [1234, '1.2k'],
    [12345, '12.3k'],
    [99949, '99.9k'],
    [99950, '100k'],
    [123456, '123k'],
    [999499, '999k'],
    [999500, '1.0M'],
    [4.56e9, '4.6G'],
    [-1500, '-1.5k'],
    [NaN, '–'],
    [Infinity, '–'],
  ];
  for (const [n, text] of cases) assert.equal(formatCount(n), text, String(n));
});

test('formatBytes uses decimal units with one decimal below 100', () => {
  const cases = [
    [0, '0 B'],
    [512, '512 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [1234, '1.2 kB'],
    [3.4e6, '3.4 MB'],
    [123.4e6, '123 MB'],
    [999.6e6, '1.0 GB'],
    [1.5e12, '1.5 TB'],
    [NaN, '–'],
  ];
  for (const [n, text] of cases) assert.equal(formatBytes(n), text, String(n));
});

test('rates read as 1.2k msgs/s and 3.4 MB/s', () => {
  assert.equal(formatMsgRate(1234), '1.2k msgs/s');
  assert.equal(formatMsgRate(1), '1 msg/s');
  assert.equal(formatMsgRate(0), '0 msgs/s');
  assert.equal(formatMsgRate(0.5), '0.5 msgs/s');
  assert.equal(formatByteRate(3.4e6), '3.4 MB/s');
  assert.equal(formatByteRate(0), '0 B/s');
});

test('formatUptime spaces nats-server uptime and keeps its two largest units', () => {
  assert.equal(formatUptime('5s'), '5s');
  assert.equal(formatUptime('3m4s'), '3m 4s');
  assert.equal(formatUptime('1d2h3m4s'), '1d 2h');
  assert.equal(formatUptime('1y2d3h4m5s'), '1y 2d');
  assert.equal(formatUptime('weird'), 'weird');
});

test('formatAgo says how long ago an event was', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  assert.equal(formatAgo('2024-05-01T12:00:00Z', now), 'just now');
  assert.equal(formatAgo('2024-05-01T12:00:01Z', now), 'just now', 'a clock slightly ahead is not "-1s ago"');
  assert.equal(formatAgo('2024-05-01T11:59:48Z', now), '12s ago');
  assert.equal(formatAgo('2024-05-01T11:57:00Z', now), '3m ago');
  assert.equal(formatAgo('2024-05-01T10:00:00Z', now), '2h ago');
  assert.equal(formatAgo('2024-04-27T12:00:00Z', now), '4d ago');
  assert.equal(formatAgo('not a time', now), 'not a time');
});

test('niceScale picks a round axis top at least the maximum', () => {
  assert.deepEqual(niceScale(0, 4), { top: 1, step: 0.25 });
  assert.deepEqual(niceScale(NaN, 4), { top: 1, step: 0.25 });
  assert.deepEqual(niceScale(4, 4), { top: 4, step: 1 });
  assert.deepEqual(niceScale(7, 4), { top: 8, step: 2 });
  assert.deepEqual(niceScale(5700, 4), { top: 8000, step: 2000 });
  assert.deepEqual(niceScale(9000, 4), { top: 10000, step: 2500 });
  assert.deepEqual(niceScale(5.6e6, 4), { top: 8e6, step: 2e6 });
  for (const max of [0.3, 1, 3, 17, 99, 101, 1234, 55555, 7.7e8]) {
    for (const ticks of [2, 4]) {
      const { top, step } = niceScale(max, ticks);
      assert.ok(top >= max, `${max}/${ticks}: top ${top}`);
      assert.ok(top < max * 2.6, `${max}/${ticks}: top ${top} leaves too much room`);
      assert.ok(Math.abs(top - step * ticks) < 1e-9);
    }
  }
});

test('counterRate gives per-second rates, and null across a restart', () => {
  assert.equal(counterRate(100, 1100, 1000), 1000);
  assert.equal(counterRate(100, 600, 2000), 250);
  assert.equal(counterRate(5, 5, 1000), 0);
  assert.equal(counterRate(500, 10, 1000), null, 'a counter going backwards');
  assert.equal(counterRate(1, 2, 0), null);
  assert.equal(counterRate(1, 2, -5), null);
});

test('the page script is the helpers plus dashboardMain, valid JavaScript with no "</" to end its <script>', () => {
  const script = clientScript();
  new vm.Script(script); // throws on a syntax error
  assert.ok(!script.includes('</'));
  for (const name of ['formatCount', 'formatBytes', 'formatMsgRate', 'formatByteRate', 'formatUptime', 'formatAgo', 'niceScale', 'counterRate']) {
    assert.match(script, new RegExp(`^function ${name}\\(`, 'm'), name);
  }
  assert.match(script, /\(function dashboardMain\(config\) \{/);
  assert.match(script, /\}\)\(\{"pollMs":1000,"windowMs":300000,"subjectLimit":10\}\);\n$/);

  // The helpers run as written in a bare context, as they will in the page.
  const ctx = vm.createContext({});
  vm.runInContext(script.slice(0, script.indexOf('(function dashboardMain')), ctx);
  assert.equal(vm.runInContext('formatMsgRate(1234) + " " + formatByteRate(3.4e6)', ctx), '1.2k msgs/s 3.4 MB/s');
});

test('the page allows exactly its inline script and style through its Content-Security-Policy', () => {
  const { html, csp } = dashboardPage('/');
  const hash = (s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
  const script = /<script>([\s\S]*)<\/script>/.exec(html)[1];
  const style = /<style>([\s\S]*)<\/style>/.exec(html)[1];
  assert.equal(script, clientScript());
  assert.match(csp, new RegExp(`script-src ${hash(script).replace(/[+/]/g, '\\$&')}`));
  assert.match(csp, new RegExp(`style-src ${hash(style).replace(/[+/]/g, '\\$&')}`));
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /connect-src 'self'/);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.ok(!/\sstyle=/.test(html), 'no inline style attributes (the policy would block them)');
  assert.ok(!/\son[a-z]+=/.test(html), 'no inline event handlers');
});
