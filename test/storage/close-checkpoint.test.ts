// Closing the storage checkpoints the WAL into the database file only when this process wrote something: a
// read command (`scimd users list`, `scimd events`) run beside the server has nothing of its own to copy, and a
// TRUNCATE checkpoint there waited up to busy_timeout (5 s) for the server's readers.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStorage } from "../../src/storage/open-storage.ts";

const dir = mkdtempSync(join(tmpdir(), "scimd-close-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("after reads only the WAL is left as it is; after a write it is copied into the database and truncated", async () => {
  const path = join(dir, "scimd.db");
  const wal = () => statSync(`${path}-wal`).size;
  const server = openStorage(path); // stands for the running server: it keeps the WAL in use
  try {
    await server.repo.write((tx) => tx.appendEvent({ type: "test.server", time: new Date().toISOString(), name: "s" }));
    const before = wal();
    expect(before).toBeGreaterThan(0);

    const reader = openStorage(path, { create: false });
    expect(await reader.repo.lastSeq()).toBeGreaterThan(0);
    reader.close();
    expect(wal()).toBe(before);

    const writer = openStorage(path, { create: false });
    await writer.repo.write((tx) => tx.appendEvent({ type: "test.cli", time: new Date().toISOString(), name: "c" }));
    writer.close();
    expect(wal()).toBe(0);
  } finally {
    server.close();
  }
});

test("a WAL grown past its size limit is cut back to it when SQLite starts it over (it stayed at its largest until restart)", async () => {
  const path = join(dir, "limit.db");
  const limit = 256 * 1024;
  const s = openStorage(path, { walSizeLimitBytes: limit });
  try {
    const wal = () => statSync(`${path}-wal`).size;
    const big = "x".repeat(2_000);
    await s.repo.write(async (tx) => {
      for (let i = 0; i < 1_500; i++) await tx.appendEvent({ type: "test.big", time: new Date().toISOString(), name: `e${i}`, data: { big } });
    });
    expect(wal()).toBeGreaterThan(4 * limit);
    // A complete checkpoint (no reader holds the old frames), then a write: SQLite starts the WAL over.
    const writer = (s.repo as unknown as { writer: import("bun:sqlite").Database }).writer;
    expect((writer.query("PRAGMA wal_checkpoint(PASSIVE)").get() as { busy: number }).busy).toBe(0);
    await s.repo.write((tx) => tx.appendEvent({ type: "test.small", time: new Date().toISOString(), name: "small" }));
    expect(wal()).toBeLessThanOrEqual(limit);
  } finally {
    s.close();
  }
});
