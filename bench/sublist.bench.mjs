#!/usr/bin/env node
// Sublist rates: cache-warm literal matches, cache-miss matches over 10k and 100k
// subscriptions of mixed literal/wildcard subjects, and insert/remove.
// Build first: `npx tsc -p .`
import { Sublist } from '../dist/sublist/sublist.js';

const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Subjects look like "svc.<region>.<entity>.<id>": 4 tokens, bounded alphabets per level
// so that wildcard subscriptions overlap realistically with literal ones.
const L1 = Array.from({ length: 8 }, (_, i) => `svc${i}`);
const L2 = Array.from({ length: 16 }, (_, i) => `r${i}`);
const L3 = Array.from({ length: 64 }, (_, i) => `e${i}`);
const ID_SPACE = 2000;

function literalSubject(rnd) {
  const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
  return `${pick(L1)}.${pick(L2)}.${pick(L3)}.${Math.floor(rnd() * ID_SPACE)}`;
}

/**
 * 95% literal; 5% wildcard: `*` for the entity or the id, or `>` after three tokens.
 * Each wildcard covers a small slice of the space, as per-service or per-entity subs do.
 */
function mixedSubject(rnd) {
  const t = literalSubject(rnd).split('.');
  const r = rnd();
  if (r < 0.95) return t.join('.');
  if (r < 0.975) {
    t[2 + Math.floor(rnd() * 2)] = '*';
    return t.join('.');
  }
  return [...t.slice(0, 3), '>'].join('.');
}

function makeSubs(n, seed, gen = mixedSubject) {
  const rnd = prng(seed);
  const subs = [];
  for (let i = 0; i < n; i++) subs.push({ subject: gen(rnd), queue: rnd() < 0.05 ? 'workers' : undefined });
  return subs;
}

function build(subs, cache = true) {
  const sl = new Sublist({ cache });
  for (const s of subs) sl.insert(s);
  return sl;
}

/** Runs `fn(n)` (which does n ops) in growing batches for ROUND_MS, ROUNDS times; median ops/s. */
function measure(fn, batch = 1000) {
  // Warm-up.
  const w = process.hrtime.bigint() + 200_000_000n;
  while (process.hrtime.bigint() < w) fn(batch);
  const rates = [];
  for (let r = 0; r < ROUNDS; r++) {
    let ops = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(ROUND_MS) * 1_000_000n;
    let now;
    do {
      ops += fn(batch);
      now = process.hrtime.bigint();
    } while (now < end);
    rates.push(ops / (Number(now - start) / 1e9));
  }
  rates.sort((a, b) => a - b);
  return { median: rates[rates.length >> 1], min: rates[0], max: rates.at(-1) };
}

/** One-shot timing of a single pass (insert/remove have to start from a known state). */
function once(fn) {
  const start = process.hrtime.bigint();
  const ops = fn();
  return ops / (Number(process.hrtime.bigint() - start) / 1e9);
}

const rows = [];
const fmt = (x) => Math.round(x).toLocaleString('en-US');
function report(name, r, note = '') {
  const row = { case: name, 'ops/s': fmt(typeof r === 'number' ? r : r.median) };
  if (typeof r !== 'number') row['min-max'] = `${fmt(r.min)}-${fmt(r.max)}`;
  row.note = note;
  rows.push(row);
}

// 1. Cache-warm literal hits: 10k subs, 256 hot subjects that each match something.
{
  const subs = makeSubs(10_000, 1);
  const sl = build(subs);
  const hot = subs.filter((s) => !s.subject.includes('*') && !s.subject.includes('>')).slice(0, 256).map((s) => s.subject);
  for (const s of hot) sl.match(s);
  let k = 0;
  let sink = 0;
  const r = measure((n) => {
    for (let i = 0; i < n; i++) sink += sl.match(hot[k++ & 255]).psubs.length;
    return n;
  });
  if (sink === 0) throw new Error('hot subjects matched nothing');
  report('match, cache warm, literal hit (10k subs)', r, `hit ratio ${(sl.cacheHits / sl.matches).toFixed(4)}`);
}

// 2. Cache-miss matches over 10k and 100k subs. Half the probe subjects are subscribed
//    literals, half random (mostly matching only wildcards or nothing).
for (const n of [10_000, 100_000]) {
  const subs = makeSubs(n, 2);
  const rnd = prng(3);
  const literals = subs.filter((s) => !/(^|\.)[*>](\.|$)/.test(s.subject)).map((s) => s.subject);
  const probes = Array.from({ length: 65536 }, () => (rnd() < 0.5 ? literals[Math.floor(rnd() * literals.length)] : literalSubject(rnd)));
  let k = 0;
  let found = 0;
  let calls = 0;
  const noCache = build(subs, false);
  const r1 = measure((b) => {
    for (let i = 0; i < b; i++) {
      const m = noCache.match(probes[k++ & 65535]);
      found += m.psubs.length + m.qsubs.length;
    }
    calls += b;
    return b;
  });
  report(`match, cache disabled (${n / 1000}k subs)`, r1, `avg ${(found / calls).toFixed(2)} results/match`);
  // Cache on, cycling through 65536 subjects: the 1024-entry cache never holds the next one,
  // so each call is a lookup miss + trie walk + cache insert (and periodic sweep).
  const withCache = build(subs, true);
  let u = 0;
  const r2 = measure((b) => {
    for (let i = 0; i < b; i++) withCache.match(probes[u++ & 65535]);
    return b;
  });
  report(`match, cache on, every lookup a miss (${n / 1000}k subs)`, r2, `hit ratio ${(withCache.cacheHits / withCache.matches).toFixed(3)}`);
}

// 3. Insert and remove: 100k mixed subs into an empty list, then remove them all.
{
  const subs = makeSubs(100_000, 4);
  const ins = [];
  const rem = [];
  for (let r = 0; r < ROUNDS; r++) {
    const sl = new Sublist();
    ins.push(once(() => {
      for (const s of subs) sl.insert(s);
      return subs.length;
    }));
    rem.push(once(() => {
      for (const s of subs) sl.remove(s);
      return subs.length;
    }));
    if (sl.count !== 0) throw new Error('remove left subs behind');
  }
  const med = (xs) => {
    xs.sort((a, b) => a - b);
    return { median: xs[xs.length >> 1], min: xs[0], max: xs.at(-1) };
  };
  report('insert 100k mixed subs (empty cache)', med(ins));
  report('remove 100k mixed subs (empty cache)', med(rem));
}

// 4. Insert/remove churn next to a full cache: each change invalidates cached subjects
//    (a wildcard change scans every cached key).
{
  const subs = makeSubs(10_000, 5);
  const sl = build(subs);
  const rnd = prng(6);
  const warm = () => {
    for (let i = 0; i < 1024; i++) sl.match(literalSubject(rnd));
  };
  for (const [label, gen] of [
    ['literal', literalSubject],
    ['wildcard', (r) => `${L1[Math.floor(r() * 8)]}.*.${L3[Math.floor(r() * 64)]}.>`],
  ]) {
    const churn = makeSubs(20_000, 7, gen);
    warm();
    let j = 0;
    const r = measure((b) => {
      for (let i = 0; i < b; i++) {
        const s = churn[j++ % churn.length];
        sl.insert(s);
        sl.remove(s);
        // Refill a little of the cache so it stays near full.
        sl.match(literalSubject(rnd));
      }
      return b * 2;
    }, 200);
    report(`insert+remove ${label} sub, ~1k-entry warm cache (10k subs)`, r, `cache size ${sl.cacheSize}`);
  }
}

console.log(`node ${process.version}, median of ${ROUNDS} rounds of >= ${ROUND_MS} ms (one-shot passes for insert/remove 100k)`);
console.table(rows);
