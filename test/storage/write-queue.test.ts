// The write queue's group commit: no write is acknowledged before an fsync that started after its COMMIT
// has completed, with up to two fsyncs in flight.
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
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
  const write = (v: number) =>
    queue.run(() => db.query("INSERT INTO t (v) VALUES (?)").run(v)).then(
      () => acked.push(v),
      () => failed.push(v),
    );
  return { db, queue, started: m.started, acked, failed, write };
}

describe("WriteQueue group commit", () => {
  test("a write is acknowledged only by an fsync started after its commit; two run at once, a third waits", async () => {
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
    // The second fsync acknowledges its own write only (the first write waits for the fsync it was given)
    // and, having ended, starts the fsync for the third.
    expect(acked).toEqual([2]);
    expect(started.map((s) => s.rows)).toEqual([1, 2, 3]);
    started[2]!.done();
    await turn();
    expect(acked).toEqual([2, 3]);
    started[0]!.done();
    await turn();
    expect(acked).toEqual([2, 3, 1]);
  });

  test("a failed fsync fails exactly the writes it covered", async () => {
    const { started, acked, failed, write } = setup();
    void write(1);
    await turn();
    void write(2);
    await turn();
    started[0]!.fail(new Error("EIO"));
    started[1]!.done();
    await turn();
    expect(failed).toEqual([1]);
    expect(acked).toEqual([2]);
  });
});
