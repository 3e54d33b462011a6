// Helpers for the production-operations suites: run dist/scimd with a given config (HTTP or HTTPS),
// self-signed certificates made with openssl, and line capture of stdout/stderr.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { ensureBinary, freePort } from "../support/binary.ts";

export { ensureBinary, freePort };

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `scimd-ops-${prefix}-`));

/** A self-signed RSA certificate for localhost: returns the paths and the SHA-256 fingerprint. */
export function makeCert(dir: string, name: string): { cert: string; key: string; fingerprint: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const r = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=localhost`, "-keyout", key, "-out", cert], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { cert, key, fingerprint: new X509Certificate(readFileSync(cert)).fingerprint256 };
}

export interface Proc {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  url: string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `dist/scimd serve` and waits for /healthz (over HTTPS when `https`). */
export async function startScimd(opts: { args?: string[]; cwd: string; env?: Record<string, string>; port: number; https?: boolean; uid?: number }): Promise<Proc> {
  const bin = ensureBinary();
  const stdout: string[] = [];
  const stderr: string[] = [];
  const child = spawn(bin, opts.args ?? ["serve"], { cwd: opts.cwd, env: { PATH: process.env.PATH ?? "", ...(opts.env ?? {}) }, ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}) });
  child.stdout!.setEncoding("utf8").on("data", (d: string) => stdout.push(...d.split("\n").filter(Boolean)));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => stderr.push(...d.split("\n").filter(Boolean)));
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  const url = `${opts.https ? "https" : "http"}://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`, { tls: { rejectUnauthorized: false } });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`scimd exited with ${child.exitCode}: ${stderr.join("\n")}`);
    if (Date.now() > deadline) throw new Error(`scimd did not start: ${stderr.join("\n")}`);
    await Bun.sleep(50);
  }
  return {
    child,
    stdout,
    stderr,
    url,
    exited,
    stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      child.kill(signal);
      return exited;
    },
  };
}

/** Writes a config with the given port and database, plus `extra`. */
export function writeConfig(dir: string, port: number, extra = ""): string {
  const path = join(dir, "scimd.toml");
  writeFileSync(path, `[server]\nhost = "127.0.0.1"\nport = ${port}\n\n[storage]\npath = "${join(dir, "scimd.db")}"\n\n${extra}\n`);
  return path;
}

/** The SHA-256 fingerprint of the certificate a new TLS connection is served. */
export function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false, servername: "localhost" }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.on("error", reject);
  });
}

export const waitFor = async (cond: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for a condition");
    await Bun.sleep(20);
  }
};
