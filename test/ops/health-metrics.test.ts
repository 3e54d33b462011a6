// /readyz when the database is unavailable; GET /metrics (route templates, directory counts, token,
// separate listener) against the binary; the route template function itself.
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { routeTemplate } from "../../src/http/metrics.ts";
import { createTestApp } from "../support/app.ts";
import { freePort, startScimd, tempDir, writeConfig, type Proc } from "./support.ts";

describe("/readyz", () => {
  // Realistic unavailability: the storage has been closed (what happens during shutdown, or after the
  // database failed). Deleting the file under a running server is not it: SQLite keeps the open inode.
  test("is 200 with the database open and 503 once storage is closed; /healthz stays 200", async () => {
    const t = await createTestApp();
    expect((await t.request("GET", "/readyz", undefined, { auth: null })).status).toBe(200);
    t.storage.close();
    const r = await t.json("GET", "/readyz", undefined, { auth: null });
    expect(r.status).toBe(503);
    expect(r.body.status).toBe("not ready");
    expect((await t.request("GET", "/healthz", undefined, { auth: null })).status).toBe(200);
    t.close();
  });
});

test("route templates never carry ids", () => {
  expect(routeTemplate("/scim/Users/2819c223-7f76-453a-919d-413861904646")).toBe("/scim/Users/:id");
  expect(routeTemplate("/scim/v2/Groups/abc")).toBe("/scim/v2/Groups/:id");
  expect(routeTemplate("/scim/users")).toBe("/scim/Users");
  expect(routeTemplate("/scim/Users/.search")).toBe("/scim/Users/.search");
  expect(routeTemplate("/scim/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")).toBe("/scim/Schemas/:id");
  expect(routeTemplate("/scim/whatever/1/2")).toBe("/scim/other");
  expect(routeTemplate("/wp-login.php")).toBe("other");
  expect(routeTemplate("/healthz")).toBe("/healthz");
});

describe("GET /metrics on the binary", () => {
  const dirs: string[] = [];
  const procs: Proc[] = [];
  afterAll(async () => {
    for (const p of procs) await p.stop("SIGKILL");
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test("is 404 when [metrics] is off (the default)", async () => {
    const dir = tempDir("metrics-off");
    dirs.push(dir);
    const port = freePort();
    const p = await startScimd({ args: ["serve", "--config", writeConfig(dir, port)], cwd: dir, port });
    procs.push(p);
    expect((await fetch(`${p.url}/metrics`)).status).toBe(404);
  });

  test("counts requests by route template and status, users by state, groups; needs its own token", async () => {
    const dir = tempDir("metrics");
    dirs.push(dir);
    const port = freePort();
    const p = await startScimd({ args: ["serve", "--config", writeConfig(dir, port, `[metrics]\nenabled = true\ntoken = "metrics-secret"\n`)], cwd: dir, port });
    procs.push(p);
    const token = p.stderr.join("\n").match(/scimd_[A-Za-z0-9_-]+/)![0];
    const h = { authorization: `Bearer ${token}`, "content-type": "application/scim+json" };
    const ids: string[] = [];
    for (const [i, active] of [true, true, false].entries()) {
      const r = await fetch(`${p.url}/scim/Users`, { method: "POST", headers: h, body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: `m${i}@example.com`, active }) });
      expect(r.status).toBe(201);
      ids.push(((await r.json()) as { id: string }).id);
    }
    await fetch(`${p.url}/scim/Groups`, { method: "POST", headers: h, body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Staff" }) });
    for (const id of ids) expect((await fetch(`${p.url}/scim/Users/${id}`, { headers: h })).status).toBe(200);
    expect((await fetch(`${p.url}/scim/Users/does-not-exist`, { headers: h })).status).toBe(404);

    expect((await fetch(`${p.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401); // a SCIM token is not the metrics token
    const r = await fetch(`${p.url}/metrics`, { headers: { authorization: "Bearer metrics-secret" } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await r.text();
    expect(text).toContain('scimd_http_requests_total{method="POST",route="/scim/Users",status="201"} 3');
    expect(text).toContain('scimd_http_requests_total{method="GET",route="/scim/Users/:id",status="200"} 3');
    expect(text).toContain('scimd_http_requests_total{method="GET",route="/scim/Users/:id",status="404"} 1');
    for (const id of ids) expect(text).not.toContain(id);
    expect(text).toContain('scimd_http_request_duration_seconds_bucket{method="GET",route="/scim/Users/:id",le="+Inf"} 4');
    expect(text).toContain('scimd_users{state="active"} 2');
    expect(text).toContain('scimd_users{state="inactive"} 1');
    expect(text).toContain("scimd_groups 1");
    expect(text).toContain("scimd_webhook_events_pending 0");
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
    const used = Number(text.match(/^process_heap_bytes (\d+)$/m)?.[1]);
    const rss = Number(text.match(/^process_resident_memory_bytes (\d+)$/m)?.[1]);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(rss);
    // Every sample line is "name{labels} value".
    for (const line of text.trim().split("\n").filter((l) => !l.startsWith("#"))) expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? [0-9.e+-]+|NaN$/);
  });

  test("[metrics] listen serves /metrics on a second address only", async () => {
    const dir = tempDir("metrics-listen");
    dirs.push(dir);
    const port = freePort();
    const mport = freePort();
    const p = await startScimd({ args: ["serve", "--config", writeConfig(dir, port, `[metrics]\nenabled = true\nlisten = "127.0.0.1:${mport}"\n`)], cwd: dir, port });
    procs.push(p);
    expect((await fetch(`${p.url}/metrics`)).status).toBe(404);
    const r = await fetch(`http://127.0.0.1:${mport}/metrics`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('scimd_http_requests_total{method="GET",route="/healthz",status="200"}');
    expect((await fetch(`http://127.0.0.1:${mport}/scim/Users`)).status).toBe(404);
  });
});
