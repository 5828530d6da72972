import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createAccount, createCluster, createOperator, createServer, createUser, fromPublic, fromSeed } from '@nats-io/nkeys';
import {
  NKeyPrefix,
  NKeyPrefixByte,
  base32Decode,
  clearKeyCache,
  decodePublicKey,
  decodeSeed,
  decodeSignature,
  isValidPublicKey,
  keyCacheSize,
  publicKeyFromSeed,
  publicKeyPrefix,
  signWithSeed,
  verifySignature,
} from '../../dist/auth/index.js';
import { base32Encode, encodePublicKey } from '../../dist/util/nkey.js';
import { fastPair, seedOf, te } from './fixtures.js';

/** Replaces the character at `i` with another base32 character. */
function flipChar(s, i) {
  const c = s[i] === 'A' ? 'B' : 'A';
  return s.slice(0, i) + c + s.slice(i + 1);
}

test('base32Decode inverts base32Encode and rejects characters outside the alphabet', () => {
  for (const len of [0, 1, 5, 33, 35, 36]) {
    const bytes = randomBytes(len);
    assert.deepEqual(Buffer.from(base32Decode(base32Encode(bytes))), bytes);
  }
  assert.equal(base32Decode('ABC1'), null);
  assert.equal(base32Decode('abcd'), null);
  assert.equal(base32Decode('AB=='), null);
});

test('public keys of every kind decode to their 32 raw bytes with the right prefix', () => {
  const kinds = [
    [createOperator(), 'O', NKeyPrefix.Operator],
    [createAccount(), 'A', NKeyPrefix.Account],
    [createUser(), 'U', NKeyPrefix.User],
    [createServer(), 'N', NKeyPrefix.Server],
    [createCluster(), 'C', NKeyPrefix.Cluster],
  ];
  for (const [kp, letter, prefix] of kinds) {
    const pk = kp.getPublicKey();
    const raw = decodePublicKey(pk);
    assert.equal(raw.length, 32);
    assert.deepEqual(decodePublicKey(pk, letter), raw);
    assert.deepEqual(decodePublicKey(pk, prefix), raw);
    assert.equal(publicKeyPrefix(pk), prefix);
    assert.equal(isValidPublicKey(pk), true);
    assert.equal(isValidPublicKey(pk, letter), true);
    // Round trip through the encoder of src/util/nkey.ts.
    assert.equal(encodePublicKey(prefix, raw), pk);
  }
});

test('a public key of another kind than expected is rejected', () => {
  const account = createAccount().getPublicKey();
  assert.equal(decodePublicKey(account, 'U'), null);
  assert.equal(isValidPublicKey(account, NKeyPrefix.Operator), false);
  assert.equal(isValidPublicKey(createUser().getPublicKey(), 'A'), false);
});

test('a bad checksum, a bad length, a non-public prefix or junk is rejected', () => {
  const user = createUser().getPublicKey();
  for (const i of [0, 1, 10, 30, 54, 55]) {
    assert.equal(decodePublicKey(flipChar(user, i)), null, `flip at ${i}`);
    assert.equal(isValidPublicKey(flipChar(user, i)), false);
  }
  assert.equal(decodePublicKey(user.slice(0, 55)), null);
  assert.equal(decodePublicKey(`${user}A`), null);
  assert.equal(decodePublicKey(user.toLowerCase()), null);
  assert.equal(decodePublicKey(''), null);
  assert.equal(decodePublicKey(undefined), null);
  // Well-formed with a valid CRC, but a private-key ('P') or seed prefix: not a public key.
  const raw = randomBytes(32);
  assert.equal(isValidPublicKey(encodePublicKey(NKeyPrefixByte.Private, raw)), false);
  assert.equal(isValidPublicKey(encodePublicKey(NKeyPrefixByte.Curve, raw)), false);
  assert.equal(isValidPublicKey(encodePublicKey(NKeyPrefix.User, raw)), true);
  // Seeds are not public keys.
  assert.equal(isValidPublicKey(seedOf(createUser())), false);
});

test('verifySignature accepts signatures of @nats-io/nkeys and rejects others', () => {
  const kp = createUser();
  const data = te.encode('the nonce from INFO');
  const sig = kp.sign(data);
  assert.equal(verifySignature(kp.getPublicKey(), data, sig), true);
  assert.equal(verifySignature(kp.getPublicKey(), te.encode('another nonce'), sig), false);
  const bad = Uint8Array.from(sig);
  bad[10] ^= 1;
  assert.equal(verifySignature(kp.getPublicKey(), data, bad), false);
  assert.equal(verifySignature(createUser().getPublicKey(), data, sig), false);
  assert.equal(verifySignature(kp.getPublicKey(), data, sig.subarray(0, 63)), false);
  assert.equal(verifySignature('not-a-key', data, sig), false);
  assert.equal(verifySignature(flipChar(kp.getPublicKey(), 20), data, sig), false);
  // Any public key kind can sign (server nkeys, operators...).
  const op = createOperator();
  assert.equal(verifySignature(op.getPublicKey(), data, op.sign(data)), true);
});

test('KeyObjects are cached per public key', () => {
  clearKeyCache();
  assert.equal(keyCacheSize(), 0);
  const kp = createAccount();
  const data = te.encode('x');
  const sig = kp.sign(data);
  for (let i = 0; i < 5; i++) assert.equal(verifySignature(kp.getPublicKey(), data, sig), true);
  assert.equal(keyCacheSize(), 1);
  // Invalid keys are not cached.
  verifySignature('UBAD', data, sig);
  assert.equal(keyCacheSize(), 1);
});

test('decodeSignature takes raw base64url and padded standard base64', () => {
  // Bytes chosen so the two alphabets differ ('-_' against '+/').
  const sig = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 0xfb) & 0xff));
  const url = sig.toString('base64url');
  const std = sig.toString('base64');
  assert.ok(/[-_]/.test(url) && /[+/]/.test(std) && std.endsWith('='));
  assert.deepEqual(Buffer.from(decodeSignature(url)), sig);
  assert.deepEqual(Buffer.from(decodeSignature(std)), sig);
  // Standard base64 must keep its padding (Go's StdEncoding), url-safe must not have any.
  assert.equal(decodeSignature(std.replace(/=+$/, '')), null);
  assert.equal(decodeSignature(`${url}=`), null);
  assert.equal(decodeSignature('not base64!'), null);
  assert.equal(decodeSignature(''), null);
  assert.equal(decodeSignature('A'), null);
});

test('a nonce signed by a client with a std-base64 sig verifies end to end', () => {
  const kp = createUser();
  const nonce = te.encode('R6ZV5iIkzNvBCxc');
  const sig = Buffer.from(kp.sign(nonce)).toString('base64');
  assert.equal(verifySignature(kp.getPublicKey(), nonce, decodeSignature(sig)), true);
});

test('seeds decode to their 32 bytes and public prefix; signWithSeed matches @nats-io/nkeys', () => {
  for (const [kp, prefix] of [
    [createUser(), NKeyPrefix.User],
    [createAccount(), NKeyPrefix.Account],
    [createOperator(), NKeyPrefix.Operator],
    [createServer(), NKeyPrefix.Server],
  ]) {
    const seed = seedOf(kp);
    const d = decodeSeed(seed);
    assert.equal(d.prefix, prefix);
    assert.equal(d.seed.length, 32);
    assert.equal(publicKeyFromSeed(seed), kp.getPublicKey());
    const data = te.encode('sign me');
    const sig = signWithSeed(seed, data);
    // ed25519 is deterministic: same signature as tweetnacl.
    assert.deepEqual(Buffer.from(sig), Buffer.from(kp.sign(data)));
    assert.equal(fromPublic(kp.getPublicKey()).verify(data, sig), true);
    assert.equal(verifySignature(kp.getPublicKey(), data, sig), true);
  }
  const seed = seedOf(createUser());
  assert.equal(decodeSeed(flipChar(seed, 20)), null);
  assert.equal(decodeSeed(seed.slice(0, 57)), null);
  assert.equal(decodeSeed(createUser().getPublicKey()), null);
  assert.throws(() => signWithSeed('SUBAD', te.encode('x')), /invalid seed/);
  assert.equal(fromSeed(te.encode(seed)).getPublicKey(), publicKeyFromSeed(seed));
});

test('the node:crypto key pairs used by the other fixtures match @nats-io/nkeys', () => {
  for (const prefix of [NKeyPrefix.Operator, NKeyPrefix.Account, NKeyPrefix.User]) {
    const fast = fastPair(prefix);
    const ref = fromSeed(fast.getSeed());
    assert.equal(ref.getPublicKey(), fast.getPublicKey());
    const data = te.encode('fixture');
    assert.deepEqual(Buffer.from(fast.sign(data)), Buffer.from(ref.sign(data)));
  }
});
