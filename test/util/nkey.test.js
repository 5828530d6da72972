import test from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { fromPublic } from '@nats-io/nkeys';
import { NKeyPrefix, crc16, encodePublicKey, newServerId } from '../../dist/util/nkey.js';

test('server ids are 56-char N keys that @nats-io/nkeys accepts', () => {
  const seen = new Set();
  for (let i = 0; i < 50; i++) {
    const id = newServerId();
    assert.equal(id.length, 56);
    assert.equal(id[0], 'N');
    assert.doesNotThrow(() => fromPublic(id));
    seen.add(id);
  }
  assert.equal(seen.size, 50);
});

test('an encoded user key verifies signatures made by its private key', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const encoded = encodePublicKey(NKeyPrefix.User, der.subarray(der.length - 32));
  assert.equal(encoded[0], 'U');
  const data = Buffer.from('nonce-to-sign');
  const signature = sign(null, data, privateKey);
  assert.equal(fromPublic(encoded).verify(data, signature), true);
  assert.equal(fromPublic(encoded).verify(Buffer.from('other'), signature), false);
});

test('crc16 is CRC-16/XMODEM', () => {
  assert.equal(crc16(Buffer.from('123456789')), 0x31c3);
  assert.equal(crc16(Buffer.alloc(0)), 0);
});
