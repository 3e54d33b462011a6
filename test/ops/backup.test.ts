// `scimd backup` while writes stream in, and `scimd restore` (refused while a server runs, checks the file,
// replaces the database).
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary, freePort, startScimd, tempDir, writeConfig } from "./support.ts";

const dir = tempDir("backup");
const port = freePort();
const config = writeConfig(dir, port);
const env = { PATH: process.env.PATH ?? "" };
const cli = (...args: string[]) => spawnSync(ensureBinary(), [...args, "--config", config], { encoding: "utf8", cwd: dir, env });
const cliAsync = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const c = spawn(ensureBinary(), [...args, "--config", config], { cwd: dir, env });
    let stdout = "";
    let stderr = "";
    c.stdout.on("data", (d) => (stdout += d));
    c.stderr.on("data", (d) => (stderr += d));
    c.on("exit", (status) => resolve({ status, stdout, stderr }));
  });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const userNames = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    return new Set((db.query("SELECT user_name FROM scim_users").all() as { user_name: string }[]).map((r) => r.user_name));
  } finally {
    db.close();
  }
};

describe("backup and restore", () => {
  const backup = join(dir, "during-writes.db");
  let ackedBeforeBackup: string[] = [];
  let allAcked: string[] = [];
  let initialToken = "";

  test("a backup taken during a stream of writes holds every user acknowledged before it started", async () => {
    const p = await startScimd({ args: ["serve", "--config", config], cwd: dir, port });
    const token = p.stderr.join("\n").match(/scimd_[A-Za-z0-9_-]+/)![0];
    initialToken = token;
    const acked: string[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const userName = `w${w}-${i}@example.com`;
        const r = await fetch(`${p.url}/scim/Users`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
          body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName }),
        });
        expect(r.status).toBe(201);
        acked.push(userName);
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    while (acked.length < 40) await Bun.sleep(5);
    ackedBeforeBackup = [...acked];
    const started = performance.now();
    const r = await cliAsync("backup", backup);
    const ms = performance.now() - started;
    const ackedAfterBackup = acked.length;
    await Bun.sleep(100);
    stop = true;
    await Promise.all(writers);
    allAcked = [...acked];
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Wrote a backup");
    // Personal data and token hashes: the owner's only, whatever the umask.
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    const inBackup = userNames(backup);
    expect(ackedBeforeBackup.filter((u) => !inBackup.has(u))).toEqual([]);
    expect(ackedAfterBackup).toBeGreaterThan(ackedBeforeBackup.length); // writes really went on during the backup
    console.log(`backup: ${inBackup.size} users in the copy (${ackedBeforeBackup.length} acknowledged before it began), ${Math.round(ms)} ms for the command`);

    // The same file again is refused unless --force.
    const again = cli("backup", backup);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("already exists");
    expect(cli("backup", backup, "--force").status).toBe(0);

    // restore is refused while the server holds the database.
    const refused = cli("restore", backup);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("scimd is running");
    expect(await p.stop("SIGTERM")).toBe(0);
  });

  test("restore checks the file first", () => {
    const junk = join(dir, "junk.db");
    writeFileSync(junk, "this is not a database at all, just some text long enough to be a file");
    const r1 = cli("restore", junk);
    expect(r1.status).toBe(1);
    expect(r1.stderr).toMatch(/not a SQLite database|cannot be opened|damaged/);
    const other = join(dir, "other.db");
    const db = new Database(other, { create: true });
    db.exec("CREATE TABLE t (x)");
    db.close();
    const r2 = cli("restore", other);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toContain("is not a scimd database");
    expect(cli("restore", join(dir, "missing.db")).stderr).toContain("does not exist");
    // Nothing was touched: the live database still has every acknowledged user.
    expect(userNames(join(dir, "scimd.db")).size).toBe(allAcked.length);
  });

  test("restore replaces the database atomically and the server starts on it; event numbers and record ids go on from the replaced database's; its tokens are kept; its mode is kept", async () => {
    const live = join(dir, "scimd.db");
    const lastSeq = (file: string) => {
      const db = new Database(file, { readonly: true });
      try {
        return (db.query("SELECT max(seq) AS n FROM events").get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const token = cli("token", "create", "--name", "around-restore").stdout.trim().split("\n").at(-1)!;
    const createUser = async (url: string, userName: string) =>
      (
        await fetch(`${url}/scim/Users`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
          body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName }),
        })
      ).status;
    // Events numbered after the backup was taken (a receiver has seen them).
    const before = await startScimd({ args: ["serve", "--config", config], cwd: dir, port });
    expect(await createUser(before.url, "after-backup@example.com")).toBe(201);
    expect(await before.stop("SIGTERM")).toBe(0);
    const seqBefore = lastSeq(live);
    const maxRecordId = (file: string) => {
      const db = new Database(file, { readonly: true });
      try {
        return (db.query("SELECT max(id) AS n FROM directory_users").get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const recordIdBefore = maxRecordId(live);
    expect(recordIdBefore).toBeGreaterThan(maxRecordId(backup));
    // The backup has the initial token; revoked since (leaked, say), it must stay revoked after the restore.
    expect(cli("token", "revoke", "initial").status).toBe(0);
    expect(seqBefore).toBeGreaterThan(lastSeq(backup));
    chmodSync(live, 0o640);
    const restored = cli("restore", backup);
    expect(restored.stderr).toBe("");
    expect(restored.status).toBe(0);
    expect(restored.stdout).toContain(`Restored ${live} `);
    expect(restored.stdout).toContain("tokens: 1 in force before the restore kept, 0 from the backup, 1 revoked since the backup left out");
    expect(existsSync(join(dir, "scimd.db-wal"))).toBe(false);
    expect(statSync(live).mode & 0o777).toBe(0o640);
    const names = userNames(live);
    expect(ackedBeforeBackup.filter((u) => !names.has(u))).toEqual([]);
    const p = await startScimd({ args: ["serve", "--config", config], cwd: dir, port });
    const listed = cli("users", "list", "--json");
    expect((JSON.parse(listed.stdout) as unknown[]).length).toBe(names.size);
    // The token created after the backup still works; the one revoked after it does not.
    expect(await createUser(p.url, "kept-token@example.com")).toBe(201);
    const revoked = await fetch(`${p.url}/scim/Users?count=1`, { headers: { authorization: `Bearer ${initialToken}` } });
    expect(revoked.status).toBe(401);
    expect(cli("token", "list").stdout).not.toMatch(/^initial\b/m);
    // A token created on the restored database works.
    const token2 = cli("token", "create", "--name", "after-restore").stdout.trim().split("\n").at(-1)!;
    const created = await fetch(`${p.url}/scim/Users`, {
      method: "POST",
      headers: { authorization: `Bearer ${token2}`, "content-type": "application/scim+json" },
      body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "after-restore@example.com" }),
    });
    expect(created.status).toBe(201);
    expect(await p.stop("SIGTERM")).toBe(0);
    // The new user's event has a number no receiver has seen: webhook-id evt_<seq> is not re-used.
    const db = new Database(live, { readonly: true });
    try {
      const { seq } = db.query("SELECT min(seq) AS seq FROM events WHERE name = 'after-restore@example.com'").get() as { seq: number };
      expect(seq).toBeGreaterThan(seqBefore);
      // Nor a directory record id an application has seen for someone else.
      const { id } = db.query("SELECT min(id) AS id FROM directory_users WHERE username = 'kept-token@example.com'").get() as { id: number };
      expect(id).toBeGreaterThan(recordIdBefore);
    } finally {
      db.close();
    }
  });
});

describe("a backup file this user cannot read", () => {
  test("restore says it cannot be read by this user, not that it is no database (a damaged backup, as it read)", () => {
    const home = tempDir("unreadable");
    chmodSync(home, 0o777);
    const cfg = join(home, "scimd.toml");
    writeFileSync(cfg, `[storage]\npath = "${join(home, "scimd.db")}"\n`);
    chmodSync(cfg, 0o644);
    const file = join(home, "backup.db");
    expect(spawnSync(ensureBinary(), ["migrate", "--config", cfg], { encoding: "utf8", env }).status).toBe(0);
    const made = spawnSync(ensureBinary(), ["backup", file, "--config", cfg], { encoding: "utf8", env });
    expect(made.status).toBe(0);
    // The backup is its owner's only (0600). Run by another user: as root, drop to nobody; else take the read bit away.
    const asRoot = process.getuid?.() === 0;
    if (!asRoot) chmodSync(file, 0o000);
    const argv = [ensureBinary(), "restore", file, "--config", cfg];
    const r = asRoot
      ? spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", ...argv], { encoding: "utf8", env })
      : spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", env });
    rmSync(home, { recursive: true, force: true });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cannot be read by this user");
    expect(r.stderr).not.toContain("cannot be opened as a database");
  });
});
