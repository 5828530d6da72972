// SubjectTransform: construction errors, every destination function, matching rules,
// import-only (strict) transforms, reverse(), helpers. Expected values (partitions in
// particular) are nats-server's: some come from its subject_transform_test.go, the others
// were computed by running nats-server's transform code on the same inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SubjectTransform,
  SubjectTransformError,
  TransformErrorKind as Kind,
  fnv1a32,
  toByteString,
  transformTokenize,
  transformUntokenize,
  validateMapping,
} from '../../dist/sublist/subject-transform.js';

const MAX_INT32 = 2147483647;

/** Asserts that building the transform throws a SubjectTransformError of `kind` (and `message`). */
function throwsKind(fn, kind, message) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof SubjectTransformError, `not a SubjectTransformError: ${err}`);
    assert.equal(err.kind, kind, err.message);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

const tr = (src, dest, opts) => new SubjectTransform(src, dest, opts);
const map = (src, dest, subject) => tr(src, dest).match(subject);

test('invalid source or destination subjects', () => {
  const bad = [
    ['foo..', 'bar'],
    ['foo.*', 'bar.*'], // no wildcards in the destination
    ['foo.*', 'bar.$1.>'], // `>` on one side only
    ['foo.>', 'bar.baz'],
    ['foo.*', 'foo.>.x'],
    ['.foo', 'bar'],
  ];
  for (const [s, d] of bad) throwsKind(() => tr(s, d), Kind.InvalidSubject, 'invalid subject');
  // Any error is a SubjectTransformError that is not a mapping-destination error here.
  try {
    tr('foo..', 'bar');
  } catch (err) {
    assert.equal(err.isMappingDestinationError, false);
    assert.equal(err.name, 'SubjectTransformError');
  }
});

test('destination function errors, with nats-server messages', () => {
  const P = 'invalid mapping destination';
  const cases = [
    ['foo.*', 'bar.$2', Kind.IndexOutOfRange, `${P}: wildcard index out of range in $2: [2]`],
    ['foo.*', 'foo.{{wildcard(2)}}', Kind.IndexOutOfRange, `${P}: wildcard index out of range in {{wildcard(2)}}: [2]`],
    ['foo', 'bla.{{wildcard(1)}}', Kind.IndexOutOfRange, `${P}: wildcard index out of range in {{wildcard(1)}}`],
    ['foo', 'bar.$1', Kind.IndexOutOfRange, `${P}: wildcard index out of range in $1`],
    ['foo', 'bar.{{left(1,2)}}', Kind.IndexOutOfRange, undefined],
    ['foo.>', 'bar.$1.>', Kind.IndexOutOfRange, `${P}: wildcard index out of range in $1: [1]`],
    ['foo.*', 'foo.{{unimplemented(1)}}', Kind.UnknownFunction, `${P}: unknown function in {{unimplemented(1)}}`],
    ['foo.*', 'foo.{{ wildcard5) }}', Kind.UnknownFunction, undefined],
    ['foo.*', 'foo.{{splitLeft(2,2}}', Kind.UnknownFunction, undefined],
    // Only the first letter of each word may change case, as nats-server's regexps.
    ['foo.*', 'foo.{{WILDCARD(1)}}', Kind.UnknownFunction, undefined],
    ['foo.*', 'foo.{{partition()}}', Kind.InvalidArg, `${P}: function argument is invalid or in the wrong format in {{partition()}}`],
    ['foo.*', 'foo.{{random()}}', Kind.InvalidArg, undefined],
    ['foo.*', 'foo.{{random(1,2)}}', Kind.NotEnoughArgs, undefined], // sic: nats-server's classification
    ['foo.*', 'foo.{{wildcard(foo)}}', Kind.InvalidArg, undefined],
    ['foo.*', 'foo.{{wildcard()}}', Kind.NotEnoughArgs, `${P}: not enough arguments passed to the function in {{wildcard()}}`],
    ['foo.*', 'foo.{{wildcard(1,2)}}', Kind.TooManyArgs, `${P}: too many arguments passed to the function in {{wildcard(1,2)}}`],
    ['foo.*', 'foo.{{left(1)}}', Kind.NotEnoughArgs, undefined],
    ['foo.*', 'foo.{{right(1,2,3)}}', Kind.TooManyArgs, undefined],
    ['foo.*', 'foo.{{sliceFromLeft(1,x)}}', Kind.InvalidArg, undefined],
    ['foo.*', `foo.{{splitFromRight(1,${MAX_INT32 + 1})}}`, Kind.InvalidArg, undefined],
    ['foo.*', 'foo.{{split(1)}}', Kind.NotEnoughArgs, undefined],
    ['foo.*', 'foo.{{split(1,-,x)}}', Kind.TooManyArgs, undefined],
    ['foo.*', 'foo.{{split(x,-)}}', Kind.InvalidArg, undefined],
    ['foo.*', 'foo.{{split(1,- )}}', Kind.InvalidArg, undefined], // no space in the separator
    ['foo.*', `foo.{{partition(${MAX_INT32 + 1})}}`, Kind.InvalidArg, undefined],
    ['foo.*', `foo.{{random(${MAX_INT32 + 1})}}`, Kind.InvalidArg, undefined],
    ['foo.*', 'foo.{{partition(3,x)}}', Kind.InvalidArg, undefined],
  ];
  for (const [s, d, kind, message] of cases) {
    throwsKind(() => tr(s, d), kind, message);
    try {
      tr(s, d);
    } catch (err) {
      assert.equal(err.isMappingDestinationError, true, `${s} -> ${d}`);
    }
  }
});

test('accepted transforms', () => {
  const ok = [
    ['foo.*.*', 'bar.$2'], // not every wildcard has to be used (non-import)
    ['foo.*.*', 'bar.{{wildcard(1)}}'],
    ['foo.*.*', 'bar.{{partition(1)}}'],
    ['foo.*.*', 'bar.{{random(5)}}'],
    ['foo', 'bar'],
    ['foo.*.bar.*.baz', 'req.$2.$1'],
    ['baz.>', 'mybaz.>'],
    ['*', '{{splitfromleft(1,1)}}'],
    ['', 'prefix.>'],
    ['*.*', '{{partition(10,1,2)}}'],
    ['foo.*.*', 'foo.{{wildcard(1)}}.{{wildcard(2)}}.{{partition(5,1,2)}}'],
    ['foo.*', `foo.{{partition(${MAX_INT32})}}`],
    ['foo.*', `foo.{{random(${MAX_INT32})}}`],
    ['foo.bar', `foo.{{random(${MAX_INT32})}}`],
    ['foo.bar', 'baz.{{partition(10)}}'],
    ['foo.*', 'foo.$foo.$1'], // `$foo` is literal text
    ['foo.*', 'x.{{}}.$1'], // too short to be a function: literal
  ];
  for (const [s, d] of ok) assert.ok(tr(s, d) instanceof SubjectTransform, `${s} -> ${d}`);
  const t = tr('', 'prefix.>');
  assert.equal(t.source, '>');
  assert.equal(t.destination, 'prefix.>');
  assert.equal(t.importOnly, false);
});

test('legacy $n and wildcard()', () => {
  assert.equal(map('', 'prefix.>', 'foo'), 'prefix.foo');
  assert.equal(map('foo', 'bar', 'foo'), 'bar');
  assert.equal(map('foo.*.bar.*.baz', 'req.$2.$1', 'foo.A.bar.B.baz'), 'req.B.A');
  assert.equal(map('foo.*.bar.*.baz', 'req.{{wildcard(2)}}.{{wildcard(1)}}', 'foo.A.bar.B.baz'), 'req.B.A');
  assert.equal(map('foo.*.bar.*.baz', 'req.{{ Wildcard ( 2 ) }}.$1', 'foo.A.bar.B.baz'), 'req.B.A');
  assert.equal(map('baz.>', 'my.pre.>', 'baz.1.2.3'), 'my.pre.1.2.3');
  assert.equal(map('baz.>', 'foo.bar.>', 'baz.1.2.3'), 'foo.bar.1.2.3');
  assert.equal(map('*', 'foo.bar.$1', 'foo'), 'foo.bar.foo');
  assert.equal(map('*.>', 'x.$1.>', 'a.b.c'), 'x.a.b.c');
  assert.equal(map('foo.*', 'x.$1.$1', 'foo.bar'), 'x.bar.bar');
  assert.equal(map('foo.*', 'x.$foo.$1', 'foo.bar'), 'x.$foo.bar');
  // Go's Atoi accepts a sign and leading zeros.
  assert.equal(map('foo.*', 'x.$01', 'foo.bar'), 'x.bar');
  assert.equal(map('foo.*', 'x.$+1', 'foo.bar'), 'x.bar');
  // Index 0 (or below) reads the subject's first token, as nats-server's lookup does.
  assert.equal(map('foo.*', 'x.$0', 'foo.bar'), 'x.foo');
  assert.equal(map('foo.*', 'x.{{wildcard(0)}}', 'foo.bar'), 'x.foo');
  assert.equal(map('foo.*', 'x.$-1', 'foo.bar'), 'x.foo');
});

test('split functions', () => {
  assert.equal(map('*', '{{splitfromleft(1,3)}}', '12345'), '123.45');
  assert.equal(map('*', '{{SplitFromRight(1,3)}}', '12345'), '12.345');
  assert.equal(map('*', '{{SplitFromLeft(1,0)}}', '12345'), '12345'); // out of range: unchanged
  assert.equal(map('*', '{{splitFromLeft(1,5)}}', '12345'), '12345');
  assert.equal(map('*', '{{splitFromRight(1,-1)}}', '12345'), '12345');
  assert.equal(map('*', '{{split(1,-)}}', '-abc-def--ghi-'), 'abc.def.ghi');
  assert.equal(map('*', '{{split(1,-)}}', 'abc-def--ghi-'), 'abc.def.ghi');
  assert.equal(map('*', '{{split(1, -)}}', 'a-b'), 'a.b'); // spaces after the comma are dropped
  assert.equal(map('*', '{{split(1,ab)}}', 'xabyabz'), 'x.y.z');
  assert.equal(map('*', '{{split(1,-)}}', 'nodash'), 'nodash');
  // nats-server's separator placement, quirks included: two leading separators leave a dot.
  assert.equal(map('*', '{{split(1,-)}}', '--abc'), '.abc');
  assert.equal(map('*.*', '{{split(2,-)}}.{{splitfromleft(1,2)}}', 'foo.-abc-def--ghij-'), 'abc.def.ghij.fo.o');
});

test('slice, left and right functions', () => {
  assert.equal(map('*', '{{SliceFromLeft(1,3)}}', '1234567890'), '123.456.789.0');
  assert.equal(map('*', '{{SliceFromRight(1,3)}}', '1234567890'), '1.234.567.890');
  assert.equal(map('*', '{{sliceFromLeft(1,3)}}', '123456'), '123.456');
  assert.equal(map('*', '{{sliceFromRight(1,3)}}', '123456'), '123.456');
  assert.equal(map('*', '{{sliceFromLeft(1,1)}}', '1234567'), '1.2.3.4.5.6.7');
  assert.equal(map('*', '{{sliceFromLeft(1,7)}}', '1234567'), '1234567');
  assert.equal(map('*', '{{sliceFromRight(1,0)}}', '1234567'), '1234567');
  assert.equal(map('*', '{{right(1,1)}}', '1234'), '4');
  assert.equal(map('*', '{{right(1,3)}}', '1234'), '234');
  assert.equal(map('*', '{{right(1,6)}}', '1234'), '1234');
  assert.equal(map('*', '{{left(1,1)}}', '1234'), '1');
  assert.equal(map('*', '{{left(1,3)}}', '1234'), '123');
  assert.equal(map('*', '{{left(1,6)}}', '1234'), '1234');
  assert.equal(map('*', '{{Left(1,-1)}}', '1234'), '1234');
  // Lengths are UTF-8 bytes, as in Go.
  assert.equal(map('*', '{{left(1,2)}}', 'éa'), 'é');
  assert.equal(map('*', '{{right(1,2)}}', 'aé'), 'é');
  assert.equal(map('*', '{{right(1,2)}}', 'aéb'), '\ufffdb'); // cut inside a character
  assert.equal(map('*', '{{splitFromLeft(1,2)}}', 'éa'), 'é.a');
  assert.equal(map('*', '{{split(1,é)}}', 'aébéc'), 'a.b.c');
  // Several functions and literals together.
  assert.equal(map('*.*', 'x.{{left(2,2)}}.{{right(1,1)}}.$2', 'abc.defg'), 'x.de.c.defg');
});

test('partition: FNV-1a 32 of the selected tokens, no separator', () => {
  // From nats-server's tests.
  assert.equal(map('*', 'bar.{{partition(0)}}', 'baz'), 'bar.0');
  assert.equal(map('*', 'bar.{{partition(10, 0)}}', 'foo'), 'bar.3');
  assert.equal(map('*.*', 'bar.{{partition(10)}}', 'foo.bar'), 'bar.6');
  assert.equal(map('*', 'bar.{{partition(10)}}', 'foo'), 'bar.3');
  assert.equal(map('*', 'bar.{{partition(10)}}', 'baz'), 'bar.0');
  assert.equal(map('*', 'bar.{{partition(10)}}', 'qux'), 'bar.9');
  assert.equal(map('foo.bar', 'baz.{{partition(10)}}', 'foo.bar'), 'baz.6');
  assert.equal(map('foo.baz', 'qux.{{partition(10)}}', 'foo.baz'), 'qux.4');
  assert.equal(map('test.subject', 'result.{{partition(5)}}', 'test.subject'), 'result.0');
  // Computed with nats-server's code.
  assert.equal(map('*', 'bar.{{partition(7)}}', 'hello'), 'bar.2');
  assert.equal(map('*', 'bar.{{partition(7)}}', 'éèà'), 'bar.1'); // hashed as UTF-8
  assert.equal(map('*', 'bar.{{partition(7)}}', '😀x'), 'bar.6');
  assert.equal(map('*', 'bar.{{partition(1000)}}', '日本'), 'bar.721');
  assert.equal(map('*', 'bar.{{partition(-3)}}', 'foo'), 'bar.2851307223'); // uint32 modulus
  assert.equal(map('*', `bar.{{partition(${MAX_INT32})}}`, 'foo'), 'bar.703823576');
  assert.equal(map('*', 'x.{{partition(3,1)}}', 'ORDERS-123'), 'x.1');
  // Selected tokens are concatenated with no separator, in the order given.
  assert.equal(map('*.*', '{{partition(16,1,2)}}', 'orders.eu'), '10');
  assert.equal(map('*', '{{partition(16)}}', 'orderseu'), '10');
  assert.equal(map('*.*', '{{partition(16,2,1)}}', 'orders.eu'), '6');
  assert.equal(map('*', '{{partition(16)}}', 'euorders'), '6');
  // Without indexes the whole subject (dots included) is hashed.
  assert.equal(map('*.*', '{{partition(16)}}', 'orders.eu'), '4');
  assert.equal(map('orders.*.*', 'o.{{partition(8,1,2)}}.$1.$2', 'orders.eu.42'), 'o.1.eu.42');
  assert.equal(map('orders.*.*', 'o.{{partition(8,2)}}.$1', 'orders.eu.42'), 'o.3.eu');
  assert.equal(map('*.*.>', '$2.{{partition(4,0)}}.>', 'a.b.c.d'), 'b.0.c.d');
  // Whitespace and first-letter case are tolerated.
  assert.equal(map('*', '{{ Partition ( 10 , 1 ) }}', 'foo'), '3');
  // The partition of one subject is stable.
  const t = tr('*.*', 'p.{{partition(32,1,2)}}');
  assert.equal(t.match('a.b'), t.match('a.b'));
});

test('fnv1a32 reference vectors', () => {
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  assert.equal(fnv1a32('é'), 0x1e9de8c1);
  assert.equal(fnv1a32('😀'), 0x33a29608);
});

test("subjects: 'bytes' (latin1 byte strings, as the protocol parser yields them)", () => {
  const B = toByteString;
  const bytes = { subjects: 'bytes' };
  assert.equal(B('éa'), 'Ã©a');
  assert.equal(B('plain'), 'plain');
  // Same hashes as text mode: both hash the UTF-8 bytes.
  assert.equal(fnv1a32(B('é'), 'bytes'), 0x1e9de8c1);
  assert.equal(fnv1a32(B('😀'), 'bytes'), 0x33a29608);
  assert.equal(tr('*', 'bar.{{partition(7)}}', bytes).match(B('éèà')), 'bar.1');
  assert.equal(tr('*', 'bar.{{partition(1000)}}', bytes).match(B('日本')), 'bar.721');
  // Byte positions, exactly as Go, even inside a character.
  assert.equal(tr('*', '{{left(1,2)}}', bytes).match(B('éa')), B('é'));
  assert.equal(tr('*', '{{right(1,1)}}', bytes).match(B('aé')), '\xa9');
  assert.equal(tr('*', '{{split(1,)}}', bytes).match(B('aéb')), B('a.é.b'));
  assert.equal(tr('*', '{{split(1,)}}').match('aéb'), 'a.é.b');
  // Literal text in the destination is converted by the caller too.
  const t = tr(B('prix.*'), B('coût.$1'), bytes);
  assert.equal(t.subjects, 'bytes');
  assert.equal(t.match(B('prix.€')), B('coût.€'));
  assert.equal(t.reverse().match(B('coût.€')), B('prix.€'));
  assert.equal(tr('a.*', 'b.$1').subjects, 'text');
});

test('random(n)', () => {
  assert.equal(map('*', 'bar.{{random(0)}}', 'qux'), 'bar.0');
  const seen = new Set();
  const t = tr('*', 'bar.{{random(6)}}');
  for (let i = 0; i < 300; i++) seen.add(t.match('qux'));
  for (const s of seen) assert.match(s, /^bar\.[0-5]$/);
  assert.ok(seen.size > 1);
  // Injected source: floor(r * 2^31) % n.
  const fixed = tr('*', 'r.{{random(10)}}.$1', { random: () => 0.5 });
  assert.equal(fixed.match('x'), `r.${(2 ** 30) % 10}.x`);
  assert.equal(tr('foo.bar', 'r.{{random(4)}}', { random: () => 0.99 }).match('foo.bar'), `r.${Math.floor(0.99 * 2 ** 31) % 4}`);
});

test('match returns null unless the subject is a literal subject under the source', () => {
  const t = tr('foo.*', 'x.$1');
  assert.equal(t.match('foo.bar'), 'x.bar');
  for (const s of ['foo', 'foo.bar.baz', 'bar.baz', 'foo.*', 'foo.>', 'foo.', '', 'fo.bar', 'fooo.bar']) {
    assert.equal(t.match(s), null, s);
    assert.equal(t.matches(s), false, s);
  }
  assert.equal(t.matches('foo.bar'), true);
  const f = tr('foo.>', 'x.>');
  assert.equal(f.match('foo.a.b'), 'x.a.b');
  assert.equal(f.match('foo'), null);
  assert.equal(f.match('foo.a.*'), null);
  assert.equal(f.match('foo.a..b'), null);
  assert.equal(tr('>', 'x.>').match('a..b'), null);
  // `>` to `>` passes any subject through untouched, as nats-server.
  assert.equal(tr('>', '>').match('a..b'), 'a..b');
  // Literal destination: the same string every time.
  assert.equal(tr('foo.*', 'fixed.dest').match('foo.x'), 'fixed.dest');
  assert.equal(tr('foo', 'bar').match('foo.bar'), null);
});

test('an empty destination is an identity transform', () => {
  const t = tr('foo.*', '');
  assert.equal(t.match('foo.x'), 'foo.x');
  assert.equal(t.match('bar.x'), null);
  assert.equal(t.transform('anything'), 'anything');
  assert.equal(tr('', '').match('a.b'), 'a.b');
});

test('transform() does not check the source (TransformSubject)', () => {
  assert.equal(tr('foo.*', 'one.two.{{wildcard(1)}}').transform('foo'), 'one.two.');
  assert.equal(tr('foo.*', 'one.$1').transform('bar.baz.q'), 'one.baz');
  assert.equal(tr('foo.*.>', 'one.$1.>').transform('x.*.>'), 'one.*.>');
  assert.equal(tr('foo.*', 'one.$1').transform('foo.*'), 'one.*');
});

test('import-only (strict) transforms', () => {
  const P = 'invalid mapping destination';
  const imp = (s, d) => SubjectTransform.forImport(s, d);
  assert.equal(imp('foo.*', 'bar.{{Wildcard(1)}}').match('foo.x'), 'bar.x');
  assert.equal(imp('foo.*.*', 'bar.$2.$1').match('foo.a.b'), 'bar.b.a');
  assert.equal(imp('foo.*', 'bar.$1').importOnly, true);
  assert.equal(tr('foo.*', 'bar.$1', { importOnly: true }).importOnly, true);
  throwsKind(() => imp('foo.*.*', 'bar.$2'), Kind.NotUsingAllWildcards, `${P}: not using all of the token wildcard(s) in bar.$2`);
  throwsKind(() => imp('foo.*', 'foo.$foo'), Kind.NotUsingAllWildcards);
  throwsKind(
    () => imp('foo.*', 'bar.{{Partition(2,1)}}'),
    Kind.NotSupportedForImport,
    `${P}: the only mapping function allowed for import transforms is {{Wildcard()}} in {{Partition(2,1)}}`,
  );
  throwsKind(() => imp('foo.*', 'bar.{{random(3)}}'), Kind.NotSupportedForImport);
  throwsKind(() => imp('foo.*', 'bar.{{left(1,2)}}.$1'), Kind.NotSupportedForImport);
  // The same destinations are fine without the restriction.
  assert.ok(tr('foo.*.*', 'bar.$2'));
  assert.ok(tr('foo.*', 'bar.{{Partition(2,1)}}'));
  // Duplicated references count toward "all used", as in nats-server.
  assert.equal(imp('foo.*.*', 'bar.$1.$1.$2').match('foo.a.b'), 'bar.a.a.b');
});

test('reverse()', () => {
  const swap = SubjectTransform.forImport('foo.*.*', 'bar.$2.{{Wildcard(1)}}');
  const out = swap.transform('foo.b.a');
  assert.equal(out, 'bar.a.b');
  const rev = swap.reverse();
  assert.ok(rev);
  assert.equal(rev.source, 'bar.*.*');
  assert.equal(rev.importOnly, true);
  assert.equal(rev.transform(out), 'foo.b.a');
  // Importer-side subscriptions (wildcards included) map back to the exporter side.
  assert.equal(rev.transform('bar.*.x'), 'foo.x.*');
  // A true inverse for any permutation (nats-server's reverse only gets swaps right).
  const cycle = SubjectTransform.forImport('a.*.*.*', 'b.$2.$3.$1');
  assert.equal(cycle.match('a.X.Y.Z'), 'b.Y.Z.X');
  assert.equal(cycle.reverse().match('b.Y.Z.X'), 'a.X.Y.Z');
  const mixed = SubjectTransform.forImport('foo.*.x.*', 'y.$2.z.$1.w');
  assert.equal(mixed.reverse().match('y.B.z.A.w'), 'foo.A.x.B');
  // With `>`.
  const fwc = SubjectTransform.forImport('foo.*.>', 'bar.$1.>');
  assert.equal(fwc.reverse().match('bar.x.y.z'), 'foo.x.y.z');
  assert.equal(SubjectTransform.forImport('foo', 'bar').reverse().match('bar'), 'foo');
  // Not reversible: a wildcard placed twice, functions other than wildcard.
  assert.equal(SubjectTransform.forImport('foo.*.*', 'bar.$1.$1.$2').reverse(), null);
  assert.equal(tr('foo.*', 'bar.{{partition(3,1)}}.$1').reverse(), null);
});

test('transformTokenize / transformUntokenize', () => {
  assert.equal(transformTokenize('foo.*.*'), 'foo.$1.$2');
  assert.equal(transformTokenize('foo.*.bar.>'), 'foo.$1.bar.>');
  assert.equal(transformTokenize('foo'), 'foo');
  assert.deepEqual(transformUntokenize('bar'), { subject: 'bar', placeholders: [] });
  assert.deepEqual(transformUntokenize('foo.$2.$1'), { subject: 'foo.*.*', placeholders: ['$2', '$1'] });
  assert.deepEqual(transformUntokenize('foo.{{wildcard(2)}}.{{wildcard(1)}}'), {
    subject: 'foo.*.*',
    placeholders: ['{{wildcard(2)}}', '{{wildcard(1)}}'],
  });
  assert.deepEqual(transformUntokenize('foo.$foo.$0.>'), { subject: 'foo.$foo.$0.>', placeholders: [] });
});

test('validateMapping (mapping destinations)', () => {
  const P = 'invalid mapping destination';
  validateMapping('foo.*', ''); // nothing to validate
  validateMapping('foo.*', 'bar.$1');
  validateMapping('foo.*', 'bar.{{ partition(3,1) }}'); // spaces allowed inside a function
  validateMapping('foo.*', 'bar.{{left(1,2)}}');
  throwsKind(() => validateMapping('foo.*', 'bar..$1'), Kind.InvalidTransform, `${P}: invalid transform`);
  throwsKind(() => validateMapping('foo.*', 'a b.$1'), Kind.InvalidTransform, `${P}: invalid transform`);
  throwsKind(() => validateMapping('foo.>', 'bar.>.x'), Kind.InvalidTransform, `${P}: invalid transform in x`);
  throwsKind(() => validateMapping('foo.*', 'bar.{{nope(1)}}'), Kind.UnknownFunction, `${P}: unknown function in {{nope(1)}}`);
  throwsKind(() => validateMapping('foo.*', 'bar.$2'), Kind.IndexOutOfRange);
  throwsKind(() => validateMapping('foo.*', 'bar.*'), Kind.InvalidSubject);
  // SubjectTransform alone does not look for whitespace, as nats-server's NewSubjectTransform.
  assert.equal(tr('foo.*', 'a b.$1').match('foo.x'), 'a b.x');
});
