// A database scimd makes is owner-only whatever the umask: it holds personal data and token hashes, and a
// container's umask (022) made it, its -wal and its folder readable by every local user.
import { describe, expect, test } from "bun:test";
import { chmodSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openStorage } from "../../src/storage/open-storage.ts";
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
});
