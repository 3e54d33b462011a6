// restoreDatabase gives the restored file the owner and mode of the database it replaces (or, with none, its
// folder's owner and 0600), and the lock file too: a restore run as root must leave a database the service's own
// user can open. backupDatabase writes files readable by their owner only.
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backupDatabase, restoreDatabase } from "../../src/storage/backup-database.ts";
import { openStorage } from "../../src/storage/open-storage.ts";
import { acquireServerLock, lockPathOf } from "../../src/storage/server-lock.ts";

const root = mkdtempSync(join(tmpdir(), "scimd-restore-owner-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const asRoot = process.getuid?.() === 0;
const SERVICE_UID = 61234;
const SERVICE_GID = 61235;

/** A scimd database with one token, and its backup (umask 022 as on a stock system). */
function backupOf(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  const db = join(dir, "source.db");
  const s = openStorage(db);
  s.close();
  const file = join(dir, "backup.db");
  const before = process.umask(0o022);
  try {
    backupDatabase(db, file);
  } finally {
    process.umask(before);
  }
  return file;
}

function restoreUnderLock(file: string, target: string) {
  const lock = acquireServerLock(target)!;
  try {
    return restoreDatabase(file, target);
  } finally {
    lock.release();
  }
}

describe("ownership after restore", () => {
  test("a backup file is the owner's only (0600) whatever the umask", () => {
    expect(statSync(backupOf("mode")).mode & 0o777).toBe(0o600);
  });

  test("replacing a database: its mode is kept, and (as root) its owner and group, the lock file's too", () => {
    const file = backupOf("replace");
    const dir = join(root, "replace-target");
    mkdirSync(dir);
    const target = join(dir, "scimd.db");
    openStorage(target).close();
    chmodSync(target, 0o640);
    if (asRoot) chownSync(target, SERVICE_UID, SERVICE_GID);
    const r = restoreUnderLock(file, target);
    const st = statSync(target);
    expect(st.mode & 0o777).toBe(0o640);
    if (asRoot) {
      expect([st.uid, st.gid]).toEqual([SERVICE_UID, SERVICE_GID]);
      const lock = statSync(lockPathOf(target));
      expect([lock.uid, lock.gid]).toEqual([SERVICE_UID, SERVICE_GID]);
      expect(r.warnings).toBeUndefined();
    } else {
      // Run by the database's owner: nothing to say.
      expect(st.uid).toBe(process.getuid!());
      expect(r.warnings).toBeUndefined();
    }
  });

  test("with no database yet: mode 0600 and (as root) the owner of its folder", () => {
    const file = backupOf("fresh");
    const dir = join(root, "fresh-target");
    mkdirSync(dir);
    if (asRoot) chownSync(dir, SERVICE_UID, SERVICE_GID);
    const target = join(dir, "scimd.db");
    const r = restoreUnderLock(file, target);
    const st = statSync(target);
    expect(st.mode & 0o777).toBe(0o600);
    expect([st.uid, st.gid]).toEqual(asRoot ? [SERVICE_UID, SERVICE_GID] : [process.getuid!(), process.getgid!()]);
    expect(r.warnings).toBeUndefined();
  });
});

describe("what a restore carries over", () => {
  test("over a database that cannot be read, the backup's tokens are restored and the warning says to revoke again", async () => {
    const dir = join(root, "carry-unreadable");
    mkdirSync(dir);
    const source = join(dir, "source.db");
    const s = openStorage(source);
    await s.tokens.create("from-backup", "a".repeat(64), "scim", new Date().toISOString(), null);
    s.close();
    const file = join(dir, "backup.db");
    backupDatabase(source, file);
    // The database being replaced is damaged beyond opening: a reason to restore.
    const target = join(dir, "live.db");
    await Bun.write(target, "this is not a database; it was overwritten by accident ".repeat(100));
    const result = restoreUnderLock(file, target);
    expect(result.tokens).toBe("from backup");
    expect(result.warnings!.join("\n")).toContain("revoke again any token revoked since the backup");
    const restored = openStorage(target);
    try {
      expect((await restored.tokens.list()).map((t) => t.name)).toEqual(["from-backup"]);
    } finally {
      restored.close();
    }
  });
});

describe("tokens after a restore", () => {
  /** A database with these tokens (name -> hash), closed. */
  async function dbWith(path: string, tokens: Record<string, string>, revoke: string[] = []): Promise<void> {
    const s = openStorage(path);
    for (const [name, hash] of Object.entries(tokens)) await s.tokens.create(name, hash, "scim", new Date().toISOString(), null);
    for (const name of revoke) await s.tokens.revoke(name);
    s.close();
  }
  const namesAndHashes = async (path: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return (db.query("SELECT name, hash FROM tokens ORDER BY name").all() as { name: string; hash: string }[]).map((t) => `${t.name}=${t.hash[0]}`);
    } finally {
      db.close();
    }
  };

  test("restored onto a fresh install (serve made its own initial token): the backup's tokens are kept, a clashing name renamed", async () => {
    const dir = join(root, "tokens-fresh");
    mkdirSync(dir);
    const source = join(dir, "source.db");
    await dbWith(source, { initial: "a".repeat(64), entra: "b".repeat(64) });
    const file = join(dir, "backup.db");
    backupDatabase(source, file);
    const target = join(dir, "live.db");
    await Bun.sleep(5); // a token made later (in the same millisecond it would pass for the backup's own)
    await dbWith(target, { initial: "c".repeat(64) });
    const r = restoreUnderLock(file, target);
    expect(r.tokens).toEqual({ kept: 1, fromBackup: 2, revokedSince: 0, renamed: [["initial", "initial-restored"]] });
    expect(r.warnings).toEqual([
      'The backup\'s token "initial" is now named "initial-restored": a token made since the backup has its name (its secret still works).',
      'The token "initial" of the database restored over is kept, and its secret was printed when that database first started; revoke it ("scimd token revoke initial") unless a client uses it.',
    ]);
    expect(await namesAndHashes(target)).toEqual(["entra=b", "initial=c", "initial-restored=a"]);
  });

  test("restored over the database it was taken from: tokens revoked since stay revoked, tokens made since stay", async () => {
    const dir = join(root, "tokens-lineage");
    mkdirSync(dir);
    const live = join(dir, "live.db");
    await dbWith(live, { initial: "a".repeat(64), leaked: "b".repeat(64) });
    const file = join(dir, "backup.db");
    backupDatabase(live, file);
    // Since the backup: "leaked" revoked and a new token of that name made, and another one.
    const s = openStorage(live);
    await s.tokens.revoke("leaked");
    await s.tokens.create("leaked", "d".repeat(64), "scim", new Date().toISOString(), null);
    await s.tokens.create("entra", "e".repeat(64), "scim", new Date().toISOString(), null);
    s.close();
    const r = restoreUnderLock(file, live);
    expect(r.tokens).toEqual({ kept: 3, fromBackup: 0, revokedSince: 1, renamed: [] });
    expect(await namesAndHashes(live)).toEqual(["entra=e", "initial=a", "leaked=d"]);
  });

  test("a token revoked since the backup stays revoked after its events were pruned, and across restore after restore", async () => {
    const dir = join(root, "tokens-pruned");
    mkdirSync(dir);
    const live = join(dir, "live.db");
    await dbWith(live, { leaked: "a".repeat(64), entra: "b".repeat(64) });
    const b0 = join(dir, "b0.db");
    backupDatabase(live, b0);
    const s = openStorage(live);
    await s.tokens.revoke("leaked");
    // Retention prunes every event older than its cut-off but the tokens' (kept for good, below); with those
    // gone too, revoked_tokens alone keeps the token revoked.
    await s.repo.prune(new Date(Date.now() + 86_400_000).toISOString(), Number.MAX_SAFE_INTEGER);
    expect(await s.repo.countEvents({ types: ["token.created", "token.revoked"] })).toBe(3);
    const raw = new Database(live);
    raw.run("DELETE FROM events WHERE type LIKE 'token.%'");
    raw.close();
    s.close();
    expect(restoreUnderLock(b0, live).tokens).toMatchObject({ revokedSince: 1, fromBackup: 0 });
    expect(await namesAndHashes(live)).toEqual(["entra=b"]);
    // Restored again from the same backup, and from one taken after the first restore: still revoked.
    const b1 = join(dir, "b1.db");
    backupDatabase(live, b1);
    for (const file of [b0, b1, b0]) restoreUnderLock(file, live);
    expect(await namesAndHashes(live)).toEqual(["entra=b"]);
  });

  test("a token revoked before revoked_tokens existed (an older build deleted its row) stays revoked after retention ran", async () => {
    const dir = join(root, "tokens-pre-0005");
    mkdirSync(dir);
    const live = join(dir, "live.db");
    await dbWith(live, { leaked: "a".repeat(64), entra: "b".repeat(64) });
    const b0 = join(dir, "b0.db");
    backupDatabase(live, b0);
    // What a build before migration 0005 did to revoke: the row deleted, an event, no revoked_tokens entry.
    const raw = new Database(live);
    raw.run("DELETE FROM tokens WHERE name = 'leaked'");
    raw.close();
    const s = openStorage(live);
    await s.repo.prune(new Date(Date.now() + 86_400_000).toISOString(), Number.MAX_SAFE_INTEGER);
    s.close();
    // Its token.created event outlived retention: the restore knows the replaced database had and lost it.
    expect(restoreUnderLock(b0, live).tokens).toMatchObject({ revokedSince: 1, fromBackup: 0 });
    expect(await namesAndHashes(live)).toEqual(["entra=b"]);
  });
});
