import type { Database } from "bun:sqlite";
import { StorageUnavailable } from "../core/repository.ts";
import { asStorageError } from "./storage-errors.ts";

interface Job {
  readonly fn: () => unknown;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * SQLite has one writer, so every write in the process goes through this queue: requests never meet
 * SQLITE_BUSY from each other. Jobs that arrive while a batch runs are run together in the next transaction,
 * each inside its own savepoint (a failing job rolls back alone), and the batch is committed once.
 *
 * Durability (group commit): with `sync` given, the connection commits with synchronous = NORMAL (no fsync
 * on the event loop) and the queue then makes the WAL durable with an asynchronous fsync, off the event loop;
 * a batch's jobs are acknowledged only when an fsync that started after their COMMIT has completed. An
 * fsync covers the batches committed since the last one started, up to `maxSyncs` run at once, and the next
 * batches run while they are in flight. No job is acknowledged before its commit is durable. An fsync that
 * fails stops the queue for good (see stoppedBy).
 */
export class WriteQueue {
  private jobs: Job[] = [];
  private running = false;

  private readonly sql: Record<"begin" | "savepoint" | "release" | "rollbackTo" | "commit", { run(): unknown }>;

  /** Batches committed but not yet covered by an fsync that started after their COMMIT, with their marks. */
  private undurable: { readonly settle: (syncError?: unknown) => void; readonly mark: number }[] = [];
  /** fsyncs in flight. */
  private syncing = 0;
  private scheduled = false;

  constructor(
    private readonly db: Database,
    private readonly sync?: () => Promise<void>,
    private readonly hooks: {
      /** Told before each BEGIN: reads leave the write connection and end their snapshot. */
      beforeBegin?: () => void;
      /** Told when the batch is over, committed or not (caches keyed on the database's version must not reuse an older reading). */
      afterEnd?: (committed: boolean) => void;
      /** Asked right after each COMMIT, outside any transaction: a mark of what is now committed (the last event's seq). */
      committedMark?: () => number;
      /** Told the mark of the last batch an fsync has made durable (with no `sync`, at its commit). */
      durable?: (mark: number) => void;
      /** Told once, when an fsync fails and the queue stops taking writes. */
      stopped?: (error: unknown) => void;
    } = {},
    private readonly maxBatch = 512,
    /**
     * fsyncs in flight at once. With one, a batch committed during an fsync waited for it to end, and then
     * for the event loop to start the next: two let the next fsync start at once (create and PATCH
     * throughput +10 % in the bench, alternating runs; three did no better).
     */
    private readonly maxSyncs = 2,
  ) {
    // Prepared once: db.exec would compile these five statements again for every job.
    this.sql = {
      begin: db.prepare("BEGIN IMMEDIATE"),
      savepoint: db.prepare("SAVEPOINT job"),
      release: db.prepare("RELEASE job"),
      rollbackTo: db.prepare("ROLLBACK TO job"),
      commit: db.prepare("COMMIT"),
    };
  }

  private closed = false;

  /**
   * The fsync failure that stopped the queue. After one, Linux may have dropped the pages it could not write
   * and report the next fsync as a success: nothing committed since can be called durable, so no write is
   * acknowledged or taken any more, until the database is opened again (a restart).
   */
  private stoppedBy: { readonly error: unknown } | null = null;

  /** Whether an fsync failed: the queue refuses every write from then on. */
  get stopped(): boolean {
    return this.stoppedBy !== null;
  }

  /** Refuses new jobs and fails the queued ones: the database is about to be closed. */
  close(): void {
    this.closed = true;
    const pending = this.jobs;
    this.jobs = [];
    for (const j of pending) j.reject(new Error("The database was closed before this write ran."));
  }

  run<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error("The database is closed."));
    if (this.stoppedBy) return Promise.reject(new StorageUnavailable("stopped", this.stoppedBy.error));
    return new Promise<T>((resolve, reject) => {
      // Every failure a caller sees passes here: no room or a failing disk become StorageUnavailable.
      this.jobs.push({ fn, resolve: resolve as (v: unknown) => void, reject: (e) => reject(asStorageError(e)) });
      if (!this.running && !this.scheduled) {
        // Started on the next turn of the event loop, so that the requests read in this turn share a batch.
        this.scheduled = true;
        setImmediate(() =>
          // Run from a microtask: started straight from the macrotask, a job whose callback returns a rejected
          // promise was reported as an unhandled rejection by bun test (the write itself rejected correctly).
          queueMicrotask(() => {
            this.scheduled = false;
            void this.drain();
          }),
        );
      }
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.jobs.length && !this.closed && !this.stoppedBy) await this.runBatch(this.jobs.splice(0, this.maxBatch));
    } finally {
      this.running = false;
    }
  }

  private async runBatch(batch: Job[]): Promise<void> {
    const db = this.db;
    this.hooks.beforeBegin?.();
    try {
      this.sql.begin.run();
    } catch (e) {
      this.hooks.afterEnd?.(false);
      for (const j of batch) j.reject(e);
      return;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    for (let i = 0; i < batch.length; i++) {
      this.sql.savepoint.run();
      try {
        const value = await batch[i]!.fn();
        this.sql.release.run();
        outcomes.push({ ok: true, value });
      } catch (error) {
        if (!db.inTransaction) {
          // SQLite rolled the whole transaction back (it may on SQLITE_FULL, an I/O error or no memory): the
          // jobs run so far lost their writes and fail with this error. The rest go back to the queue: run
          // here, outside a transaction, each SAVEPOINT would begin and commit one of its own.
          this.hooks.afterEnd?.(false);
          for (const j of batch.slice(0, i + 1)) j.reject(error);
          this.jobs.unshift(...batch.slice(i + 1));
          return;
        }
        try {
          this.sql.rollbackTo.run();
          this.sql.release.run();
        } catch {
          // The savepoint is gone with the transaction: COMMIT below fails and every job of the batch is rejected.
        }
        outcomes.push({ ok: false, error });
      }
    }
    try {
      this.sql.commit.run();
      this.hooks.afterEnd?.(true);
    } catch (e) {
      try {
        if (db.inTransaction) db.exec("ROLLBACK");
      } catch {
        // nothing more to undo
      }
      this.hooks.afterEnd?.(false);
      for (const j of batch) j.reject(e);
      return;
    }
    const settle = (syncError?: unknown) =>
      batch.forEach((j, i) => {
        const o = outcomes[i]!;
        if (!o.ok) j.reject(o.error);
        else if (syncError !== undefined) j.reject(syncError);
        else j.resolve(o.value);
      });
    const mark = this.hooks.committedMark?.() ?? 0;
    // Committed while an fsync failed: no later fsync can vouch for it.
    if (this.stoppedBy) return settle(new StorageUnavailable("unsynced", this.stoppedBy.error));
    if (!this.sync) {
      this.hooks.durable?.(mark);
      return settle();
    }
    this.undurable.push({ settle, mark });
    if (this.syncing < this.maxSyncs) this.startSync();
  }

  /** Whether a committed batch still waits for its fsync: what was committed is not all durable yet. */
  get syncPending(): boolean {
    return this.undurable.length > 0 || this.syncing > 0;
  }

  /** The outcomes of the fsyncs in flight, taken in the order they started. */
  private outcomes: Promise<void> = Promise.resolve();

  private startSync(): void {
    const covered = this.undurable;
    this.undurable = [];
    this.syncing++;
    const outcome = this.sync!().then(
      () => null,
      (e: unknown) => ({ error: e ?? new Error("fsync failed") }),
    );
    // Taken in start order: Linux reports a write-back error to one fsync of a file description, so a later
    // fsync on the same descriptor may succeed while an earlier one is about to fail for pages both covered.
    this.outcomes = this.outcomes
      .then(() => outcome)
      .then((failure) => {
        // A success after another fsync failed proves nothing (see stoppedBy).
        if (failure || this.stoppedBy) return this.syncFailed(covered, failure ? failure.error : this.stoppedBy!.error);
        // An fsync makes durable everything written before it started, so marks only grow as syncs complete.
        this.hooks.durable?.(covered[covered.length - 1]!.mark);
        for (const { settle } of covered) settle();
      })
      .finally(() => {
        this.syncing--;
        if (this.undurable.length && this.syncing < this.maxSyncs && !this.stoppedBy) this.startSync();
      });
  }

  /**
   * The batches an fsync was to make durable, and every one committed since, fail as `unsynced`: committed, so
   * perhaps seen by readers, and perhaps lost. The jobs still queued fail as `stopped`, and so does every later one.
   */
  private syncFailed(covered: typeof this.undurable, error: unknown): void {
    const first = !this.stoppedBy;
    this.stoppedBy ??= { error };
    const unsynced = new StorageUnavailable("unsynced", this.stoppedBy.error);
    for (const { settle } of [...covered, ...this.undurable.splice(0)]) settle(unsynced);
    for (const j of this.jobs.splice(0)) j.reject(new StorageUnavailable("stopped", this.stoppedBy.error));
    if (first) this.hooks.stopped?.(error);
  }
}
