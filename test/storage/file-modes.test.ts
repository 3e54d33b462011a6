// A database scimd makes is owner-only whatever the umask: it holds personal data and token hashes, and a
// container's umask (022) made it, its -wal and its folder readable by every local user.
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openStorage } from "../../src/storage/open-storage.ts";
import { exposedDatabaseFiles } from "../../src/storage/database-files.ts";
import { startServer } from "../support/binary.ts";
import { hashSecret } from "../../src/core/tokens.ts";
import { scratchDirs } from "../support/scratch-dirs.ts";

const tempDir = scratchDirs("modes");
const modeOf = (p: string) => statSync(p).mode & 0o777;

async function withUmask<T>(mask: number, f: () => Promise<T>): Promise<T> {
  const before = process.umask(mask);
  try {
    return await f();
  } finally {
    process.umask(before);
  }
}

describe("file modes", () => {
  test("a new database, its WAL and shared-memory files and the folders made for it are owner-only under umask 022", async () => {
    const dir = tempDir();
    const path = join(dir, "state", "data", "scimd.db");
    await withUmask(0o022, async () => {
      const storage = openStorage(path);
      try {
        await storage.tokens.create("t", hashSecret("x"), "scim", new Date().toISOString(), null);
        expect(modeOf(path)).toBe(0o600);
        expect(modeOf(`${path}-wal`)).toBe(0o600);
        expect(modeOf(`${path}-shm`)).toBe(0o600);
        expect(modeOf(join(dir, "state", "data"))).toBe(0o700);
        expect(modeOf(join(dir, "state"))).toBe(0o700);
      } finally {
        storage.close();
      }
    });
  });

  test("an existing database keeps the mode its owner gave it", async () => {
    const dir = tempDir();
    const path = join(dir, "scimd.db");
    openStorage(path).close();
    chmodSync(path, 0o640);
    await withUmask(0o022, async () => {
      const storage = openStorage(path);
      try {
        await storage.tokens.create("t", hashSecret("x"), "scim", new Date().toISOString(), null);
        expect(modeOf(path)).toBe(0o640);
      } finally {
        storage.close();
      }
    });
  });

  test("an empty file given as the database is used, as before", async () => {
    const path = join(tempDir(), "empty.db");
    writeFileSync(path, "");
    const storage = openStorage(path);
    try {
      expect(await storage.tokens.count()).toBe(0);
    } finally {
      storage.close();
    }
  });

  test("serve warns once at start when other users can read the database (an older build's, under umask 022), naming the files and what to run", async () => {
    const dir = tempDir();
    const path = join(dir, "scimd.db");
    const storage = openStorage(path);
    await storage.tokens.create("t", hashSecret("x"), "scim", new Date().toISOString(), null);
    storage.close();
    expect(exposedDatabaseFiles(path)).toEqual([]);
    chmodSync(path, 0o644);
    expect(exposedDatabaseFiles(path)).toEqual([{ file: path, mode: 0o644 }]);
    const s = await startServer("", { dir, noToken: true });
    try {
      await s.stop();
      const warnings = s.stdout.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l.msg).startsWith("Other users of this machine can read the database"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.level).toBe("warn");
      expect(String(warnings[0]!.msg)).toContain("chmod 600");
      // The database, and the -wal SQLite made beside it with its mode.
      expect(warnings[0]!.files).toContain(`${path} (0644)`);
      expect(warnings[0]!.files).toContain(`${path}-wal (0644)`);
    } finally {
      s.cleanup();
    }
    // An owner-only database gets no such line.
    const quiet = join(tempDir(), "q");
    mkdirSync(quiet);
    const q = await startServer("", { dir: quiet, noToken: true });
    try {
      await q.stop();
      expect(q.stdout.join("\n")).not.toContain("Other users of this machine");
    } finally {
      q.cleanup();
    }
  });
});
