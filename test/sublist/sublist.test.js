// Sublist insert/match/remove: literals, wildcards, queue groups, counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sublist, sub, norm } from './helpers.js';

const ids = (...subs) => subs.map((s) => s.id).sort();
const matchIds = (sl, subject) => norm(sl.match(subject)).psubs;

test('literal subscriptions match only their exact subject', () => {
  const sl = new Sublist();
  const a = sub('foo');
  const b = sub('foo.bar');
  const c = sub('foo.bar.baz');
  for (const s of [a, b, c]) assert.equal(sl.insert(s), true);
  assert.deepEqual(matchIds(sl, 'foo'), ids(a));
  assert.deepEqual(matchIds(sl, 'foo.bar'), ids(b));
  assert.deepEqual(matchIds(sl, 'foo.bar.baz'), ids(c));
  assert.deepEqual(matchIds(sl, 'foo.baz'), []);
  assert.deepEqual(matchIds(sl, 'bar'), []);
  assert.deepEqual(matchIds(sl, 'foo.bar.baz.qux'), []);
  assert.equal(sl.remove(b), true);
  assert.deepEqual(matchIds(sl, 'foo.bar'), []);
  assert.deepEqual(matchIds(sl, 'foo.bar.baz'), ids(c));
  assert.deepEqual(matchIds(sl, 'foo'), ids(a));
});

test('* matches exactly one token, in any position', () => {
  const sl = new Sublist();
  const s1 = sub('foo.*');
  const s2 = sub('*.bar');
  const s3 = sub('*');
  const s4 = sub('foo.*.baz');
  const s5 = sub('*.*.*');
  for (const s of [s1, s2, s3, s4, s5]) sl.insert(s);
  assert.deepEqual(matchIds(sl, 'foo'), ids(s3));
  assert.deepEqual(matchIds(sl, 'foo.bar'), ids(s1, s2));
  assert.deepEqual(matchIds(sl, 'foo.x'), ids(s1));
  assert.deepEqual(matchIds(sl, 'x.bar'), ids(s2));
  assert.deepEqual(matchIds(sl, 'foo.x.baz'), ids(s4, s5));
  assert.deepEqual(matchIds(sl, 'foo.x.bax'), ids(s5));
  assert.deepEqual(matchIds(sl, 'foo.x.baz.y'), []);
});

test('> matches one or more trailing tokens, never zero', () => {
  const sl = new Sublist();
  const all = sub('>');
  const foo = sub('foo.>');
  const fooBar = sub('foo.bar.>');
  for (const s of [all, foo, fooBar]) sl.insert(s);
  assert.deepEqual(matchIds(sl, 'foo'), ids(all));
  assert.deepEqual(matchIds(sl, 'bar'), ids(all));
  assert.deepEqual(matchIds(sl, 'foo.bar'), ids(all, foo));
  assert.deepEqual(matchIds(sl, 'foo.bar.baz'), ids(all, foo, fooBar));
  assert.deepEqual(matchIds(sl, 'foo.bar.baz.a.b.c.d'), ids(all, foo, fooBar));
  assert.deepEqual(matchIds(sl, 'x.y.z'), ids(all));
});

test('mixed wildcards: foo.*.bar, *.>, foo.*.>', () => {
  const sl = new Sublist();
  const a = sub('foo.*.bar');
  const b = sub('*.>');
  const c = sub('foo.*.>');
  const d = sub('*.*.bar');
  const e = sub('foo.x.bar');
  for (const s of [a, b, c, d, e]) sl.insert(s);
  assert.deepEqual(matchIds(sl, 'foo'), []);
  assert.deepEqual(matchIds(sl, 'foo.x'), ids(b));
  assert.deepEqual(matchIds(sl, 'foo.x.bar'), ids(a, b, c, d, e));
  assert.deepEqual(matchIds(sl, 'foo.y.bar'), ids(a, b, c, d));
  assert.deepEqual(matchIds(sl, 'zap.y.bar'), ids(b, d));
  assert.deepEqual(matchIds(sl, 'foo.y.baz'), ids(b, c));
  assert.deepEqual(matchIds(sl, 'foo.y.bar.more'), ids(b, c));
});

test('wildcard characters inside a token are literal', () => {
  const sl = new Sublist();
  const a = sub('foo*.bar');
  const b = sub('foo.b>');
  const c = sub('foo.*');
  for (const s of [a, b, c]) sl.insert(s);
  assert.deepEqual(matchIds(sl, 'foo*.bar'), ids(a));
  assert.deepEqual(matchIds(sl, 'foox.bar'), []);
  assert.deepEqual(matchIds(sl, 'foo.b>'), ids(b, c));
  assert.deepEqual(matchIds(sl, 'foo.bar'), ids(c));
});

test('subjects are case-sensitive', () => {
  const sl = new Sublist();
  const lower = sub('foo.bar');
  const upper = sub('FOO.BAR');
  const wc = sub('Foo.*');
  for (const s of [lower, upper, wc]) sl.insert(s);
  assert.deepEqual(matchIds(sl, 'foo.bar'), ids(lower));
  assert.deepEqual(matchIds(sl, 'FOO.BAR'), ids(upper));
  assert.deepEqual(matchIds(sl, 'Foo.bar'), ids(wc));
  assert.deepEqual(matchIds(sl, 'foo.BAR'), []);
});

test('UTF-8 subjects work like any other', () => {
  const sl = new Sublist();
  const a = sub('prix.€.*');
  sl.insert(a);
  assert.deepEqual(matchIds(sl, 'prix.€.x'), ids(a));
  assert.deepEqual(matchIds(sl, 'prix.$.x'), []);
});

test('insert rejects invalid subjects and changes nothing', () => {
  const sl = new Sublist();
  const genid = sl.genid;
  for (const subject of ['', '.', '..', 'foo..bar', '.foo', 'foo.', 'foo.>.bar', '>.foo', '>.>', 'foo bar', 'foo\tbar', 'foo.\nbar', ' ']) {
    assert.equal(sl.insert(sub(subject)), false, JSON.stringify(subject));
    assert.equal(sl.insert(sub(subject, 'q')), false, `${JSON.stringify(subject)} (queue)`);
  }
  assert.equal(sl.count, 0);
  assert.equal(sl.genid, genid);
  assert.equal(sl.inserts, 0);
  assert.deepEqual(sl.all(), []);
});

test('matching a subject with empty tokens returns nothing, even with > and * subs', () => {
  const sl = new Sublist();
  for (const s of [sub('>'), sub('*'), sub('*.*'), sub('foo.>'), sub('foo.*.bar'), sub('*.>')]) sl.insert(s);
  for (const subject of ['', '.', 'foo.', '.foo', 'foo..bar', 'foo.bar.', '..']) {
    const r = sl.match(subject);
    assert.deepEqual(r.psubs, [], JSON.stringify(subject));
    assert.deepEqual(r.qsubs, [], JSON.stringify(subject));
    assert.equal(sl.hasInterest(subject), false);
  }
});

test('queue groups: grouped by name across the nodes that match', () => {
  const sl = new Sublist();
  const q1a = sub('foo.bar', 'q1');
  const q1b = sub('foo.*', 'q1');
  const q1c = sub('>', 'q1');
  const q2a = sub('foo.bar', 'q2');
  const q2b = sub('*.bar', 'q2');
  const p1 = sub('foo.bar');
  const p2 = sub('foo.>');
  const other = sub('baz', 'q1');
  for (const s of [q1a, q1b, q1c, q2a, q2b, p1, p2, other]) sl.insert(s);
  const r = sl.match('foo.bar');
  assert.deepEqual(norm(r), { psubs: ids(p1, p2), qsubs: { q1: ids(q1a, q1b, q1c), q2: ids(q2a, q2b) } });
  assert.equal(r.qsubs.length, 2);
  assert.deepEqual(norm(sl.match('foo.x')), { psubs: ids(p2), qsubs: { q1: ids(q1b, q1c) } });
  assert.deepEqual(norm(sl.match('baz')), { psubs: [], qsubs: { q1: ids(q1c, other) } });
  // Plain and queue subs on one subject are kept apart.
  assert.deepEqual(norm(sl.match('x.bar')), { psubs: [], qsubs: { q1: ids(q1c), q2: ids(q2b) } });
  // Removing the last member of a group drops the group from results.
  assert.equal(sl.remove(q2a), true);
  assert.equal(sl.remove(q2b), true);
  assert.deepEqual(norm(sl.match('foo.bar')), { psubs: ids(p1, p2), qsubs: { q1: ids(q1a, q1b, q1c) } });
});

test('queue group names are distinct from each other and from plain subs', () => {
  const sl = new Sublist();
  const a = sub('s', 'A');
  const a2 = sub('s', 'a');
  const p = sub('s');
  for (const s of [a, a2, p]) sl.insert(s);
  assert.deepEqual(norm(sl.match('s')), { psubs: ids(p), qsubs: { A: ids(a), a: ids(a2) } });
  // A remove with the wrong queue name does not find the sub.
  assert.equal(sl.remove({ ...a, queue: 'B' }), false);
  assert.equal(sl.remove({ ...a }), false, 'a different object with the same fields is not the same sub');
  assert.equal(sl.count, 3);
});

test('duplicate insert of the same object is a no-op', () => {
  const sl = new Sublist();
  const p = sub('foo.*');
  const q = sub('foo.*', 'g');
  assert.equal(sl.insert(p), true);
  assert.equal(sl.insert(q), true);
  const genid = sl.genid;
  assert.equal(sl.insert(p), true);
  assert.equal(sl.insert(q), true);
  assert.equal(sl.count, 2);
  assert.equal(sl.genid, genid);
  assert.equal(sl.inserts, 2);
  assert.deepEqual(norm(sl.match('foo.x')), { psubs: ids(p), qsubs: { g: ids(q) } });
  assert.equal(sl.all().length, 2);
  // One remove is enough to take it out.
  assert.equal(sl.remove(p), true);
  assert.deepEqual(norm(sl.match('foo.x')), { psubs: [], qsubs: { g: ids(q) } });
  // Two distinct objects with equal fields are two subscriptions.
  const twin1 = sub('t');
  const twin2 = { ...twin1, id: twin1.id + 'b' };
  sl.insert(twin1);
  sl.insert(twin2);
  assert.equal(sl.match('t').psubs.length, 2);
});

test('remove of an absent sub returns false and changes nothing', () => {
  const sl = new Sublist();
  const present = sub('a.b.c');
  sl.insert(present);
  const genid = sl.genid;
  for (const s of [sub('a.b.c'), sub('a.b'), sub('a.b.c.d'), sub('a.*.c'), sub('a.>'), sub('>'), sub('x'), sub('a.b.c', 'q'), sub(''), sub('a..c')]) {
    assert.equal(sl.remove(s), false, s.id);
  }
  assert.equal(sl.count, 1);
  assert.equal(sl.genid, genid);
  assert.equal(sl.removes, 0);
  assert.equal(sl.remove(present), true);
  assert.equal(sl.remove(present), false, 'second remove');
  assert.equal(sl.count, 0);
  assert.equal(sl.removes, 1);
});

test('count, genid, inserts, removes, matches and all() track changes', () => {
  const sl = new Sublist();
  assert.equal(sl.count, 0);
  const subs = [sub('a'), sub('a.*'), sub('a.>'), sub('a', 'q'), sub('b.c', 'q'), sub('>')];
  let genid = sl.genid;
  subs.forEach((s, i) => {
    sl.insert(s);
    assert.equal(sl.count, i + 1);
    assert.ok(sl.genid > genid, 'genid grows on insert');
    genid = sl.genid;
  });
  assert.equal(sl.inserts, subs.length);
  assert.deepEqual(sl.all().map((s) => s.id).sort(), ids(...subs));
  const m0 = sl.matches;
  sl.match('a');
  sl.match('a');
  sl.hasInterest('zzz');
  assert.equal(sl.matches, m0 + 3);
  assert.equal(sl.genid, genid, 'matching does not change genid');
  subs.forEach((s, i) => {
    sl.remove(s);
    assert.equal(sl.count, subs.length - i - 1);
    assert.ok(sl.genid > genid, 'genid grows on remove');
    genid = sl.genid;
  });
  assert.equal(sl.removes, subs.length);
  assert.deepEqual(sl.all(), []);
  assert.equal(sl.hasInterest('a'), false);
});

test('removing subs prunes the trie so later inserts and matches still work', () => {
  const sl = new Sublist();
  const deep = sub('a.b.c.d.e');
  const wc = sub('a.*.c.>');
  sl.insert(deep);
  sl.insert(wc);
  sl.remove(deep);
  assert.deepEqual(matchIds(sl, 'a.b.c.d.e'), ids(wc));
  sl.remove(wc);
  assert.deepEqual(matchIds(sl, 'a.b.c.d.e'), []);
  assert.deepEqual(sl.all(), []);
  // Re-inserting along the pruned path works.
  const again = sub('a.b.c.d.e');
  const shorter = sub('a.b');
  sl.insert(again);
  sl.insert(shorter);
  assert.deepEqual(matchIds(sl, 'a.b.c.d.e'), ids(again));
  assert.deepEqual(matchIds(sl, 'a.b'), ids(shorter));
  // Removing a leaf keeps a sub on an inner node of the same path.
  sl.remove(again);
  assert.deepEqual(matchIds(sl, 'a.b'), ids(shorter));
  // And removing the inner one keeps a deeper one.
  const deeper = sub('a.b.c');
  sl.insert(deeper);
  sl.remove(shorter);
  assert.deepEqual(matchIds(sl, 'a.b.c'), ids(deeper));
});

test('hasInterest reflects plain and queue subs', () => {
  const sl = new Sublist();
  assert.equal(sl.hasInterest('foo'), false);
  const q = sub('foo', 'q');
  sl.insert(q);
  assert.equal(sl.hasInterest('foo'), true);
  sl.remove(q);
  assert.equal(sl.hasInterest('foo'), false);
  sl.insert(sub('*'));
  assert.equal(sl.hasInterest('foo'), true);
  assert.equal(sl.hasInterest('foo.bar'), false);
});
