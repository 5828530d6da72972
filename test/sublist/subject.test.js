// Subject syntax helpers, table-driven, plus subjectMatches against an independent reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidSubject, isValidLiteralSubject, subjectIsLiteral, subjectMatches, tokenCount } from '../../dist/sublist/subject.js';
import { prng } from './helpers.js';

test('isValidSubject', () => {
  const valid = ['foo', 'foo.bar', 'foo.bar.baz', '*', '>', 'foo.*', 'foo.>', '*.>', '*.*.*', 'foo.*.bar', 'foo*', 'f>o', '*foo', 'foo.b*r', 'foo.>>', '$SYS.REQ.>', '_INBOX.abc123', 'prix.€', 'a-b_c:d/e', 'A.B'];
  const invalid = ['', '.', '..', 'foo.', '.foo', 'foo..bar', 'foo.>.bar', '>.foo', '>.>', '>.*', 'foo bar', ' foo', 'foo ', 'foo\tbar', 'foo\nbar', 'foo\rbar', 'foo\fbar', 'foo. .bar', ' ', '\t'];
  for (const s of valid) assert.equal(isValidSubject(s), true, JSON.stringify(s));
  for (const s of invalid) assert.equal(isValidSubject(s), false, JSON.stringify(s));
});

test('isValidLiteralSubject', () => {
  const valid = ['foo', 'foo.bar', 'foo*', '*foo', 'f>', '>>', 'foo.**', 'a.b.c.d', '$SYS.x', 'prix.€'];
  const invalid = ['', '*', '>', 'foo.*', 'foo.>', '*.foo', 'a.*.b', '>.foo', 'foo..bar', '.foo', 'foo.', '.'];
  for (const s of valid) assert.equal(isValidLiteralSubject(s), true, JSON.stringify(s));
  for (const s of invalid) assert.equal(isValidLiteralSubject(s), false, JSON.stringify(s));
  // As nats-server's IsValidLiteralSubject: only empty tokens and wildcards are checked.
  assert.equal(isValidLiteralSubject('foo bar'), true);
});

test('subjectIsLiteral (no validity check)', () => {
  const literal = ['foo', 'foo.bar', 'foo*', '*foo', 'a>b', 'foo.b*', 'foo.**', '>>', '', 'foo..bar', '.foo'];
  const wild = ['*', '>', 'foo.*', 'foo.>', '*.foo', 'a.*.b', '>.foo', '*.*', 'foo..*', '.>'];
  for (const s of literal) assert.equal(subjectIsLiteral(s), true, JSON.stringify(s));
  for (const s of wild) assert.equal(subjectIsLiteral(s), false, JSON.stringify(s));
});

test('subjectMatches(subject, pattern)', () => {
  const yes = [
    ['foo', 'foo'],
    ['foo.bar', 'foo.bar'],
    ['foo.bar', 'foo.*'],
    ['foo.bar', '*.bar'],
    ['foo.bar', '*.*'],
    ['foo', '*'],
    ['foo.bar', 'foo.>'],
    ['foo.bar.baz', 'foo.>'],
    ['foo', '>'],
    ['a.b.c.d', '>'],
    ['foo.bar.baz', 'foo.*.baz'],
    ['foo.x.bar', 'foo.*.>'],
    ['foo.x.bar.y', '*.*.>'],
    ['foo*.bar', 'foo*.bar'],
    ['foo.*', 'foo.*'],
  ];
  const no = [
    ['foo', 'bar'],
    ['foo', 'foo.*'],
    ['foo.bar.baz', 'foo.*'],
    ['foo.bar', '*'],
    ['foo', 'foo.>'],
    ['foo.x', 'foo.*.>'],
    ['Foo', 'foo'],
    ['foo.bar', 'foo.bar.baz'],
    ['foo.bar.baz', 'foo.bar'],
    ['foox.bar', 'foo*.bar'],
    ['foo.bar', 'foo.b>'],
    ['bar.foo', 'foo.>'],
  ];
  for (const [s, p] of yes) assert.equal(subjectMatches(s, p), true, `${s} ~ ${p}`);
  for (const [s, p] of no) assert.equal(subjectMatches(s, p), false, `${s} !~ ${p}`);
});

test('tokenCount', () => {
  const table = [
    ['foo', 1],
    ['foo.bar', 2],
    ['a.b.c.d', 4],
    ['>', 1],
    ['foo.*.>', 3],
    ['a.b.c.d.e.f.g.h.i.j', 10],
    ['foo.', 2],
    ['€.x', 2],
  ];
  for (const [s, n] of table) assert.equal(tokenCount(s), n, JSON.stringify(s));
});

/** An independent token-by-token reference for subjectMatches. */
function refMatches(subject, pattern) {
  const s = subject.split('.');
  const p = pattern.split('.');
  let i = 0;
  for (; i < p.length; i++) {
    if (p[i] === '>' && i === p.length - 1) return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return i === s.length;
}

test('subjectMatches agrees with a reference on random subject/pattern pairs', () => {
  const rnd = prng(99);
  const tok = ['a', 'b', 'ab'];
  const make = (wild) => {
    const n = 1 + rnd.int(5);
    const parts = [];
    for (let k = 0; k < n; k++) parts.push(wild && rnd.chance(0.25) ? '*' : rnd.pick(tok));
    if (wild && rnd.chance(0.2)) parts[n - 1] = '>';
    return parts.join('.');
  };
  let matched = 0;
  for (let k = 0; k < 20000; k++) {
    const s = make(false);
    const p = make(true);
    const want = refMatches(s, p);
    if (want) matched++;
    assert.equal(subjectMatches(s, p), want, `${s} vs ${p}`);
    // A pattern that is a valid subject and literal only matches itself.
    if (subjectIsLiteral(p)) assert.equal(want, s === p);
  }
  assert.ok(matched > 1000, 'the sample includes plenty of matches');
});
