import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import forge from 'node-forge';

/**
 * A throwaway certificate authority for local runs and tests (npm start, the e2e stack, grpc-kit's
 * mTLS tests, the Kafka and PostgreSQL TLS tests): what cert-manager does in Kubernetes. Each identity gets a directory with the same
 * files as a cert-manager Secret (ca.crt, tls.crt, tls.key), so GRPC_TLS_DIR works alike in both.
 */
export interface LocalCa {
  /** The CA's certificate (PEM). */
  caCert: string;
  /** Issues a certificate for `identity` into `<dir>/<identity>/` and returns that directory. */
  issue(identity: string, opts?: IssueOptions): string;
  dir: string;
}

export interface IssueOptions {
  /** Validity, from one minute ago (default 30 days). */
  days?: number;
  /** Write into this directory instead of `<dir>/<identity>/`. */
  into?: string;
  /** IP addresses the certificate also names (a server reached by address, like a local broker). */
  ips?: string[];
}

interface KeyPair {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  pem: string;
}

function keyPair(): KeyPair {
  // Node's native RSA keygen: forge's pure-JS one takes seconds per key.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return {
    privateKey: forgeKey,
    publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e),
    pem,
  };
}

function serial(): string {
  // Positive: the leading byte's high bit clear.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, days: number): void {
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
}

/** Creates a CA (its key never leaves memory) and writes `<dir>/ca.crt`. */
export function createLocalCa(dir: string, commonName = 'Tolem local CA'): LocalCa {
  mkdirSync(dir, { recursive: true });
  const caKeys = keyPair();
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serial();
  validity(ca, 365);
  const caName = [{ name: 'commonName', value: commonName }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());
  const caCert = forge.pki.certificateToPem(ca);
  writeFileSync(join(dir, 'ca.crt'), caCert);

  return {
    caCert,
    dir,
    issue(identity, opts = {}) {
      const out = opts.into ?? join(dir, identity);
      mkdirSync(out, { recursive: true });
      const keys = keyPair();
      const cert = forge.pki.createCertificate();
      cert.publicKey = keys.publicKey;
      cert.serialNumber = serial();
      validity(cert, opts.days ?? 30);
      cert.setSubject([{ name: 'commonName', value: identity }]);
      cert.setIssuer(ca.subject.attributes);
      // As the prod overlay's cert-manager Certificates: the identity as a SPIFFE-style URI (what
      // grpc-kit reads) and as a DNS name (the Service's short name), server and client auth.
      cert.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 6, value: `spiffe://tolem/${identity}` },
            { type: 2, value: identity },
            ...(opts.ips ?? []).map((ip) => ({ type: 7, ip })),
          ],
        },
      ]);
      cert.sign(caKeys.privateKey, forge.md.sha256.create());
      writeFileSync(join(out, 'ca.crt'), caCert);
      writeFileSync(join(out, 'tls.crt'), forge.pki.certificateToPem(cert));
      writeFileSync(join(out, 'tls.key'), keys.pem, { mode: 0o600 });
      return out;
    },
  };
}
