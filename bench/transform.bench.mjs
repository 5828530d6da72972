#!/usr/bin/env node
// Subject transform rates on the publish path: a 2-wildcard mapping, a partition mapping,
// a weighted MappingSet, and a non-matching subject.
// Build first: `npx tsc -p .`
import { SubjectTransform, MappingSet } from '../dist/sublist/subject-transform.js';

const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 300);

// 1024 distinct subjects "orders.<region>.<id>", cycled so nothing is constant-folded. They
// are decoded from a Buffer as the protocol parser does (flat latin1 strings; template
// literals would give cons strings, which are slower to scan and never reach the server).
const REGIONS = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south', 'ap-northeast', 'sa-east', 'af-south'];
const wire = (s) => Buffer.from(s, 'utf8').toString('latin1');
const SUBJECTS = Array.from({ length: 1024 }, (_, i) => wire(`orders.${REGIONS[i % REGIONS.length]}.${100000 + i * 7919}`));
const MISSES = SUBJECTS.map((s) => wire(s.replace('orders.', 'invoices.')));
const MASK = SUBJECTS.length - 1;

/** Runs `fn(i)` in batches for ROUND_MS; returns calls per second. */
function rate(fn) {
  let n = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  const limit = start + BigInt(ROUND_MS) * 1_000_000n;
  let now = start;
  while (now < limit) {
    for (let j = 0; j < 4096; j++) {
      const r = fn(n++ & MASK);
      sink += r === null ? 0 : r.length;
    }
    now = process.hrtime.bigint();
  }
  if (sink < 0) console.log(sink);
  return (n * 1e9) / Number(now - start);
}

function bench(name, fn) {
  const end = Date.now() + WARMUP_MS;
  while (Date.now() < end) rate(fn);
  const rates = [];
  for (let r = 0; r < ROUNDS; r++) rates.push(rate(fn));
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)];
  const fmt = (x) => `${(x / 1e6).toFixed(2)}M`;
  console.log(
    `${name.padEnd(46)} ${fmt(median).padStart(8)} transforms/s  (${fmt(rates[0])}–${fmt(rates[rates.length - 1])}, ${(1e9 / median).toFixed(0)} ns/op)`,
  );
}

const bytes = { subjects: 'bytes' };
const twoWildcards = new SubjectTransform('orders.*.*', 'shipping.$2.{{wildcard(1)}}', bytes);
const partition = new SubjectTransform('orders.*.*', 'orders.{{partition(16,1,2)}}.$1.$2', bytes);
const partitionWhole = new SubjectTransform('orders.>', 'p.{{partition(8)}}.>', bytes);
let seed = 1;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
const weighted = new MappingSet('orders.*.*', [
  { destination: 'east.$1.$2', weight: 40 },
  { destination: 'west.{{partition(4,2)}}.$2', weight: 40 },
], bytes);

console.log(`example: ${SUBJECTS[0]} -> ${twoWildcards.match(SUBJECTS[0])} | ${partition.match(SUBJECTS[0])}`);
bench('2 wildcards: orders.*.* -> shipping.$2.$1', (i) => twoWildcards.match(SUBJECTS[i]));
bench('partition(16,1,2) + $1.$2', (i) => partition.match(SUBJECTS[i]));
bench('partition(8) of the whole subject + >', (i) => partitionWhole.match(SUBJECTS[i]));
bench('MappingSet 40/40/20 (wildcard, partition, keep)', (i) => weighted.select(SUBJECTS[i], rand));
bench('no match (different first token)', (i) => twoWildcards.match(MISSES[i]));
