// Test certificates, made fresh by openssl for each test run (nothing with a private
// key is checked in): a CA, a server certificate for 127.0.0.1/localhost, and client
// certificates with an e-mail SAN, a DNS SAN, or only a subject DN.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './servers.js';

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir, name, subject, extensions) {
  const ext = path.join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', subject], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-sha256', '-extfile', ext], dir);
  return { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}-key.pem`) };
}

/** Creates the certificate set in a temp directory and returns the file paths. */
export function makeCertificates() {
  const dir = tempDir('dialtone-certs-');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Dialtone Test CA'], dir);
  const server = issue(dir, 'server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  const emailClient = issue(dir, 'client-email', '/CN=email client', 'subjectAltName=email:alice@example.com\nextendedKeyUsage=clientAuth\n');
  const dnsClient = issue(dir, 'client-dns', '/CN=dns client', 'subjectAltName=DNS:bob.example.com\nextendedKeyUsage=clientAuth\n');
  const dnClient = issue(dir, 'client-dn', '/C=US/O=Dialtone/OU=Testing/CN=carol', 'extendedKeyUsage=clientAuth\n');
  return { dir, ca: path.join(dir, 'ca.pem'), server, emailClient, dnsClient, dnClient };
}

/**
 * Certificates for TLS routes, where every server is both TLS server and TLS client:
 * a CA and node certificates for 127.0.0.1/localhost usable both ways; `other` names a
 * different host (for verify_and_map); `named` carries the name localhost and no IP address.
 */
export function makeRouteCertificates() {
  const dir = tempDir('dialtone-route-certs-');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Dialtone Route CA'], dir);
  const node = issue(dir, 'node', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  const other = issue(dir, 'other', '/CN=other', 'subjectAltName=DNS:other.example,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  const named = issue(dir, 'named', '/CN=localhost', 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  return { dir, ca: path.join(dir, 'ca.pem'), node, other, named };
}
