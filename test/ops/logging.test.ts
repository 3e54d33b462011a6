// What scimd writes: JSON lines for start, requests, warnings and stop; pretty lines when asked; the level
// filter; and never a token, an Authorization header or a request body (the first-start token line on
// stderr is the one deliberate exception).
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { levelOf } from "../../src/cli/serve.ts";
import { ensureBinary, freePort, startScimd, tempDir, writeConfig } from "./support.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";

describe("a full session against the binary", () => {
  test("logs JSON lines and no secret, except the initial token once on stderr", async () => {
    const dir = tempDir("log");
    dirs.push(dir);
    const port = freePort();
    const config = writeConfig(dir, port, `[directory]\ndepartments = ["Sales"]\n`);
    const p = await startScimd({ args: ["serve", "--config", config], cwd: dir, port });
    const initial = p.stderr.join("\n").match(/scimd_[A-Za-z0-9_-]+/)![0];
    const created = spawnSync(ensureBinary(), ["token", "create", "--name", "entra", "--config", config], { encoding: "utf8", cwd: dir, env: { PATH: process.env.PATH ?? "" } });
    expect(created.status).toBe(0);
    const second = created.stdout.trim().split("\n").at(-1)!;
    expect(second).toMatch(/^scimd_/);

    const bodySecret = "Hunter2-S3cr3t-Body-Value-7f3a";
    const bogus = "scimd_bogusTokenValue0123456789abcdefXYZ";
    const basic = "Basic c2VjcmV0dXNlcjpzZWNyZXRwYXNz";
    const auth = (t: string) => ({ authorization: `Bearer ${t}`, "content-type": "application/scim+json" });
    const post = (t: string, body: unknown) => fetch(`${p.url}/scim/Users`, { method: "POST", headers: auth(t), body: JSON.stringify(body) });

    expect((await post(second, { schemas: [USER], userName: "alice@example.com", password: bodySecret, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: "Nowhere" } })).status).toBe(201);
    expect((await fetch(`${p.url}/scim/Users?filter=userName%20eq%20%22alice@example.com%22`, { headers: auth(initial) })).status).toBe(200);
    expect((await post(second, { schemas: [USER], userName: "alice@example.com", password: bodySecret })).status).toBe(409);
    expect((await fetch(`${p.url}/scim/Users`, { method: "POST", headers: auth(second), body: `{"userName": "${bodySecret}", broken` })).status).toBe(400);
    expect((await post(bogus, { schemas: [USER], userName: "mallory", password: bodySecret })).status).toBe(401);
    expect((await fetch(`${p.url}/scim/Users`, { headers: { authorization: basic } })).status).toBe(401);
    expect((await fetch(`${p.url}/scim/Users?access_token=${second}`)).status).toBe(401);
    expect((await fetch(`${p.url}/scim/Users/nope`, { headers: { ...auth(second), "x-request-id": "trace-123" } })).headers.get("x-request-id")).toBe("trace-123");
    expect((await fetch(`${p.url}/scim/${"x".repeat(5000)}`, { headers: auth(second) })).status).toBe(404);
    expect(await p.stop("SIGTERM")).toBe(0);

    const all = [...p.stdout, ...p.stderr].join("\n");
    for (const secret of [second, bogus, basic, "c2VjcmV0dXNlcjpzZWNyZXRwYXNz", bodySecret, "Bearer "]) expect(all).not.toContain(secret);
    expect(p.stdout.join("\n")).not.toContain(initial);
    expect(p.stderr.filter((l) => l.includes(initial))).toHaveLength(1);
    expect(p.stderr.join("\n").split(initial)).toHaveLength(2);

    // Every stdout line is a JSON object with time, level and msg.
    const lines = p.stdout.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const l of lines) expect([typeof l.time, typeof l.level, typeof l.msg]).toEqual(["string", "string", "string"]);
    const msgs = lines.map((l) => l.msg);
    expect(msgs[0]).toBe("scimd started");
    expect(msgs.at(-1)).toBe("scimd stopped");
    expect(msgs).toContain("scimd stopping");
    expect(lines.some((l) => l.level === "warn" && l.userName === "alice@example.com")).toBe(true);
    const requests = lines.filter((l) => l.msg === "request");
    expect(requests.length).toBe(10);
    // A path anyone chooses is cut in the log line (Bun accepts some 16 KB of it).
    expect(requests.map((l) => String(l.path).length).sort((a, b) => b - a)[0]).toBe(1001);
    expect(requests.find((l) => l.requestId === "trace-123")).toMatchObject({ status: 404, token: "entra", path: "/scim/Users/nope" });
    expect(requests.filter((l) => (l.status as number) >= 400).length).toBe(7);
    // The peer address is on failed requests only (a successful one is identified by its token name).
    for (const l of requests) expect(l.client).toBe((l.status as number) >= 400 ? "127.0.0.1" : undefined);
    // A failed request's line is a warning, so that level = "warn" keeps the failures (below).
    for (const l of requests) expect(l.level).toBe((l.status as number) >= 400 ? "warn" : "info");
  });
});

test('[logging] client_address = "always" puts the peer address on every request line', async () => {
  const dir = tempDir("log-client");
  dirs.push(dir);
  const port = freePort();
  const config = writeConfig(dir, port, `[logging]\nclient_address = "always"\n`);
  const p = await startScimd({ args: ["serve", "--config", config], cwd: dir, port });
  const token = p.stderr.join("\n").match(/scimd_[A-Za-z0-9_-]+/)![0];
  expect((await fetch(`${p.url}/scim/Users`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  expect((await fetch(`${p.url}/scim/Users`)).status).toBe(401);
  expect(await p.stop("SIGTERM")).toBe(0);
  const requests = p.stdout.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "request" && l.path === "/scim/Users");
  expect(requests.map((l) => [l.status, l.client])).toEqual([
    [200, "127.0.0.1"],
    [401, "127.0.0.1"],
  ]);
});

test('[logging] format = "pretty" and level = "warn" apply to every line', async () => {
  const dir = tempDir("log-pretty");
  dirs.push(dir);
  const port = freePort();
  const config = writeConfig(dir, port, `[directory]\ndepartments = ["Sales"]\n\n[logging]\nformat = "pretty"\nlevel = "warn"\n`);
  const p = await startScimd({ args: ["serve", "--config", config], cwd: dir, port });
  const token = p.stderr.join("\n").match(/scimd_[A-Za-z0-9_-]+/)![0];
  const r = await fetch(`${p.url}/scim/Users`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" }, body: JSON.stringify({ schemas: [USER], userName: "bob@example.com", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: "Nowhere" } }) });
  expect(r.status).toBe(201);
  expect((await fetch(`${p.url}/scim/Users`)).status).toBe(401);
  expect(await p.stop("SIGTERM")).toBe(0);
  expect(p.stdout.length).toBeGreaterThan(0);
  // The failed request's line is kept, the successful one's is not.
  const requestLines = p.stdout.filter((l) => / request /.test(l));
  expect(requestLines).toHaveLength(1);
  expect(requestLines[0]).toMatch(/WARN  ?request .*401/);
  for (const l of p.stdout) {
    expect(l.startsWith("{")).toBe(false);
    expect(l).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z (WARN |ERROR) /);
  }
  expect(p.stdout.some((l) => l.includes("bob@example.com"))).toBe(true);
  expect(p.stdout.join("\n")).not.toContain("scimd started"); // info is below the level
});

test("a request line's level: info for 2xx/3xx, warn for 4xx and 501 (not implemented: the client's ask), error for other 5xx", () => {
  expect([200, 201, 204, 304, 400, 401, 404, 409, 412, 429, 501, 500, 503].map(levelOf)).toEqual(["info", "info", "info", "info", "warn", "warn", "warn", "warn", "warn", "warn", "warn", "error", "error"]);
});
