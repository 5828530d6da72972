#!/usr/bin/env node
// Connect-path cost of decentralized auth: a user JWT checked against its account
// (signature, chain, revocations) plus the CONNECT nonce signature, with node:crypto
// (src/auth), against the same work done with @nats-io/jwt + @nats-io/nkeys (tweetnacl).
// Prints checks/s. Build first: `npx tsc -p .`
//
// Cases:
//   user chain, JWT cached   validateUserJwt + verifyUserNonce with the verified-token cache
//                            warm (a creds file shared by many clients): 1 ed25519 verify
//   user chain, no cache     the same with the cache off: decode + 2 verifies
//   scoped user, no cache    as above for a user of a scoped signing key (template filled in)
//   verifySignature          one ed25519 verify, cached KeyObject
//   nkeys verify (tweetnacl) one verify with @nats-io/nkeys
//   jwt.decode + nkeys       @nats-io/jwt decode (verifies) + nkeys nonce verify: the
//                            JS-library equivalent of "user chain, no cache"
import { createAccount, createOperator, createUser, fromPublic } from '@nats-io/nkeys';
import { decode, encodeAccount, encodeOperator, encodeUser, newScopedSigner } from '@nats-io/jwt';
import {
  decodeAccountJwt,
  decodeOperatorJwt,
  setJwtCacheSize,
  validateAccountJwt,
  validateUserJwt,
  verifySignature,
  verifyUserNonce,
} from '../dist/auth/index.js';

const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 400);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 300);

const te = new TextEncoder();
const operator = createOperator();
const opSigner = createOperator();
const account = createAccount();
const scopedKey = createAccount();
const user = createUser();
const scopedUser = createUser();

const operatorJwt = await encodeOperator('op', operator, { signing_keys: [opSigner.getPublicKey()] });
const accountJwt = await encodeAccount(
  'acc',
  account,
  {
    signing_keys: [newScopedSigner(scopedKey, 'dev', { pub: { allow: ['app.{{name()}}.>'] }, sub: { allow: ['_INBOX.>'] } })],
    revocations: { [createUser().getPublicKey()]: 1 },
  },
  { signer: opSigner },
);
const userJwt = await encodeUser('alice', user, account, { pub: { allow: ['orders.>'] }, sub: { allow: ['_INBOX.>'] } });
const scopedJwt = await encodeUser('bob', scopedUser, account, {}, { signer: scopedKey, scopedUser: true });

const acc = validateAccountJwt(accountJwt, [decodeOperatorJwt(operatorJwt).value]);
if (!acc.ok) throw new Error(acc.error);
const accountClaims = decodeAccountJwt(accountJwt).value;
const nonce = te.encode('h1dUf2vWkBnsG9E');
const sig = Buffer.from(user.sign(nonce)).toString('base64url');
const scopedSig = Buffer.from(scopedUser.sign(nonce)).toString('base64url');
const rawSig = user.sign(nonce);
const pk = user.getPublicKey();

function check(ok, what) {
  if (!ok) throw new Error(`${what} failed`);
}

const ALL = [
  {
    name: 'user chain, JWT cached',
    setup: () => setJwtCacheSize(1024),
    op: () => {
      const r = validateUserJwt(userJwt, accountClaims);
      check(r.ok && verifyUserNonce(r.value, nonce, sig), 'chain');
    },
  },
  {
    name: 'user chain, no cache',
    setup: () => setJwtCacheSize(0),
    op: () => {
      const r = validateUserJwt(userJwt, accountClaims);
      check(r.ok && verifyUserNonce(r.value, nonce, sig), 'chain');
    },
  },
  {
    name: 'scoped user, no cache',
    setup: () => setJwtCacheSize(0),
    op: () => {
      const r = validateUserJwt(scopedJwt, accountClaims);
      check(r.ok && verifyUserNonce(r.value, nonce, scopedSig), 'scoped chain');
    },
  },
  { name: 'verifySignature', setup: () => {}, op: () => check(verifySignature(pk, nonce, rawSig), 'verify') },
  { name: 'nkeys verify (tweetnacl)', setup: () => {}, op: () => check(fromPublic(pk).verify(nonce, rawSig), 'nkeys verify') },
  {
    name: 'jwt.decode + nkeys',
    setup: () => {},
    op: () => {
      const uc = decode(userJwt);
      check(uc.iss === account.getPublicKey() && fromPublic(uc.sub).verify(nonce, Buffer.from(sig, 'base64url')), 'js chain');
    },
  },
];

function timed(c, ms) {
  c.setup();
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now;
  do {
    c.op();
    n++;
    now = process.hrtime.bigint();
  } while (now < end);
  return n / (Number(now - start) / 1e9);
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
const only = process.env.BENCH_ONLY;
const cases = ALL.filter((c) => !only || c.name.startsWith(only)).map((c) => ({ ...c, rates: [] }));
for (const c of cases) timed(c, WARMUP_MS);
for (let r = 0; r < ROUNDS; r++) for (const c of cases) c.rates.push(timed(c, ROUND_MS));
setJwtCacheSize(1024);

const fmt = (x) => Math.round(x).toLocaleString('en-US');
console.log(`node ${process.version}, median of ${ROUNDS} rounds of >= ${ROUND_MS} ms`);
console.table(
  cases.map((c) => {
    const rate = median(c.rates);
    return {
      case: c.name,
      'ops/s': fmt(rate),
      'µs/op': (1e6 / rate).toFixed(1),
      'min-max ops/s': `${fmt(Math.min(...c.rates))}-${fmt(Math.max(...c.rates))}`,
    };
  }),
);
