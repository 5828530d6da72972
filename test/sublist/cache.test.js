// The match cache never serves a stale result: targeted cases, then a randomized
// comparison of Sublist.match against a brute-force scan over every live sub.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sublist, sub, norm, bruteMatch, prng } from './helpers.js';

const ids = (...subs) => subs.map((s) => s.id).sort();

test('a literal insert or remove is seen by the next match of a cached subject', () => {
  const sl = new Sublist();
  assert.deepEqual(norm(sl.match('foo.bar')), { psubs: [], qsubs: {} });
  assert.equal(sl.cacheSize, 1);
  const lit = sub('foo.bar');
  sl.insert(lit);
  assert.deepEqual(norm(sl.match('foo.bar')), { psubs: ids(lit), qsubs: {} });
  const q = sub('foo.bar', 'g');
  sl.insert(q);
  assert.deepEqual(norm(sl.match('foo.bar')), { psubs: ids(lit), qsubs: { g: ids(q) } });
  sl.remove(lit);
  assert.deepEqual(norm(sl.match('foo.bar')), { psubs: [], qsubs: { g: ids(q) } });
  sl.remove(q);
  assert.deepEqual(norm(sl.match('foo.bar')), { psubs: [], qsubs: {} });
});

test('a wildcard insert or remove is seen by every cached subject it matches', () => {
  const sl = new Sublist();
  const subjects = ['a.b', 'a.c', 'a.b.c', 'x.y', 'a'];
  for (const s of subjects) sl.match(s);
  assert.equal(sl.cacheSize, subjects.length);
  const star = sub('a.*');
  sl.insert(star);
  assert.deepEqual(norm(sl.match('a.b')).psubs, ids(star));
  assert.deepEqual(norm(sl.match('a.c')).psubs, ids(star));
  assert.deepEqual(norm(sl.match('a.b.c')).psubs, []);
  assert.deepEqual(norm(sl.match('a')).psubs, []);
  const gt = sub('a.>', 'q');
  sl.insert(gt);
  assert.deepEqual(norm(sl.match('a.b')), { psubs: ids(star), qsubs: { q: ids(gt) } });
  assert.deepEqual(norm(sl.match('a.b.c')), { psubs: [], qsubs: { q: ids(gt) } });
  assert.deepEqual(norm(sl.match('a')), { psubs: [], qsubs: {} });
  const all = sub('>');
  sl.insert(all);
  for (const s of subjects) assert.ok(norm(sl.match(s)).psubs.includes(all.id), s);
  sl.remove(star);
  assert.deepEqual(norm(sl.match('a.c')), { psubs: ids(all), qsubs: { q: ids(gt) } });
  sl.remove(gt);
  sl.remove(all);
  for (const s of subjects) assert.deepEqual(norm(sl.match(s)), { psubs: [], qsubs: {} }, s);
});

test('an unrelated insert keeps cached entries (cache hits), a related one drops them', () => {
  const sl = new Sublist();
  const base = sub('a.*');
  sl.insert(base);
  sl.match('a.b');
  sl.match('x.y');
  const hits0 = sl.cacheHits;
  sl.insert(sub('q.*'));
  sl.insert(sub('a.c'));
  sl.insert(sub('a.b.c'));
  sl.match('a.b');
  sl.match('x.y');
  assert.equal(sl.cacheHits, hits0 + 2, 'entries not matched by the new subs stay cached');
  const wide = sub('*.b');
  sl.insert(wide);
  sl.match('x.y');
  assert.equal(sl.cacheHits, hits0 + 3);
  assert.deepEqual(norm(sl.match('a.b')).psubs, ids(base, wide));
  assert.equal(sl.cacheHits, hits0 + 3, 'a.b was recomputed, not served from cache');
});

test('a result returned earlier is a snapshot: later changes do not alter it', () => {
  const sl = new Sublist();
  const a = sub('s.*');
  sl.insert(a);
  const r1 = sl.match('s.t');
  const before = norm(r1);
  const b = sub('s.t');
  sl.insert(b);
  sl.insert(sub('s.t', 'q'));
  sl.remove(a);
  assert.deepEqual(norm(r1), before);
  assert.deepEqual(norm(sl.match('s.t')).psubs, ids(b));
  const empty = sl.match('nothing.here');
  sl.insert(sub('nothing.here'));
  assert.deepEqual(empty.psubs, []);
  assert.equal(sl.match('nothing.here').psubs.length, 1);
});

test('the cache stays bounded and correct past its size limit', () => {
  const sl = new Sublist();
  const star = sub('n.*');
  sl.insert(star);
  for (let i = 0; i < 5000; i++) {
    const r = sl.match(`n.${i}`);
    assert.equal(r.psubs.length, 1);
    assert.ok(sl.cacheSize <= 1024, `cache size ${sl.cacheSize}`);
  }
  const lit = sub('n.4999');
  sl.insert(lit);
  assert.deepEqual(norm(sl.match('n.4999')).psubs, ids(star, lit));
  sl.remove(star);
  assert.deepEqual(norm(sl.match('n.4998')).psubs, []);
  assert.deepEqual(norm(sl.match('n.10')).psubs, []);
});

test('with the cache disabled, nothing is cached and results are still right', () => {
  const sl = new Sublist({ cache: false });
  const a = sub('a.>');
  sl.insert(a);
  assert.deepEqual(norm(sl.match('a.b')).psubs, ids(a));
  assert.deepEqual(norm(sl.match('a.b')).psubs, ids(a));
  assert.equal(sl.cacheSize, 0);
  assert.equal(sl.cacheHits, 0);
  sl.remove(a);
  assert.deepEqual(norm(sl.match('a.b')).psubs, []);
});

/**
 * Random insert/remove/match against a brute-force model. `tokens` is the alphabet,
 * `maxDepth` the longest subject; a wide alphabet overflows the cache and exercises sweeps.
 */
function randomized(seed, { ops, tokens, maxDepth, cache = true }) {
  const rnd = prng(seed);
  const sl = new Sublist({ cache });
  const live = [];
  const queues = [undefined, undefined, undefined, 'q1', 'q2'];
  const randSubject = (wild) => {
    const depth = 1 + rnd.int(maxDepth);
    const parts = [];
    for (let d = 0; d < depth; d++) {
      if (wild && rnd.chance(0.2)) parts.push('*');
      else parts.push(rnd.pick(tokens));
    }
    if (wild && rnd.chance(0.15)) parts[depth - 1] = '>';
    return parts.join('.');
  };
  const step = (i, what) => `seed ${seed} op ${i}: ${what}`;
  for (let i = 0; i < ops; i++) {
    const r = rnd.next();
    if (r < 0.25 || live.length === 0) {
      const s = sub(randSubject(true), rnd.pick(queues));
      const genid = sl.genid;
      assert.equal(sl.insert(s), true, step(i, `insert ${s.id}`));
      live.push(s);
      assert.ok(sl.genid !== genid, step(i, 'genid changes on insert'));
    } else if (r < 0.42) {
      const k = rnd.int(live.length);
      const s = live[k];
      live[k] = live[live.length - 1];
      live.pop();
      const genid = sl.genid;
      assert.equal(sl.remove(s), true, step(i, `remove ${s.id}`));
      assert.ok(sl.genid !== genid, step(i, 'genid changes on remove'));
    } else if (r < 0.45) {
      // Duplicate insert, and remove of something absent: no-ops.
      const s = rnd.pick(live);
      const genid = sl.genid;
      assert.equal(sl.insert(s), true, step(i, `re-insert ${s.id}`));
      assert.equal(sl.remove(sub(s.subject, s.queue)), false, step(i, `remove absent twin of ${s.id}`));
      assert.equal(sl.genid, genid, step(i, 'no-ops leave genid'));
    } else {
      let subject = randSubject(false);
      if (rnd.chance(0.03)) subject = rnd.pick(['', `${subject}.`, `.${subject}`, subject.replace('.', '..')]);
      // Publishing to a wildcard subject is allowed without pedantic mode.
      else if (rnd.chance(0.03)) subject = randSubject(true);
      const got = norm(sl.match(subject));
      const want = /(^|\.)(\.|$)/.test(subject) || subject === '' ? { psubs: [], qsubs: {} } : bruteMatch(live, subject);
      assert.deepEqual(got, want, step(i, `match ${JSON.stringify(subject)}`));
    }
    assert.equal(sl.count, live.length, step(i, 'count'));
  }
  assert.deepEqual(
    sl.all().map((s) => s.id).sort(),
    live.map((s) => s.id).sort(),
    `seed ${seed}: all()`,
  );
  return sl;
}

const fresh = (Date.now() ^ (process.pid << 12)) >>> 0;
const SEEDS = [1, 2, 3, 1234, 987654321, fresh];

test('randomized: small alphabet, cache warm, against brute force', () => {
  for (const seed of SEEDS) {
    const sl = randomized(seed, { ops: 2500, tokens: ['a', 'b', 'c'], maxDepth: 4 });
    assert.ok(sl.cacheHits > 0, `seed ${seed}: the cache was exercised`);
  }
});

test('randomized: wide alphabet overflowing the cache, against brute force', () => {
  for (const seed of SEEDS) {
    randomized(seed + 7, { ops: 3000, tokens: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], maxDepth: 5 });
  }
});

test('randomized: cache disabled, against brute force', () => {
  for (const seed of SEEDS.slice(0, 3)) randomized(seed + 13, { ops: 2000, tokens: ['a', 'b', 'c'], maxDepth: 4, cache: false });
});
