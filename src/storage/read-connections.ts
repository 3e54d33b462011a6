import type { Database, Statement } from "bun:sqlite";

/** The longest a read snapshot is kept open, even within one turn of the event loop. */
const MAX_SNAPSHOT_MS = 2;

interface Connection {
  readonly db: Database;
  readonly begin: Statement;
  readonly commit: Statement;
}

const connection = (db: Database): Connection => ({ db, begin: db.prepare("BEGIN"), commit: db.prepare("COMMIT") });

/**
 * Where reads run, their snapshot, and SQLite's `PRAGMA data_version`, for the repository and the token store.
 *
 * Reads run on the write connection whenever no write batch is open on it: a connection's page cache
 * survives its own commits, while the read connection's is thrown away by SQLite after every commit by
 * another connection (in a write-heavy load, after every batch), and each page is then read again with a
 * system call. While a batch is open, reads go to the read connection, which sees only committed data.
 *
 * Reads share one read transaction per turn of the event loop (at most MAX_SNAPSHOT_MS): in WAL mode each
 * read transaction takes and drops a lock on the shared-memory index with fcntl(2), two system calls that
 * cost more than a lookup by primary key. The snapshot is ended before the writer begins a batch and after
 * it ends, so a committed write is visible to the next read; nothing is acknowledged to a client before its
 * commit, so no client can see an older state after learning of a newer one.
 *
 * The version is the write connection's data_version (it changes when another process commits) with this
 * process's own commits counted: a cache keyed on it is never stale.
 */
export class ReadConnections {
  private value: string | undefined;
  /** This process's commits: a connection's data_version does not change for its own. */
  private commits = 0;
  private open: Connection | null = null;
  private openedAt = 0;
  private endScheduled = false;
  private writing = false;
  private readonly pragma: Statement;
  private readonly writer: Connection | null;
  private readonly reader: Connection | null;

  /**
   * `reader` null: one connection does everything (":memory:"), reads run on it outside any snapshot (and
   * see the open batch's writes, as they always did there).
   */
  constructor(
    private readonly writerDb: Database,
    readerDb: Database | null,
  ) {
    this.pragma = writerDb.prepare("PRAGMA data_version");
    this.writer = readerDb ? connection(writerDb) : null;
    this.reader = readerDb ? connection(readerDb) : null;
  }

  /** The connection for a read now, with the turn's snapshot open on it. */
  db(): Database {
    const want = this.writing ? this.reader : this.writer;
    if (!want) return this.writerDb;
    if (this.open === want) {
      if (performance.now() - this.openedAt <= MAX_SNAPSHOT_MS) return want.db;
    }
    this.end();
    want.begin.run();
    this.open = want;
    this.openedAt = performance.now();
    this.scheduleEnd();
    return want.db;
  }

  /** A cached prepared statement for a read (see db()). */
  query(sqlText: string): Statement {
    return this.db().query(sqlText);
  }

  current(): string {
    if (this.value === undefined) {
      // Inside the snapshot (or the open batch), so that the version matches what the reads see.
      this.db();
      const pragma = (this.pragma.get() as { data_version: number }).data_version;
      this.value = `${pragma}.${this.commits}`;
      this.scheduleEnd();
    }
    return this.value;
  }

  /** Ends the snapshot (before and after a batch, on the next turn of the event loop, and at close). */
  end = (): void => {
    this.value = undefined;
    const open = this.open;
    if (!open) return;
    this.open = null;
    try {
      open.commit.run();
    } catch {
      // Ending a read transaction cannot lose anything; the next read begins a new one.
    }
  };

  /** Whether this process has committed anything through the write connection. */
  get hasCommitted(): boolean {
    return this.commits > 0;
  }

  /** The write queue is about to BEGIN a batch on the write connection. */
  beginWrite(): void {
    this.end();
    this.writing = true;
  }

  /** The batch is over (committed or not): reads may use the write connection again. */
  endWrite(committed: boolean): void {
    if (committed) this.commits++;
    this.end();
    this.writing = false;
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
