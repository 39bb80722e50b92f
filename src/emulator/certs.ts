/**
 * Throw-away certificates for the emulator's HTTPS server.
 *
 * `ensureCa(dir)` loads or creates a CA (`ca.pem`, `ca-key.pem`) that a process trusts with
 * `NODE_EXTRA_CA_CERTS`; `issueServerCert(ca)` signs a leaf for localhost / 127.0.0.1 / ::1.
 * Keys are RSA 2048 from node:crypto; certificates are built and signed with node-forge.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as forge from "node-forge";

/** A CA on disk. */
export interface CertificateAuthority {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

/** A server certificate and its key (PEM). */
export interface ServerCertificate {
  certPem: string;
  keyPem: string;
}

const CA_CERT_FILE = "ca.pem";
const CA_KEY_FILE = "ca-key.pem";
const LOCK_FILE = "ca.lock";
const VALIDITY_MS = 2 * 24 * 60 * 60 * 1000;
/** A CA that expires within this margin is replaced. */
const RENEW_MARGIN_MS = 2 * 60 * 60 * 1000;
const BACKDATE_MS = 60 * 60 * 1000;

function rsaKeyPair(): { publicKey: string; privateKey: string } {
  return crypto.generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
}

function serialNumber(): string {
  const b = crypto.randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x01; // positive, no leading zero byte
  return b.toString("hex");
}

/** A certificate for a fresh RSA key pair, with a random serial, valid from a little before now. */
function newCertificate(): {
  cert: forge.pki.Certificate;
  keys: { publicKey: string; privateKey: string };
  now: number;
} {
  const keys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  cert.serialNumber = serialNumber();
  const now = Date.now();
  cert.validity.notBefore = new Date(now - BACKDATE_MS);
  return { cert, keys, now };
}

function createCa(): ServerCertificate {
  const { cert, keys, now } = newCertificate();
  cert.validity.notAfter = new Date(now + VALIDITY_MS);
  const name = [
    { name: "commonName", value: `Entra Graph Emulator throw-away CA ${crypto.randomBytes(4).toString("hex")}` },
    { name: "organizationName", value: "pulumi-entra-invitation emulator" },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKey), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKey };
}

/** True when the files hold a CA whose key matches and that is valid for a while longer. */
function usable(certPem: string, keyPem: string): boolean {
  try {
    const x = new crypto.X509Certificate(certPem);
    if (Date.parse(x.validTo) - Date.now() < RENEW_MARGIN_MS) return false;
    return x.ca && x.checkPrivateKey(crypto.createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

function readIfPresent(p: string): string | undefined {
  try {
    return fs.readFileSync(p, "utf8");
  } catch {
    return undefined;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function writeAtomic(file: string, data: string, mode: number): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
  fs.writeFileSync(tmp, data, { mode });
  fs.renameSync(tmp, file);
}

/**
 * Loads `ca.pem` / `ca-key.pem` from `dir` or creates them (RSA 2048, CA:true, valid 2 days).
 * A CA that is expired, expires within 2 hours or does not match its key is replaced.
 * Safe against several processes calling it on the same directory at once (lock file).
 */
export function ensureCa(dir: string): CertificateAuthority {
  fs.mkdirSync(dir, { recursive: true });
  const certPath = path.join(dir, CA_CERT_FILE);
  const keyPath = path.join(dir, CA_KEY_FILE);
  const load = (): CertificateAuthority | undefined => {
    const certPem = readIfPresent(certPath);
    const keyPem = readIfPresent(keyPath);
    return certPem && keyPem && usable(certPem, keyPem) ? { certPath, keyPath, certPem, keyPem } : undefined;
  };
  const existing = load();
  if (existing) return existing;

  const lockPath = path.join(dir, LOCK_FILE);
  const deadline = Date.now() + 30_000;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(lockPath, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (fd !== undefined) {
      try {
        const again = load();
        if (again) return again;
        const ca = createCa();
        writeAtomic(keyPath, ca.keyPem, 0o600);
        writeAtomic(certPath, ca.certPem, 0o644);
        return { certPath, keyPath, ...ca };
      } finally {
        fs.closeSync(fd);
        fs.rmSync(lockPath, { force: true });
      }
    }
    // Someone else is creating it: wait, then use theirs; break a stale lock.
    sleepSync(50);
    const done = load();
    if (done) return done;
    try {
      if (Date.now() - fs.statSync(lockPath).mtimeMs > 20_000) fs.rmSync(lockPath, { force: true });
    } catch {
      /* lock vanished meanwhile */
    }
    if (Date.now() > deadline) throw new Error(`ensureCa: timed out waiting for ${lockPath}`);
  }
}

/** True for an IPv4 or IPv6 literal. */
function isIp(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(":");
}

/**
 * Issues a server certificate signed by `ca` for `hosts` (DNS names and IP literals become
 * subjectAltName entries). Valid as long as the CA, at most 2 days.
 */
export function issueServerCert(
  ca: { certPem: string; keyPem: string },
  hosts: string[] = ["localhost", "127.0.0.1", "::1"],
): ServerCertificate {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const { cert, keys, now } = newCertificate();
  const notAfter = Math.min(now + VALIDITY_MS, caCert.validity.notAfter.getTime());
  cert.validity.notAfter = new Date(notAfter);
  const dns = hosts.find((h) => !isIp(h)) ?? hosts[0] ?? "localhost";
  cert.setSubject([{ name: "commonName", value: dns }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: hosts.map((h) => (isIp(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKey };
}
