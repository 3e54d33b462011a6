// The compiled binary checkpoints the WAL on its worker thread (an entrypoint of its own in the executable):
// while it runs, committed users reach the database file long before SQLite's own 64 MB backstop, no
// "checkpoint thread failed" warning is logged, and a clean stop leaves the database file complete.
import { afterAll, expect, test } from "bun:test";
import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { freePort, startScimd, tempDir, writeConfig } from "./support.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("the executable's checkpoint thread copies the WAL into the database file while serving", async () => {
  const dir = tempDir("checkpoint");
  dirs.push(dir);
  const port = freePort();
  const config = writeConfig(dir, port);
  const db = join(dir, "scimd.db");
  const p = await startScimd({ args: ["serve", "--config", config], cwd: dir, port });
  const token = p.stderr.join("\n").match(/scimd_[A-Za-z0-9_-]+/)![0];
  const before = statSync(db).size;
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/scim+json" };
  for (let batch = 0; batch < 10; batch++)
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        fetch(`${p.url}/scim/Users`, {
          method: "POST",
          headers,
          body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: `ckpt${batch}-${i}@example.com`, displayName: "x".repeat(2000) }),
        }).then((r) => expect(r.status).toBe(201)),
      ),
    );
  // ~300 users of 2 KB: well under a megabyte of WAL beyond the first checkpoint, far from 64 MB.
  const deadline = Date.now() + 5000;
  while (statSync(db).size < before + 400_000 && Date.now() < deadline) await Bun.sleep(50);
  expect(statSync(db).size).toBeGreaterThan(before + 400_000);
  expect(p.stdout.concat(p.stderr).some((l) => l.includes("checkpoint thread failed"))).toBe(false);
  expect(await p.stop("SIGTERM")).toBe(0);
  expect(existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0).toBe(0);
  const check = new Database(db, { readonly: true });
  expect((check.query("SELECT count(*) AS n FROM scim_users").get() as { n: number }).n).toBe(300);
  check.close();
});
