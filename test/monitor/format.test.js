// The Go formats monitoring JSON uses: time.Duration.String(), myUptime, RFC 3339
// times with trimmed fractions, getRTT's truncation, and strconv's query decoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goDuration, goRtt, goTime, marshalIndent, uptime } from '../../dist/monitor/format.js';
import { decodeBool, decodeInt, decodeUint64, decodeSubs } from '../../dist/monitor/query.js';

test('goDuration prints as Go\'s time.Duration.String()', () => {
  const cases = [
    [0, '0s'],
    [1, '1ns'],
    [999, '999ns'],
    [1000, '1µs'],
    [1500, '1.5µs'],
    [344000, '344µs'],
    [2092116, '2.092116ms'],
    [100e6, '100ms'],
    [1e9, '1s'],
    [1.5e9, '1.5s'],
    [60e9, '1m0s'],
    [62.5e9, '1m2.5s'],
    [3600e9, '1h0m0s'],
    [3600e9 + 1, '1h0m0.000000001s'],
    [-2e9, '-2s'],
    [120e9, '2m0s'],
  ];
  for (const [ns, text] of cases) assert.equal(goDuration(ns), text, String(ns));
});

test('rtt is whole microseconds between 1µs and 1ms, nanoseconds otherwise', () => {
  assert.equal(goRtt(0), '0s');
  assert.equal(goRtt(0.3445678), '344µs');
  assert.equal(goRtt(2.0921163), '2.092116ms');
  assert.equal(goRtt(0.0005), '500ns');
});

test('uptime and idle print whole seconds with days and years', () => {
  assert.equal(uptime(0), '0s');
  assert.equal(uptime(999), '0s');
  assert.equal(uptime(79_000), '1m19s');
  assert.equal(uptime(3_600_000), '1h0m0s');
  assert.equal(uptime(90_061_000), '1d1h1m1s');
  assert.equal(uptime((366 * 86400 + 5) * 1000), '1y1d0h0m5s');
});

test('times are RFC 3339 in UTC with the fraction\'s trailing zeros trimmed', () => {
  assert.equal(goTime(Date.UTC(2024, 0, 2, 3, 4, 5, 670)), '2024-01-02T03:04:05.67Z');
  assert.equal(goTime(Date.UTC(2024, 0, 2, 3, 4, 5, 0)), '2024-01-02T03:04:05Z');
  assert.equal(goTime(Date.UTC(2024, 0, 2, 3, 4, 5, 7)), '2024-01-02T03:04:05.007Z');
});

test('JSON is indented by two spaces with <, > and & escaped', () => {
  assert.equal(marshalIndent({ a: 'x.>', b: ['<&>'], c: {} }), '{\n  "a": "x.\\u003e",\n  "b": [\n    "\\u003c\\u0026\\u003e"\n  ],\n  "c": {}\n}');
});

test('query parameters decode as strconv does, with its error texts', () => {
  const q = (s) => new URLSearchParams(s);
  for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(decodeBool(q(`x=${t}`), 'x'), true);
  for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False', '']) assert.equal(decodeBool(q(`x=${f}`), 'x'), false);
  assert.throws(() => decodeBool(q('x=yes'), 'x'), { message: `Error decoding boolean for 'x': strconv.ParseBool: parsing "yes": invalid syntax` });
  assert.equal(decodeInt(q('n=%2B5'), 'n'), 5);
  assert.equal(decodeInt(q('n=-5'), 'n'), -5);
  assert.equal(decodeInt(q(''), 'n'), 0);
  assert.throws(() => decodeInt(q('n=%205'), 'n'), { message: `Error decoding int for 'n': strconv.Atoi: parsing " 5": invalid syntax` });
  assert.throws(() => decodeInt(q('n=9223372036854775808'), 'n'), { message: `Error decoding int for 'n': strconv.Atoi: parsing "9223372036854775808": value out of range` });
  assert.equal(decodeUint64(q('c=18446744073709551615'), 'c'), 18446744073709551615);
  assert.throws(() => decodeUint64(q('c=18446744073709551616'), 'c'), { message: `Error decoding uint64 for 'c': strconv.ParseUint: parsing "18446744073709551616": value out of range` });
  assert.throws(() => decodeUint64(q('c=%2B1'), 'c'), { message: `Error decoding uint64 for 'c': strconv.ParseUint: parsing "+1": invalid syntax` });
  assert.deepEqual(decodeSubs(q('subs=Detail')), { subs: false, detail: true });
  assert.deepEqual(decodeSubs(q('subs=1')), { subs: true, detail: false });
});
