// SIGTERM during a burst: every request sent before the signal gets a complete response, exit code 0.
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { ensureBinary, freePort, startScimd, tempDir, writeConfig } from "./support.ts";

test("SIGTERM during 600 concurrent requests: all 600 answered in full, exit 0, every user stored", async () => {
  const dir = tempDir("shutdown");
  const port = freePort();
  const config = writeConfig(dir, port);
  const p = await startScimd({ args: ["serve", "--config", config], cwd: dir, port });
  const token = p.stderr.join("\n").match(/scimd_[A-Za-z0-9_-]+/)![0];
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/scim+json" };
  const N = 600;
  // Writes are serialised and fsynced (synchronous = FULL), so most of these are still queued or running
  // when the signal arrives.
  const results = Array.from({ length: N }, (_, i) =>
    fetch(`${p.url}/scim/Users`, {
      method: "POST",
      headers,
      body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: `burst${i}@example.com`, displayName: `Burst ${i}` }),
    }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as { userName?: string } }),
      (e: Error) => ({ status: 0, body: { error: e.message } as { userName?: string } }),
    ),
  );
  // Every request is on the wire (the server has logged the first responses) before the signal.
  const deadline = Date.now() + 5000;
  while (!p.stdout.some((l) => l.includes('"status":201')) && Date.now() < deadline) await Bun.sleep(1);
  const answeredBeforeSignal = p.stdout.filter((l) => l.includes('"msg":"request"')).length;
  p.child.kill("SIGTERM");
  const settled = await Promise.all(results);
  const code = await p.exited;

  expect(settled.filter((r) => r.status !== 201)).toEqual([]);
  expect(new Set(settled.map((r) => r.body.userName)).size).toBe(N);
  expect(code).toBe(0);
  expect(answeredBeforeSignal).toBeLessThan(N); // the signal really came mid-burst
  expect(p.stdout.some((l) => l.includes('"msg":"scimd stopped"'))).toBe(true);

  const listed = spawnSync(ensureBinary(), ["users", "list", "--json", "--config", config], { encoding: "utf8", cwd: dir, env: { PATH: process.env.PATH ?? "" } });
  expect(listed.status).toBe(0);
  expect((JSON.parse(listed.stdout) as unknown[]).length).toBe(N);
  console.log(`shutdown: ${answeredBeforeSignal}/${N} answered before SIGTERM, the other ${N - answeredBeforeSignal} during the drain`);
  rmSync(dir, { recursive: true, force: true });
});

test("after SIGTERM, /readyz answers 503 \"shutting down\" during the drain window, before new connections are refused", async () => {
  const dir = tempDir("shutdown-ready");
  const port = freePort();
  const p = await startScimd({ args: ["serve", "--config", writeConfig(dir, port)], cwd: dir, port });
  expect((await fetch(`${p.url}/readyz`)).status).toBe(200);
  p.child.kill("SIGTERM");
  const seen: string[] = [];
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    try {
      // A new connection each time, as a load balancer's health check makes.
      const r = await fetch(`${p.url}/readyz`, { headers: { connection: "close" } });
      seen.push(`${r.status} ${((await r.json()) as { reason?: string }).reason ?? ""}`.trim());
    } catch {
      seen.push("refused");
      break;
    }
    await Bun.sleep(20);
  }
  expect(await p.exited).toBe(0);
  expect(seen).toContain("503 shutting down");
  expect(seen.at(-1)).toBe("refused");
  // Once it says 503, it never says 200 again.
  expect(seen.slice(seen.indexOf("503 shutting down")).filter((s) => s.startsWith("200"))).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});
