import type { Database } from "bun:sqlite";

interface Job {
  readonly fn: () => unknown;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * SQLite has one writer, so every write in the process goes through this queue: requests never meet
 * SQLITE_BUSY from each other. Jobs that arrive while a commit is being made to disk are run together in the
 * next transaction, each inside its own savepoint (a failing job rolls back alone), and the batch is
 * committed once: one fsync for many writes (group commit). No job is acknowledged before its commit is
 * durable.
 */
export class WriteQueue {
  private jobs: Job[] = [];
  private running = false;

  private readonly sql: Record<"begin" | "savepoint" | "release" | "rollbackTo" | "commit", { run(): unknown }>;

  constructor(
    private readonly db: Database,
    private readonly maxBatch = 512,
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

  run<T>(fn: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) queueMicrotask(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.jobs.length) await this.runBatch(this.jobs.splice(0, this.maxBatch));
    } finally {
      this.running = false;
    }
  }

  private async runBatch(batch: Job[]): Promise<void> {
    const db = this.db;
    try {
      this.sql.begin.run();
    } catch (e) {
      for (const j of batch) j.reject(e);
      return;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    for (const job of batch) {
      this.sql.savepoint.run();
      try {
        const value = await job.fn();
        this.sql.release.run();
        outcomes.push({ ok: true, value });
      } catch (error) {
        try {
          this.sql.rollbackTo.run();
          this.sql.release.run();
        } catch {
          // The savepoint is gone only if SQLite rolled the whole transaction back; COMMIT below then fails
          // and every job of the batch is rejected.
        }
        outcomes.push({ ok: false, error });
      }
    }
    try {
      this.sql.commit.run();
    } catch (e) {
      try {
        if (db.inTransaction) db.exec("ROLLBACK");
      } catch {
        // nothing more to undo
      }
      for (const j of batch) j.reject(e);
      return;
    }
    batch.forEach((j, i) => {
      const o = outcomes[i]!;
      if (o.ok) j.resolve(o.value);
      else j.reject(o.error);
    });
  }
}
