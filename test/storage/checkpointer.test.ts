// WAL checkpoints on a worker thread (src/storage/checkpointer.ts): committed frames reach the database file
// without the writer's own checkpoint, and a thread that cannot start hands checkpoints back to SQLite.
import { expect, test } from "bun:test";
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { Checkpointer } from "../../src/storage/checkpointer.ts";
import { openStorage } from "../../src/storage/open-storage.ts";
import { scratchDirs } from "../support/scratch-dirs.ts";

const tempDir = scratchDirs("ckpt");

async function writeEvents(storage: ReturnType<typeof openStorage>, n: number): Promise<void> {
  for (let i = 0; i < n; i++)
    await storage.repo.write(async (tx) => {
      await tx.appendEvent({ time: new Date().toISOString(), type: "test.padding", data: { pad: "x".repeat(3000), i } });
    });
}

test("committed frames are copied into the database file by the worker, below the writer's own threshold", async () => {
  const path = join(tempDir(), "scimd.db");
  const storage = openStorage(path, { backgroundCheckpoints: true });
  const before = statSync(path).size;
  await writeEvents(storage, 200); // ~1 MB of events: far below the writer's 64 MB backstop
  const deadline = Date.now() + 5000;
  while (statSync(path).size < before + 500_000 && Date.now() < deadline) await Bun.sleep(20);
  expect(statSync(path).size).toBeGreaterThan(before + 500_000);
  await storage.drain();
  storage.close();
  // Reopened without the worker, every event is there.
  const again = openStorage(path);
  expect(await again.repo.countEvents({})).toBe(200);
  again.close();
});

test("without background checkpoints (CLI commands) nothing is copied before the writer's threshold", async () => {
  const path = join(tempDir(), "scimd.db");
  const storage = openStorage(path);
  const before = statSync(path).size;
  await writeEvents(storage, 200);
  await Bun.sleep(200);
  expect(statSync(path).size).toBe(before);
  storage.close();
});

test("a checkpoint thread that cannot open the database reports it once and stops", async () => {
  const reasons: string[] = [];
  const c = new Checkpointer(join(tempDir(), "missing", "scimd.db"), (r) => reasons.push(r));
  const deadline = Date.now() + 5000;
  while (reasons.length === 0 && Date.now() < deadline) await Bun.sleep(20);
  expect(reasons).toHaveLength(1);
  expect(reasons[0]).toMatch(/unable to open|no such file|SQLITE_CANTOPEN/i);
  c.committed(); // ignored: no thread any more
  await c.close(); // returns at once
  expect(reasons).toHaveLength(1);
});

test("a storage closed before its checkpoint thread is ready (a server that could not listen) ends the thread quietly", async () => {
  // It used to go on opening the database; with the folder gone it failed, and the storage it reported to,
  // already closed, threw "Database has closed" as an uncaught error.
  const reasons: string[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = tempDir();
    const storage = openStorage(join(dir, "scimd.db"), { backgroundCheckpoints: true, onCheckpointFailure: (r) => reasons.push(r) });
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
  await Bun.sleep(500);
  expect(reasons).toEqual([]);
});
