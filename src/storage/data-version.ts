import type { Database, Statement } from "bun:sqlite";

/** The longest a read snapshot is kept open, even within one turn of the event loop. */
const MAX_SNAPSHOT_MS = 2;

/**
 * The read connection's snapshot and SQLite's `PRAGMA data_version` on it.
 *
 * Reads share one read transaction per turn of the event loop (at most MAX_SNAPSHOT_MS): in WAL mode each
 * read transaction takes and drops a lock on the shared-memory index with fcntl(2), two system calls that
 * cost more than a lookup by primary key. A snapshot is ended before the writer begins a batch (so that
 * checkpoints and WAL restarts are never held back by it) and after every commit, so a write is visible to
 * the next read; nothing is acknowledged to a client before its commit, so no client can see an older state
 * after learning of a newer one.
 *
 * data_version changes whenever another connection (this process's writer, or a CLI command in another
 * process) commits. It is read inside the snapshot, so a cache keyed on it always matches the data read.
 */
export class DataVersion {
  private value: string | undefined;
  /** This process's own commits: they do not change data_version when reader and writer are one connection. */
  private commits = 0;
  private open = false;
  private openedAt = 0;
  private endScheduled = false;
  private readonly pragma: Statement;
  private readonly begin: Statement | null;
  private readonly commit: Statement | null;

  /** `snapshots` is false when reads and writes share one connection (":memory:"): it never opens a read transaction. */
  constructor(
    db: Database,
    snapshots = false,
  ) {
    this.pragma = db.prepare("PRAGMA data_version");
    this.begin = snapshots ? db.prepare("BEGIN") : null;
    this.commit = snapshots ? db.prepare("COMMIT") : null;
  }

  /** Called before each read on the read connection: opens the shared snapshot if none is open. */
  enter(): void {
    if (this.open) {
      if (performance.now() - this.openedAt <= MAX_SNAPSHOT_MS) return;
      this.end();
    }
    if (!this.begin) return;
    this.begin.run();
    this.open = true;
    this.openedAt = performance.now();
    this.scheduleEnd();
  }

  current(): string {
    this.enter();
    if (this.value === undefined) {
      const pragma = (this.pragma.get() as { data_version: number }).data_version;
      this.value = `${pragma}.${this.commits}`;
      this.scheduleEnd();
    }
    return this.value;
  }

  /** Ends the snapshot (before the writer begins, and on the next turn of the event loop). */
  end = (): void => {
    this.value = undefined;
    if (!this.open) return;
    this.open = false;
    try {
      this.commit!.run();
    } catch {
      // Ending a read transaction cannot lose anything; the next read begins a new one.
    }
  };

  /** Called after this process commits, so that the same turn does not reuse the reading from before it. */
  invalidate(): void {
    this.commits++;
    this.end();
  }

  private scheduleEnd(): void {
    if (this.endScheduled) return;
    this.endScheduled = true;
    setImmediate(() => {
      this.endScheduled = false;
      this.end();
    });
  }
}
