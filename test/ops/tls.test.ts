// [server.tls]: HTTPS served by the binary itself, TLS 1.2 minimum, SIGHUP certificate reload (a new
// connection sees the new certificate, an open connection keeps working, a bad pair keeps the old one).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { copyFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, type TLSSocket } from "node:tls";
import { freePort, makeCert, servedFingerprint, startScimd, tempDir, waitFor, writeConfig, type Proc } from "./support.ts";

let dir: string;
let port: number;
let proc: Proc;
let certA: ReturnType<typeof makeCert>;
let certB: ReturnType<typeof makeCert>;

beforeAll(async () => {
  dir = tempDir("tls");
  certA = makeCert(dir, "a");
  certB = makeCert(dir, "b");
  copyFileSync(certA.cert, join(dir, "tls.crt"));
  copyFileSync(certA.key, join(dir, "tls.key"));
  port = freePort();
  const config = writeConfig(dir, port, `[server.tls]\ncert = "${join(dir, "tls.crt")}"\nkey = "${join(dir, "tls.key")}"\n`);
  proc = await startScimd({ args: ["serve", "--config", config], cwd: dir, port, https: true });
});

afterAll(async () => {
  await proc?.stop("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function openSocket(): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port, rejectUnauthorized: false, servername: "localhost" }, () => resolve(s));
    s.on("error", reject);
  });
}

/** One HTTP/1.1 request on an open socket; resolves with the status line. */
function requestOn(socket: TLSSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    const onData = (d: Buffer) => {
      data += d.toString();
      if (data.includes("\r\n\r\n") && data.includes('"status"')) {
        socket.off("data", onData);
        resolve(data.split("\r\n")[0]!);
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.write(`GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n`);
  });
}

const s_client = (...args: string[]) => spawnSync("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", ...args], { input: "", encoding: "utf8", timeout: 10_000 });

describe("HTTPS in the binary", () => {
  test("serves the SCIM API over TLS and logs an https start line with the certificate", async () => {
    const r = await fetch(`${proc.url}/scim/ServiceProviderConfig`, { tls: { rejectUnauthorized: false } });
    expect(r.status).toBe(401); // TLS works; the SCIM API still wants its token
    const started = proc.stdout.map((l) => JSON.parse(l)).find((l) => l.msg === "scimd started");
    expect(started.url).toBe(`https://127.0.0.1:${port}/scim`);
    expect(started.certificate).toBe(certA.fingerprint);
    expect(await servedFingerprint(port)).toBe(certA.fingerprint);
  });

  test("TLS 1.2 takes only forward-secret AEAD suites (ECDHE with GCM or ChaCha20): RSA key exchange and CBC-SHA1 are refused", () => {
    expect(s_client("-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256").stdout).toMatch(/Cipher\s*: ECDHE-(RSA|ECDSA)-AES128-GCM-SHA256/);
    for (const weak of ["AES128-SHA", "AES256-SHA", "AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA"]) {
      const r = s_client("-tls1_2", "-cipher", weak);
      expect([weak, r.stdout.includes("Server certificate")]).toEqual([weak, false]);
    }
  });

  test("TLS 1.2 and 1.3 are accepted, TLS 1.1 and 1.0 refused", () => {
    expect(s_client("-tls1_2").stdout).toContain("Protocol  : TLSv1.2");
    expect(s_client("-tls1_3").stdout).toMatch(/TLSv1\.3/);
    for (const old of ["-tls1_1", "-tls1"]) {
      const r = s_client(old, "-cipher", "DEFAULT@SECLEVEL=0");
      expect(r.stdout).not.toContain("Server certificate");
      expect(r.stdout + r.stderr).toMatch(/alert protocol version|no protocols available|handshake failure/);
    }
  });
});

describe("SIGHUP reloads the certificate", () => {
  test("a new connection sees the new certificate; a request in flight on the old one completes", async () => {
    const token = proc.stderr.join("\n").match(/scimd_[A-Za-z0-9_-]+/)![0];
    const before = await openSocket();
    const beforeFingerprint = before.getPeerCertificate().fingerprint256;
    expect(await requestOn(before)).toBe("HTTP/1.1 200 OK");
    // A POST whose body is only half sent when the signal arrives.
    const body = JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "during.reload@example.com", active: true });
    let answer = "";
    before.on("data", (d: Buffer) => (answer += d.toString()));
    before.write(`POST /scim/Users HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/scim+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 20)}`);
    await Bun.sleep(100);
    copyFileSync(certB.cert, join(dir, "tls.crt"));
    copyFileSync(certB.key, join(dir, "tls.key"));
    proc.child.kill("SIGHUP");
    await waitFor(() => proc.stdout.some((l) => l.includes("TLS certificate reloaded")));
    expect(await servedFingerprint(port)).toBe(certB.fingerprint);
    before.write(body.slice(20));
    await waitFor(() => answer.includes("during.reload@example.com"));
    expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 201 Created");
    expect(beforeFingerprint).toBe(certA.fingerprint);
    before.end();
    const reloaded = JSON.parse(proc.stdout.find((l) => l.includes("TLS certificate reloaded"))!);
    expect(reloaded).toMatchObject({ level: "info", fingerprint: certB.fingerprint });
  });

  test("a bad certificate keeps the current one and logs why (level error)", async () => {
    writeFileSync(join(dir, "tls.crt"), "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
    proc.child.kill("SIGHUP");
    await waitFor(() => proc.stdout.some((l) => l.includes("TLS certificate not reloaded")));
    const line = JSON.parse(proc.stdout.find((l) => l.includes("TLS certificate not reloaded"))!);
    expect(line.level).toBe("error");
    expect(line.reason).toContain("does not hold a PEM certificate");
    expect(line.fingerprint).toBe(certB.fingerprint);
    expect(await servedFingerprint(port)).toBe(certB.fingerprint);

    // A certificate whose key does not match is refused the same way.
    copyFileSync(certA.cert, join(dir, "tls.crt")); // key file still holds B's key
    proc.child.kill("SIGHUP");
    await waitFor(() => proc.stdout.filter((l) => l.includes("TLS certificate not reloaded")).length === 2);
    expect(proc.stdout.filter((l) => l.includes("TLS certificate not reloaded"))[1]).toContain("does not belong to the certificate");
    expect(await servedFingerprint(port)).toBe(certB.fingerprint);
    const r = await fetch(`${proc.url}/healthz`, { tls: { rejectUnauthorized: false } });
    expect(r.status).toBe(200);
  });

  test("SIGTERM still stops cleanly after reloads (exit 0)", async () => {
    expect(await proc.stop("SIGTERM")).toBe(0);
    expect(proc.stdout.some((l) => l.includes('"scimd stopped"'))).toBe(true);
  });
});

test("a missing certificate file is refused at start with one sentence (exit 2)", () => {
  const d = tempDir("tls-bad");
  const config = writeConfig(d, freePort(), `[server.tls]\ncert = "${join(d, "nope.crt")}"\nkey = "${join(d, "nope.key")}"\n`);
  const r = spawnSync(join(import.meta.dir, "../../dist/scimd"), ["serve", "--config", config], { encoding: "utf8", cwd: d, env: { PATH: process.env.PATH ?? "" } });
  expect(r.status).toBe(2);
  const errors = r.stderr.trim().split("\n").filter((l) => !l.includes("token"));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain("cannot read the certificate file");
  rmSync(d, { recursive: true, force: true });
});
