// The write queue's group commit: no write is acknowledged before an fsync that started after its COMMIT
// has completed, with up to two fsyncs in flight.
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import type { StorageUnavailable } from "../../src/core/repository.ts";
import { WriteQueue } from "../../src/storage/write-queue.ts";

/** An fsync the test completes by hand, recording what was committed when it started. */
function manualSync(db: Database) {
  const started: { rows: number; done: () => void; fail: (e: Error) => void }[] = [];
  const sync = () =>
    new Promise<void>((resolve, reject) => {
      const rows = (db.query("SELECT count(*) AS n FROM t").get() as { n: number }).n;
      started.push({ rows, done: resolve, fail: reject });
    });
  return { sync, started };
}

const turn = () => new Promise((r) => setTimeout(r, 5));

function setup() {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE t (v INTEGER)");
  const m = manualSync(db);
  const queue = new WriteQueue(db, m.sync);
  const acked: number[] = [];
  const failed: number[] = [];
  /** How each write ended: "acked", or the StorageUnavailable reason it failed with. */
  const reasons = new Map<number, string>();
  const write = (v: number) =>
    queue.run(() => db.query("INSERT INTO t (v) VALUES (?)").run(v)).then(
      () => (acked.push(v), reasons.set(v, "acked")),
      (e: StorageUnavailable) => (failed.push(v), reasons.set(v, e.reason)),
    );
  return { db, queue, started: m.started, acked, failed, reasons, write };
}

describe("WriteQueue group commit", () => {
  test("a write is acknowledged only by an fsync started after its commit; two run at once, a third waits; outcomes are taken in start order", async () => {
    const { started, acked, write } = setup();
    void write(1);
    await turn();
    expect(started.map((s) => s.rows)).toEqual([1]);
    void write(2);
    await turn();
    // Committed while the first fsync runs: a second one starts at once, covering it.
    expect(started.map((s) => s.rows)).toEqual([1, 2]);
    void write(3);
    await turn();
    // Two in flight: the third write is committed but no fsync covers it yet.
    expect(started.length).toBe(2);
    expect(acked).toEqual([]);
    started[1]!.done();
    await turn();
    // The second fsync's success waits for the first's outcome (Linux reports a write-back error to one fsync
    // of a file description: the first could still fail for pages both covered).
    expect(acked).toEqual([]);
    expect(started.length).toBe(2);
    started[0]!.done();
    await turn();
    // Both taken, in order; the third write gets its fsync.
    expect(acked).toEqual([1, 2]);
    expect(started.map((s) => s.rows)).toEqual([1, 2, 3]);
    started[2]!.done();
    await turn();
    expect(acked).toEqual([1, 2, 3]);
  });

  test("a later fsync that succeeds before an earlier one fails does not acknowledge its writes", async () => {
    const { started, reasons, write } = setup();
    const writes = [write(1)];
    await turn();
    writes.push(write(2));
    await turn();
    started[1]!.done();
    await turn();
    started[0]!.fail(Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" }));
    await Promise.all(writes);
    expect([...reasons.entries()].sort()).toEqual([[1, "unsynced"], [2, "unsynced"]]);
  });

  test("a failed fsync fails what it covered and everything committed since as unsynced, even if a later fsync succeeds; then every write is refused", async () => {
    const { db, queue, started, reasons, write } = setup();
    const writes = [write(1)];
    await turn();
    writes.push(write(2));
    await turn();
    writes.push(write(3)); // committed; no fsync covers it yet (two in flight)
    await turn();
    expect(queue.stopped).toBe(false);
    started[0]!.fail(Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" }));
    await turn();
    expect(queue.stopped).toBe(true);
    // Linux may have dropped the pages it could not write and report the next fsync as a success.
    started[1]!.done();
    writes.push(write(4));
    await Promise.all(writes);
    expect([...reasons.entries()].sort()).toEqual([[1, "unsynced"], [2, "unsynced"], [3, "unsynced"], [4, "stopped"]]);
    // The refused write never ran; the three committed ones are there (perhaps not on disk).
    expect((db.query("SELECT v FROM t ORDER BY v").all() as { v: number }[]).map((r) => r.v)).toEqual([1, 2, 3]);
    expect(started).toHaveLength(2);
  });
});

describe("WriteQueue when SQLite rolls a whole batch back", () => {
  test("the jobs run so far fail with the cause, the others run in the next batch, and nothing is committed behind the queue's back", async () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t (v TEXT)");
    const queue = new WriteQueue(db);
    const insert = (v: string) => () => void db.query("INSERT INTO t (v) VALUES (?)").run(v);
    const full = Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
    const outcome = (p: Promise<unknown>) => p.then(() => "ok", (e: Error) => e.message);
    // Queued in one turn, so that they share a batch.
    const a = outcome(queue.run(insert("a")));
    const b = outcome(
      queue.run(() => {
        // What SQLite does on SQLITE_FULL: the whole transaction is gone when the statement fails.
        db.exec("ROLLBACK");
        throw full;
      }),
    );
    const c = outcome(queue.run(insert("c")));
    expect(await a).toContain("storage unavailable (full)");
    expect(await b).toContain("storage unavailable (full)");
    expect(await c).toBe("ok");
    // "a" was rolled back with the batch; "c" ran in a transaction of its own, committed by the queue.
    expect((db.query("SELECT v FROM t ORDER BY v").all() as { v: string }[]).map((r) => r.v)).toEqual(["c"]);
    expect(db.inTransaction).toBe(false);
  });
});
