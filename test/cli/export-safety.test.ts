// `scimd users export --out FILE` never clobbers what it should not: an existing file needs --force, the
// database and its -wal, -shm and .lock files are refused even with --force (also through a symlinked folder
// or a hard link), a missing folder or a folder target is one sentence, and FILE is replaced only whole.
import { afterAll, afterEach, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DirectoryRecord } from "../../src/core/repository.ts";
import { openStorage } from "../../src/storage/open-storage.ts";
import { SqliteRepository } from "../../src/storage/repository.ts";
import { acquireServerLock, lockPathOf } from "../../src/storage/server-lock.ts";
import { expectOneSentence, liveDatabase, workspace, type Workspace } from "./cli-helpers.ts";

const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";

let ws: Workspace;
let live: ReturnType<typeof liveDatabase>; // as beside a running `scimd serve`: -wal and -shm exist, the lock is held
let links: string; // a folder holding `via`, a symlink to ws.dir

const exportTo = (out: string, ...more: string[]) => ws.run(["users", "export", "--format", "json", "--out", out, ...more]);
const tempFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".tmp"));
const userNames = () => live.column("SELECT user_name FROM scim_users ORDER BY user_name");

beforeAll(async () => {
  ws = workspace();
  const storage = openStorage(ws.db);
  const at = new Date().toISOString();
  await storage.repo.write(async (tx) => {
    for (const [i, userName] of ["alice@example.com", "bob@example.com"].entries()) {
      await tx.insert("User", { id: `scim-${i}`, data: { schemas: [USER_SCHEMA], userName }, version: 1, created: at, lastModified: at });
      await tx.insertDirectory(userName, `scim-${i}`, { active: true, description: null, profession: null, email: null, firstName: null, lastName: null, phone: null, mobile: null, employeeCode: null, department: null, company: null, site: null }, at);
    }
  });
  storage.close();
  live = liveDatabase(ws);
  links = live.links;
});
afterAll(() => {
  live.release();
  ws.cleanup();
});

describe("users export --out FILE", () => {
  test("an existing file is refused without --force (exit 2, one sentence) and left as it was", async () => {
    const out = join(ws.dir, "existing.json");
    writeFileSync(out, "keep me");
    const r = await exportTo(out);
    expect(r.code).toBe(2);
    expectOneSentence(r.err);
    expect(r.err[0]).toContain("already exists");
    expect(r.err[0]).toContain("--force");
    expect(readFileSync(out, "utf8")).toBe("keep me");
    expect(tempFiles(ws.dir)).toEqual([]);
  });

  test("--force overwrites an ordinary file by renaming a complete new file over it (the old one is never truncated)", async () => {
    const out = join(ws.dir, "forced.json");
    writeFileSync(out, "old export");
    const oldInode = join(ws.dir, "forced-old.json");
    linkSync(out, oldInode); // a second name for the old file's inode: it would see a truncate-in-place
    const r = await exportTo(out, "--force");
    expect(r.code).toBe(0);
    expect((JSON.parse(readFileSync(out, "utf8")) as { username: string }[]).map((u) => u.username)).toEqual(["alice@example.com", "bob@example.com"]);
    expect(readFileSync(oldInode, "utf8")).toBe("old export");
    expect(statSync(out).ino).not.toBe(statSync(oldInode).ino);
    expect(tempFiles(ws.dir)).toEqual([]);
  });

  test("a new export is readable by its owner only; one replaced with --force keeps its mode; a symlink is written through", async () => {
    const fresh = join(ws.dir, "fresh.json");
    expect((await exportTo(fresh)).code).toBe(0);
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    const shared = join(ws.dir, "shared.json");
    writeFileSync(shared, "old");
    chmodSync(shared, 0o640);
    expect((await exportTo(shared, "--force")).code).toBe(0);
    expect(statSync(shared).mode & 0o777).toBe(0o640);
    const real = join(ws.dir, "real.json");
    writeFileSync(real, "old");
    const link = join(ws.dir, "link.json");
    symlinkSync(real, link);
    expect((await exportTo(link, "--force")).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(real, "utf8"))).toHaveLength(2);
  });

  test("the temporary file holds personal data readable by its owner only from its creation, not after a final chmod", async () => {
    const out = join(ws.dir, "private.json");
    const modes: number[] = [];
    const spy = spyOn(SqliteRepository.prototype, "listDirectory").mockImplementation(async function* () {
      for (let i = 0; i < 4000; i++) {
        // ~4 MB: the writer has flushed part of them to the temporary file by the later looks.
        if (i % 1000 === 999) for (const f of tempFiles(ws.dir)) modes.push(statSync(join(ws.dir, f)).mode & 0o777);
        yield { username: `private${i}@example.com`, description: "x".repeat(1000) } as DirectoryRecord;
      }
    });
    try {
      expect((await exportTo(out)).code).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(modes.length).toBeGreaterThan(0);
    expect(modes.every((m) => m === 0o600)).toBe(true);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  test("a new file is written in csv too, with no temporary file left behind", async () => {
    const out = join(ws.dir, "new.csv");
    const r = await ws.run(["users", "export", "--format", "csv", "--out", out]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, "utf8").split("\n")).toHaveLength(4); // header, two users, final newline
    expect(tempFiles(ws.dir)).toEqual([]);
  });

  test("an export that fails halfway leaves an existing FILE whole and removes its temporary file", async () => {
    const out = join(ws.dir, "interrupted.json");
    writeFileSync(out, "previous export");
    const spy = spyOn(SqliteRepository.prototype, "listDirectory").mockImplementation(async function* () {
      // Enough rows (~4 MB) that the writer has flushed part of them to disk before the failure.
      for (let i = 0; i < 4000; i++) yield { username: `half${i}@example.com`, description: "x".repeat(1000) } as DirectoryRecord;
      throw new Error("the disk went away");
    });
    try {
      const r = await exportTo(out, "--force");
      expect(r.code).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(readFileSync(out, "utf8")).toBe("previous export");
    expect(tempFiles(ws.dir)).toEqual([]);
  });

  describe("the database's own files are refused even with --force", () => {
    const refused = async (out: string) => {
      const before = existsSync(out) ? statSync(out).ino : null;
      const r = await exportTo(out, "--force");
      expect(r.code).toBe(2);
      expectOneSentence(r.err);
      expect(r.err[0]).toContain("the database itself");
      // Not replaced (same inode) and not written to (SQLite may have touched the -wal and -shm, no JSON).
      if (before !== null) {
        expect(statSync(out).ino).toBe(before);
        expect(readFileSync(out).subarray(0, 1).toString()).not.toBe("[");
      } else expect(existsSync(out)).toBe(false);
    };
    afterEach(() => {
      // The live database is untouched and the server lock is still held.
      expect(userNames()).toEqual(["alice@example.com", "bob@example.com"]);
      expect(acquireServerLock(ws.db)).toBeNull();
      expect(tempFiles(ws.dir)).toEqual([]);
    });

    test("the database", async () => {
      await refused(ws.db);
    });
    test("its -wal and -shm files", async () => {
      expect(existsSync(`${ws.db}-wal`)).toBe(true);
      await refused(`${ws.db}-wal`);
      await refused(`${ws.db}-shm`);
    });
    test("its .lock file, held by a server", async () => {
      expect(existsSync(lockPathOf(ws.db))).toBe(true);
      await refused(lockPathOf(ws.db));
    });
    test("a relative --out naming the database from the working directory", async () => {
      await refused("scimd.db");
    });
    test("the database, -wal and .lock reached through a symlinked folder", async () => {
      await refused(join(links, "via", "scimd.db"));
      await refused(join(links, "via", "scimd.db-wal"));
      await refused(join(links, "via", "scimd.db.lock"));
    });
    test("a symlink or a hard link to the database (same device and inode)", async () => {
      const sym = join(links, "db-symlink");
      symlinkSync(ws.db, sym);
      await refused(sym);
      const hard = join(ws.dir, "db-hardlink");
      linkSync(ws.db, hard);
      await refused(hard);
      rmSync(hard);
    });
  });

  test("a folder that does not exist is one sentence (exit 2) and nothing is created", async () => {
    const missing = join(ws.dir, "no-such-folder");
    const r = await exportTo(join(missing, "users.json"));
    expect(r.code).toBe(2);
    expectOneSentence(r.err);
    expect(r.err[0]).toContain("does not exist");
    expect(r.err[0]).not.toContain("unexpected failure");
    expect(existsSync(missing)).toBe(false);
  });

  test("a folder as FILE is one sentence (exit 2), with or without --force, and the folder is kept", async () => {
    const folder = join(ws.dir, "a-folder");
    mkdirSync(folder);
    writeFileSync(join(folder, "inside.txt"), "x");
    for (const extra of [[], ["--force"]]) {
      const r = await exportTo(folder, ...extra);
      expect(r.code).toBe(2);
      expectOneSentence(r.err);
      expect(r.err[0]).toContain("is a folder");
      expect(r.err[0]).not.toContain("unexpected failure");
    }
    expect(readFileSync(join(folder, "inside.txt"), "utf8")).toBe("x");
  });

  test("a file used as a folder is one sentence (exit 2)", async () => {
    const file = join(ws.dir, "plain.txt");
    writeFileSync(file, "x");
    const r = await exportTo(join(file, "users.json"));
    expect(r.code).toBe(2);
    expectOneSentence(r.err);
    expect(r.err[0]).toContain("is not a folder");
  });
});
