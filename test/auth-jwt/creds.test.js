import test from 'node:test';
import assert from 'node:assert/strict';
import { fmtCreds } from '@nats-io/jwt';
import {
  decodeSeed,
  decodeUserJwt,
  formatCreds,
  parseCreds,
  parseDecoratedJwt,
  parseDecoratedSeed,
  publicKeyFromSeed,
} from '../../dist/auth/index.js';
import { GO_USER_CREDS, GO_V1_OPERATOR_FILE, createAccount, createUser, encodeUser, seedOf, td } from './fixtures.js';

async function userCreds() {
  const u = createUser();
  const jwt = await encodeUser('alice', u, createAccount());
  return { u, jwt, seed: seedOf(u) };
}

test('parses the creds file of @nats-io/jwt fmtCreds (bytes and text)', async () => {
  const { u, jwt, seed } = await userCreds();
  const bytes = fmtCreds(jwt, u);
  for (const input of [bytes, td.decode(bytes)]) {
    const c = parseCreds(input);
    assert.equal(c.jwt, jwt);
    assert.equal(c.seed, seed);
  }
  assert.equal(publicKeyFromSeed(parseCreds(bytes).seed), u.getPublicKey());
});

test('parses a creds file written by nsc (nats-server one.creds)', () => {
  const c = parseCreds(GO_USER_CREDS);
  assert.equal(c.jwt.split('.').length, 3);
  assert.equal(c.seed, 'SUAPCDMU5TSHHLWUUZSOUABJXP2GXRCZVEOVWPSVM5XRSXYGQMRRFDYNMY');
  // The seed belongs to the JWT's subject.
  assert.equal(publicKeyFromSeed(c.seed), decodeUserJwt(c.jwt).value.sub);
});

test('formatCreds output round-trips', async () => {
  const { jwt, seed } = await userCreds();
  assert.deepEqual(parseCreds(formatCreds(jwt, seed)), { jwt, seed });
});

test('tolerates CRLF, other dash counts, indentation and no final newline', async () => {
  const { jwt, seed } = await userCreds();
  const variants = [
    `-----BEGIN NATS USER JWT-----\r\n${jwt}\r\n------END NATS USER JWT------\r\n\r\n-----BEGIN USER NKEY SEED-----\r\n${seed}\r\n------END USER NKEY SEED------\r\n`,
    `---BEGIN NATS USER JWT---\n${jwt}\n---END NATS USER JWT---\n---BEGIN USER NKEY SEED---\n${seed}\n---END USER NKEY SEED---`,
    `\n\n   -----BEGIN NATS USER JWT-----\n   ${jwt}\n   ------END NATS USER JWT------\n  -----BEGIN USER NKEY SEED-----\n  ${seed}  \n  ------END USER NKEY SEED------\n`,
    `--------BEGIN NATS USER JWT--------\n${jwt}\n--------END NATS USER JWT--------\n\n*** IMPORTANT ***\nsome prose - with -- dashes.\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n-----END USER NKEY SEED-----`,
  ];
  for (const text of variants) assert.deepEqual(parseCreds(text), { jwt, seed }, JSON.stringify(text.slice(0, 30)));
});

test('falls back to a bare seed line when there is no seed block', async () => {
  const { jwt, seed } = await userCreds();
  const text = `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n  ${seed}\n`;
  assert.deepEqual(parseCreds(text), { jwt, seed });
  assert.equal(parseDecoratedSeed(`# a seed file\n${seed}\n`), seed);
  assert.equal(parseDecoratedSeed('nothing here'), null);
});

test('rejects files without a JWT, without a seed, or with a corrupt seed', async () => {
  const { jwt, seed } = await userCreds();
  assert.throws(() => parseCreds(''), /no decorated JWT/);
  assert.throws(() => parseCreds(`${jwt}\n${seed}\n`), /no decorated JWT/);
  assert.throws(() => parseCreds(`-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n`), /no nkey seed/);
  const corrupt = `${seed.slice(0, 20)}${seed[20] === 'A' ? 'B' : 'A'}${seed.slice(21)}`;
  assert.equal(decodeSeed(corrupt), null);
  assert.throws(() => parseCreds(formatCreds(jwt, corrupt)), /invalid nkey seed/);
  assert.throws(() => parseCreds(formatCreds('not-a-jwt', seed)), /does not hold a JWT/);
});

test('parseDecoratedJwt reads decorated and bare JWT files', async () => {
  const { jwt } = await userCreds();
  assert.equal(parseDecoratedJwt(`  ${jwt}\n`), jwt);
  assert.equal(parseDecoratedJwt(formatCreds(jwt, 'SU')), jwt);
  assert.match(parseDecoratedJwt(GO_V1_OPERATOR_FILE), /^eyJ0eXAiOiJqd3Qi/);
});
