import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
}

export interface LoadedTls {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 fingerprint of the leaf certificate, for logs. */
  readonly fingerprint: string;
  readonly subject: string;
  readonly validTo: string;
}

export type TlsLoadResult = { ok: true; tls: LoadedTls } | { ok: false; reason: string };

/**
 * Reads and checks `[server.tls]` before it is handed to Bun.serve: both files readable, the first PEM block a
 * certificate that is valid now, and the key the certificate's own. Bun would reject garbage too, but only
 * after the listener is torn down; checking first is what lets a SIGHUP with a bad pair keep the old one.
 */
export function loadTls(files: TlsFiles, now = new Date()): TlsLoadResult {
  let cert: string;
  let key: string;
  try {
    cert = readFileSync(files.cert, "utf8");
  } catch (e) {
    return { ok: false, reason: `cannot read the certificate file ${files.cert} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  try {
    key = readFileSync(files.key, "utf8");
  } catch (e) {
    return { ok: false, reason: `cannot read the key file ${files.key} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    return { ok: false, reason: `${files.cert} does not hold a PEM certificate` };
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(key))) return { ok: false, reason: `the key in ${files.key} does not belong to the certificate in ${files.cert}` };
  } catch {
    return { ok: false, reason: `${files.key} does not hold a readable PEM private key (encrypted keys are not supported)` };
  }
  if (new Date(x509.validTo).getTime() < now.getTime()) return { ok: false, reason: `the certificate in ${files.cert} expired on ${new Date(x509.validTo).toISOString()}` };
  return { ok: true, tls: { cert, key, fingerprint: x509.fingerprint256, subject: x509.subject.replaceAll("\n", ", "), validTo: new Date(x509.validTo).toISOString() } };
}
