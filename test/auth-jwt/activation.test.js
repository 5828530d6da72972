import test from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeAccountJwt,
  decodeActivationJwt,
  subjectIsContainedIn,
  validateActivation,
  validateImportActivation,
} from '../../dist/auth/index.js';
import { createAccount, createOperator, encodeAccount, encodeActivation, now } from './fixtures.js';

/** An exporting account with a private service export and a signing key; an importer. */
async function setup() {
  const operator = createOperator();
  const exporter = createAccount();
  const exporterSigner = createAccount();
  const importer = createAccount();
  const exp = {
    name: 'orders',
    subject: 'orders.*.get',
    type: 'service',
    token_req: true,
  };
  const exporterJwt = await encodeAccount(
    'exporter',
    exporter,
    { exports: [exp], signing_keys: [exporterSigner.getPublicKey()] },
    { signer: operator },
  );
  return { operator, exporter, exporterSigner, importer, exporterClaims: decodeAccountJwt(exporterJwt).value };
}

const check = (s, extra = {}) => ({
  importingAccount: s.importer.getPublicKey(),
  exportingAccount: s.exporterClaims,
  subject: 'orders.eu.get',
  kind: 'service',
  ...extra,
});

test('a valid activation token issued by the exporting account', async () => {
  const s = await setup();
  const token = await encodeActivation('act', s.importer, s.exporter, 'service', { subject: 'orders.*.get' });
  const r = validateActivation(token, check(s));
  assert.equal(r.ok, true, r.error);
  assert.equal(r.value.sub, s.importer.getPublicKey());
  assert.equal(r.value.nats.kind, 'service');
  assert.equal(r.value.nats.subject, 'orders.*.get');
  // Through the import entry of the importing account's JWT.
  const imp = { name: 'orders', subject: 'orders.eu.get', account: s.exporter.getPublicKey(), token, type: 'service' };
  assert.equal(validateImportActivation(imp, s.importer.getPublicKey(), s.exporterClaims).ok, true);
  assert.equal(decodeActivationJwt(token).ok, true);
});

test('the token subject must cover the import subject', async () => {
  const s = await setup();
  const token = await encodeActivation('act', s.importer, s.exporter, 'service', { subject: 'orders.eu.get' });
  assert.equal(validateActivation(token, check(s)).ok, true);
  const r = validateActivation(token, check(s, { subject: 'orders.us.get' }));
  assert.equal(r.ok, false);
  assert.match(r.error, /doesn't match import/);
  // A narrower token does not cover a wildcard import.
  assert.equal(validateActivation(token, check(s, { subject: 'orders.*.get' })).ok, false);
  const wide = await encodeActivation('act', s.importer, s.exporter, 'stream', { subject: 'events.>' });
  assert.equal(validateActivation(wide, check(s, { subject: 'events.a.b', kind: 'stream' })).ok, true);
  assert.equal(validateActivation(wide, check(s, { subject: 'events', kind: 'stream' })).ok, false);
});

test('a token made out to another account is rejected', async () => {
  const s = await setup();
  const someoneElse = createAccount();
  const token = await encodeActivation('act', someoneElse, s.exporter, 'service', { subject: 'orders.*.get' });
  const r = validateActivation(token, check(s));
  assert.equal(r.ok, false);
  assert.match(r.error, /doesn't match account it is being included in/);
});

test('expired and not-yet-valid tokens are rejected (exp <= now is expired)', async () => {
  const s = await setup();
  const t = now();
  const expired = await encodeActivation('act', s.importer, s.exporter, 'service', { subject: 'orders.*.get' }, { exp: t - 1 });
  assert.match(validateActivation(expired, check(s)).error, /expired/);
  const edge = await encodeActivation('act', s.importer, s.exporter, 'service', { subject: 'orders.*.get' }, { exp: t + 100 });
  assert.equal(validateActivation(edge, check(s, { now: t + 99 })).ok, true);
  assert.match(validateActivation(edge, check(s, { now: t + 100 })).error, /expired/);
  const early = await encodeActivation('act', s.importer, s.exporter, 'service', { subject: 'orders.*.get' }, { nbf: t + 3600 });
  assert.match(validateActivation(early, check(s)).error, /not yet valid/);
});

test('tokens issued by a key that is not the exporter are rejected', async () => {
  const s = await setup();
  const stranger = createAccount();
  const byStranger = await encodeActivation('act', s.importer, stranger, 'service', { subject: 'orders.*.get' });
  assert.match(validateActivation(byStranger, check(s)).error, /doesn't match account for import/);
  // A stranger claiming to act for the exporter (issuer_account) is not one of its signing keys.
  const forged = await encodeActivation('act', s.importer, s.exporter, 'service', { subject: 'orders.*.get' }, { signer: stranger });
  assert.match(validateActivation(forged, check(s)).error, /not a signing key/);
  // The importer cannot mint its own token either.
  const selfMade = await encodeActivation('act', s.importer, s.importer, 'service', { subject: 'orders.*.get' });
  assert.equal(validateActivation(selfMade, check(s)).ok, false);
  // Tampering with the subject breaks the signature.
  const good = await encodeActivation('act', s.importer, s.exporter, 'service', { subject: 'orders.eu.get' });
  const [h, c, sig] = good.split('.');
  const claims = JSON.parse(Buffer.from(c, 'base64url'));
  claims.nats.subject = '>';
  const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
  assert.match(validateActivation(tampered, check(s, { subject: 'anything' })).error, /signature/);
});

test('tokens issued by an exporter signing key need issuer_account', async () => {
  const s = await setup();
  const bySigner = await encodeActivation('act', s.importer, s.exporter, 'service', { subject: 'orders.*.get' }, { signer: s.exporterSigner });
  const r = validateActivation(bySigner, check(s));
  assert.equal(r.ok, true, r.error);
  assert.equal(r.value.nats.issuer_account, s.exporter.getPublicKey());
  assert.equal(r.value.iss, s.exporterSigner.getPublicKey());
  const noIssuerAccount = await encodeActivation('act', s.importer, s.exporterSigner, 'service', { subject: 'orders.*.get' });
  assert.equal(validateActivation(noIssuerAccount, check(s)).ok, false);
});

test('kind mismatch, export revocations and missing tokens', async () => {
  const s = await setup();
  const token = await encodeActivation('act', s.importer, s.exporter, 'stream', { subject: 'orders.*.get' });
  assert.match(validateActivation(token, check(s)).error, /mismatch between token import type stream/);
  const svc = await encodeActivation('act', s.importer, s.exporter, 'service', { subject: 'orders.*.get' });
  const iat = decodeActivationJwt(svc).value.iat;
  const revokedExport = { subject: 'orders.*.get', type: 'service', token_req: true, revocations: { [s.importer.getPublicKey()]: iat } };
  assert.match(validateActivation(svc, check(s, { export: revokedExport })).error, /revoked/);
  const allRevokedEarlier = { ...revokedExport, revocations: { '*': iat - 1 } };
  assert.equal(validateActivation(svc, check(s, { export: allRevokedEarlier })).ok, true);
  const imp = { subject: 'orders.eu.get', account: s.exporter.getPublicKey(), type: 'service' };
  assert.match(validateImportActivation(imp, s.importer.getPublicKey(), s.exporterClaims).error, /no activation token/);
  // A service import with `to` is checked against `to`.
  const withTo = { ...imp, subject: 'local.orders', to: 'orders.eu.get', token: svc };
  assert.equal(validateImportActivation(withTo, s.importer.getPublicKey(), s.exporterClaims).ok, true);
});

test('subjectIsContainedIn follows wildcard semantics', () => {
  assert.equal(subjectIsContainedIn('a.b.c', 'a.b.c'), true);
  assert.equal(subjectIsContainedIn('a.b.c', 'a.*.c'), true);
  assert.equal(subjectIsContainedIn('a.*.c', 'a.*.c'), true);
  assert.equal(subjectIsContainedIn('a.b.c', 'a.>'), true);
  assert.equal(subjectIsContainedIn('a.>', 'a.>'), true);
  assert.equal(subjectIsContainedIn('a.*', 'a.>'), true);
  assert.equal(subjectIsContainedIn('a', 'a.>'), false);
  assert.equal(subjectIsContainedIn('a.>', 'a.*'), false);
  assert.equal(subjectIsContainedIn('a.*.c', 'a.b.c'), false);
  assert.equal(subjectIsContainedIn('a.b', 'a.b.c'), false);
  assert.equal(subjectIsContainedIn('a.b.c.d', 'a.*.c'), false);
  assert.equal(subjectIsContainedIn('x', '>'), true);
});
