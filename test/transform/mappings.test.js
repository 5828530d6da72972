// Weighted account mappings (MappingSet) and the `mappings { … }` configuration helper.
// Selection follows nats-server: destinations sorted by weight, cumulative ranges over
// [0, 100), the remainder (weights < 100) leaving the subject unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MappingSet, SubjectTransformError, TransformErrorKind as Kind, parseMappingsConfig, toByteString } from '../../dist/sublist/subject-transform.js';
import { parseConf } from '../../dist/conf/index.js';

/** rand() giving the percentile `p` (0..99). */
const at = (p) => () => (p + 0.5) / 100;

/** Counts the selected subjects over the 100 percentiles. */
function distribution(set, subject, cluster) {
  const counts = {};
  for (let p = 0; p < 100; p++) {
    const s = set.map(subject, cluster, at(p));
    counts[s] = (counts[s] ?? 0) + 1;
  }
  return counts;
}

function throwsKind(fn, kind, message) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof SubjectTransformError, String(err));
    assert.equal(err.kind, kind, err.message);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

test('single destination at 100%', () => {
  const m = new MappingSet('foo.*', [{ destination: 'bar.$1', weight: 100 }]);
  let calls = 0;
  const rand = () => (calls++, 0.5);
  assert.equal(m.select('foo.x', rand), 'bar.x');
  assert.equal(calls, 0); // no draw for a single full-weight destination
  assert.equal(m.select('nope.x'), 'nope.x');
  assert.equal(m.map('nope.x'), null);
  assert.equal(m.matches('foo.x'), true);
  assert.equal(m.matches('foo.x.y'), false);
  assert.equal(m.source, 'foo.*');
});

test('weighted selection: ranges sorted by weight, remainder unchanged', () => {
  // 40 + 30 → remainder 30. Sorted (stable): b 30, remainder 30, a 40.
  const m = new MappingSet('foo.*', [
    { destination: 'a.$1', weight: 40 },
    { destination: 'b.$1', weight: 30 },
  ]);
  assert.deepEqual(distribution(m, 'foo.x'), { 'b.x': 30, 'foo.x': 30, 'a.x': 40 });
  assert.equal(m.select('foo.x', at(0)), 'b.x');
  assert.equal(m.select('foo.x', at(29)), 'b.x');
  assert.equal(m.select('foo.x', at(30)), 'foo.x');
  assert.equal(m.select('foo.x', at(59)), 'foo.x');
  assert.equal(m.select('foo.x', at(60)), 'a.x');
  assert.equal(m.select('foo.x', at(99)), 'a.x');
  // Out-of-range rand values are clamped.
  assert.equal(m.select('foo.x', () => 1), 'a.x');
  assert.equal(m.select('foo.x', () => -1), 'b.x');

  const full = new MappingSet('orders.>', [
    { destination: 'east.>', weight: 60 },
    { destination: 'west.>', weight: 40 },
  ]);
  assert.deepEqual(distribution(full, 'orders.1.new'), { 'west.1.new': 40, 'east.1.new': 60 });

  const three = new MappingSet('foo', [
    { destination: 'a', weight: 20 },
    { destination: 'b', weight: 20 },
    { destination: 'c', weight: 20 },
  ]);
  assert.deepEqual(distribution(three, 'foo'), { a: 20, b: 20, c: 20, foo: 40 });
});

test('weighted selection with Math.random roughly follows the weights', () => {
  const m = new MappingSet('foo', [
    { destination: 'a', weight: 25 },
    { destination: 'b', weight: 75 },
  ]);
  const counts = { a: 0, b: 0 };
  for (let i = 0; i < 4000; i++) counts[m.select('foo')]++;
  assert.ok(counts.a > 700 && counts.a < 1300, JSON.stringify(counts));
  assert.equal(counts.a + counts.b, 4000);
});

test('destinations with functions', () => {
  const m = new MappingSet('foo.*.*', [
    { destination: '{{partition(3,1,2)}}.$2.$1', weight: 25 },
    { destination: 'r.$1.{{split(2,-)}}', weight: 25 },
  ]);
  assert.deepEqual(distribution(m, 'foo.a.b-c'), { '2.b-c.a': 25, 'r.a.b.c': 25, 'foo.a.b-c': 50 });
  const p = new MappingSet('foo.*', [{ destination: 'x.{{partition(4,1)}}.$1', weight: 100 }]);
  assert.equal(p.select('foo.bar'), 'x.2.bar');
});

test('errors as nats-server', () => {
  throwsKind(() => new MappingSet('foo.*', [{ destination: 'a.$1', weight: 50 }, { destination: 'b.$1', weight: 51 }]), Kind.TotalWeight, 'total weight needs to be <= 100');
  throwsKind(() => new MappingSet('foo.*', [{ destination: 'a.$1', weight: 101 }]), Kind.InvalidWeight, 'individual weights need to be <= 100');
  throwsKind(() => new MappingSet('foo.*', [{ destination: 'a.$1', weight: -1 }]), Kind.InvalidWeight);
  throwsKind(() => new MappingSet('foo.*', [{ destination: 'a.$1', weight: 1.5 }]), Kind.InvalidWeight);
  throwsKind(
    () => new MappingSet('foo.*', [{ destination: 'a.$1', weight: 10 }, { destination: 'a.$1', weight: 10 }]),
    Kind.DuplicateEntry,
    'duplicate entry for "a.$1"',
  );
  throwsKind(() => new MappingSet('foo..bar', [{ destination: 'a', weight: 10 }]), Kind.InvalidSubject, 'invalid subject');
  throwsKind(() => new MappingSet('foo. x', [{ destination: 'a', weight: 10 }]), Kind.InvalidSubject);
  throwsKind(() => new MappingSet('foo.*', [{ destination: 'x.*', weight: 100 }]), Kind.InvalidSubject);
  throwsKind(() => new MappingSet('foo.*', [{ destination: 'x..$1', weight: 100 }]), Kind.InvalidTransform);
  throwsKind(() => new MappingSet('foo.*', [{ destination: 'x y.$1', weight: 100 }]), Kind.InvalidTransform);
  throwsKind(() => new MappingSet('foo.*', [{ destination: '', weight: 100 }]), Kind.InvalidTransform);
  throwsKind(() => new MappingSet('foo.*', [{ destination: 'x.$2', weight: 100 }]), Kind.IndexOutOfRange);
  throwsKind(() => new MappingSet('foo.*', [{ destination: 'x.{{nope(1)}}', weight: 100 }]), Kind.UnknownFunction);
  // Weights are totalled per cluster: 60 + 60 in different scopes is fine.
  assert.ok(new MappingSet('foo.*', [{ destination: 'a.$1', weight: 60 }, { destination: 'c.$1', weight: 60, cluster: 'c1' }]));
  // Zero weights are allowed (and never selected).
  const z = new MappingSet('foo', [{ destination: 'never', weight: 0 }]);
  assert.deepEqual(distribution(z, 'foo'), { foo: 100 });
});

test('cluster-scoped destinations', () => {
  const m = new MappingSet('foo.*', [
    { destination: 'a.$1', weight: 50 },
    { destination: 'c1.$1', weight: 70, cluster: 'c1' },
    { destination: 'c2.$1', weight: 100, cluster: 'c2' },
  ]);
  // A cluster with its own entries uses only those (plus its own remainder).
  assert.deepEqual(distribution(m, 'foo.x', 'c1'), { 'foo.x': 30, 'c1.x': 70 });
  assert.deepEqual(distribution(m, 'foo.x', 'c2'), { 'c2.x': 100 });
  // Other clusters, and no cluster, use the default set.
  assert.deepEqual(distribution(m, 'foo.x', 'c3'), { 'a.x': 50, 'foo.x': 50 });
  assert.deepEqual(distribution(m, 'foo.x'), { 'a.x': 50, 'foo.x': 50 });
  assert.equal(m.select('foo.x', at(10), 'c2'), 'c2.x');
  assert.equal(m.select('foo.x', at(10), 'c3'), 'a.x');

  // Only cluster entries: elsewhere the subject is unchanged.
  const only = new MappingSet('foo', [{ destination: 'bar', weight: 100, cluster: 'east' }]);
  assert.equal(only.select('foo', at(5), 'east'), 'bar');
  assert.equal(only.select('foo', at(5), 'west'), 'foo');
});

test('listing the source itself turns the remainder into a drop', () => {
  // nats-server adds the "unchanged" remainder only when the source is not listed.
  const m = new MappingSet('foo', [
    { destination: 'foo', weight: 50 },
    { destination: 'bar', weight: 20 },
  ]);
  assert.deepEqual(distribution(m, 'foo'), { bar: 20, foo: 50, '': 30 });
  assert.equal(m.map('baz'), null);
});

test('mapping match rules (nats-server subset match)', () => {
  const m = new MappingSet('foo.*', [{ destination: 'x.$1', weight: 100 }]);
  // A `*` token may meet a `*` (a non-pedantic client can publish one); `>` and empty cannot.
  assert.equal(m.map('foo.*'), 'x.*');
  assert.equal(m.map('foo.>'), null);
  assert.equal(m.map('foo.'), null);
  assert.equal(m.map('foo'), null);
  assert.equal(m.map('foo.a.b'), null);
  const f = new MappingSet('foo.>', [{ destination: 'x.>', weight: 100 }]);
  assert.equal(f.map('foo.a.b'), 'x.a.b');
  assert.equal(f.map('foo'), null);
});

test('parseMappingsConfig: plain objects', () => {
  const { mappings, sets, errors } = parseMappingsConfig({
    'src.*': 'dest.$1',
    w: [
      { destination: 'a', weight: 40 },
      { destination: 'b', weight: '60%' },
    ],
    one: { Dest: 'x', Weight: '25', cluster: 'c1' },
  });
  assert.deepEqual(errors, []);
  assert.deepEqual(mappings, [
    { source: 'src.*', destinations: [{ destination: 'dest.$1', weight: 100 }] },
    { source: 'w', destinations: [{ destination: 'a', weight: 40 }, { destination: 'b', weight: 60 }] },
    { source: 'one', destinations: [{ destination: 'x', weight: 25, cluster: 'c1' }] },
  ]);
  assert.equal(sets.length, 3);
  assert.equal(sets[0].select('src.q'), 'dest.q');
  assert.equal(sets[1].select('w', at(10)), 'a');
  assert.equal(sets[1].select('w', at(90)), 'b');
  assert.equal(sets[2].select('one', at(0), 'c1'), 'x');
  assert.equal(sets[2].select('one', at(0)), 'one');
});

test('parseMappingsConfig: configuration text', () => {
  const conf = parseConf(`
    mappings {
      "orders.*.*": "shipping.$2.$1"
      "w": [{destination: "a", weight: 40%}, {destination: "b", weight: "60%"}]
      "c": [{dest: "c.east", weight: 100, cluster: "east"}]
    }
  `);
  const { mappings, sets, errors } = parseMappingsConfig(conf.mappings);
  assert.deepEqual(errors, []);
  assert.deepEqual(mappings[1], { source: 'w', destinations: [{ destination: 'a', weight: 40 }, { destination: 'b', weight: 60 }] });
  assert.equal(sets[0].select('orders.eu.42'), 'shipping.42.eu');
  assert.equal(sets[2].select('c', at(0), 'east'), 'c.east');
  assert.equal(sets[2].select('c', at(0), 'west'), 'c');
});

test("subjects: 'bytes' mappings", () => {
  const B = toByteString;
  const m = new MappingSet(B('prix.*'), [{ destination: B('coût.$1.{{partition(7,1)}}'), weight: 100 }], { subjects: 'bytes' });
  assert.equal(m.select(B('prix.éèà')), B('coût.éèà.1'));
  const { sets, mappings } = parseMappingsConfig({ 'prix.*': 'coût.$1' }, { subjects: 'bytes' });
  assert.equal(mappings[0].destinations[0].destination, 'coût.$1'); // specs keep the text
  assert.equal(sets[0].source, B('prix.*'));
  assert.equal(sets[0].select(B('prix.€')), B('coût.€'));
});

test('parseMappingsConfig: errors (nats-server wording), bad entries skipped', () => {
  const { mappings, errors } = parseMappingsConfig({
    'foo..bar': 'x',
    sum: [
      { destination: 'a', weight: 50 },
      { destination: 'b', weight: 51 },
    ],
    bad1: [{ destination: 'a', weight: '40.5%' }, { destination: 'b', weight: 20 }],
    bad2: { destination: 'a', weight: 101 },
    bad3: { destination: 'a', weight: 2.5 },
    bad4: { destination: 'a' },
    bad5: { destination: 'a', weight: 10, color: 'red' },
    bad6: 'x.$1',
    bad7: 42,
    bad8: { destination: 'a.*', weight: 10 },
  });
  assert.deepEqual(errors, [
    'Subject "foo..bar" is not a valid subject',
    'Error adding mapping for "sum" : total weight needs to be <= 100',
    'Invalid weight "40.5" for mapping destination',
    'Invalid weight 101 for mapping destination',
    'Unknown entry type for weight of 2.5\n',
    'Missing weight for mapping destination "a"',
    'Unknown field "color" for mapping destination',
    'Error adding mapping for "bad6" to "x.$1" : invalid mapping destination: wildcard index out of range in $1',
    'Expected an entry for the mapping destination',
    'Error adding mapping for "bad8" : invalid subject',
  ]);
  // bad1 keeps its valid entry, as nats-server does.
  assert.deepEqual(mappings, [{ source: 'bad1', destinations: [{ destination: 'b', weight: 20 }] }]);
  assert.deepEqual(parseMappingsConfig('nope').errors, ['Expected mappings to be a map, got string']);
});
