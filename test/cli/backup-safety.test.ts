// `scimd backup FILE --force` never replaces the live database or one of its -wal, -shm or .lock files, however
// FILE names it (a symlinked folder, a relative path, a hard link); an ordinary file is still overwritten.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, linkSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { acquireServerLock, lockPathOf } from "../../src/storage/server-lock.ts";
import { expectOneSentence, liveDatabase, workspace, type Workspace } from "./cli-helpers.ts";

let ws: Workspace;
let live: ReturnType<typeof liveDatabase>; // as beside a running `scimd serve`: -wal and -shm exist, the lock is held
let links: string; // a folder holding `via`, a symlink to ws.dir
let dbInode: number;

const tokenNames = () => live.column("SELECT name FROM tokens ORDER BY name");

beforeAll(async () => {
  ws = workspace();
  expect((await ws.run(["token", "create", "--name", "before-backup"])).code).toBe(0);
  live = liveDatabase(ws);
  links = live.links;
  dbInode = statSync(ws.db).ino;
});
afterAll(() => {
  live.release();
  ws.cleanup();
});

describe("backup FILE --force refuses the database's own files", () => {
  const refused = async (file: string) => {
    const before = existsSync(file) ? statSync(file).ino : null;
    const r = await ws.run(["backup", file, "--force"]);
    expect(r.code).toBe(1);
    expectOneSentence(r.err);
    expect(r.err[0]).toContain("the database itself");
    if (before !== null) expect(statSync(file).ino).toBe(before);
    else expect(existsSync(file)).toBe(false);
  };
  afterEach(() => {
    // The live database is the same file with its rows, and the server lock is still held.
    expect(statSync(ws.db).ino).toBe(dbInode);
    expect(tokenNames()).toEqual(["before-backup"]);
    expect(acquireServerLock(ws.db)).toBeNull();
    expect(readdirSync(ws.dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("the database reached through a symlinked folder", async () => {
    await refused(join(links, "via", "scimd.db"));
  });
  test("the .lock file, held by a server (directly and through the symlinked folder)", async () => {
    expect(existsSync(lockPathOf(ws.db))).toBe(true);
    await refused(lockPathOf(ws.db));
    await refused(join(links, "via", "scimd.db.lock"));
  });
  test("the -wal and -shm files", async () => {
    expect(existsSync(`${ws.db}-wal`)).toBe(true);
    await refused(`${ws.db}-wal`);
    await refused(`${ws.db}-shm`);
  });
  test("a hard link to the database elsewhere (same device and inode)", async () => {
    const other = join(links, "elsewhere");
    mkdirSync(other);
    const hard = join(other, "copy.db");
    linkSync(ws.db, hard);
    await refused(hard);
    rmSync(hard);
  });
  test("the database by its own path, still refused", async () => {
    await refused(ws.db);
  });
});

describe("backup FILE, ordinary targets", () => {
  test("--force still overwrites an ordinary existing file with a complete backup", async () => {
    const file = join(ws.dir, "nightly.db");
    writeFileSync(file, "an old backup");
    expect((await ws.run(["backup", file])).code).toBe(1);
    const r = await ws.run(["backup", file, "--force"]);
    expect(r.code).toBe(0);
    const copy = new Database(file, { readonly: true });
    try {
      expect((copy.query("SELECT name FROM tokens").all() as { name: string }[]).map((t) => t.name)).toEqual(["before-backup"]);
    } finally {
      copy.close();
    }
  });

  test("a folder as FILE is one sentence, even with --force", async () => {
    const folder = join(ws.dir, "backups");
    mkdirSync(folder);
    const r = await ws.run(["backup", folder, "--force"]);
    expect(r.code).toBe(1);
    expectOneSentence(r.err);
    expect(r.err[0]).toContain("is a folder");
    expect(statSync(folder).isDirectory()).toBe(true);
  });
});
