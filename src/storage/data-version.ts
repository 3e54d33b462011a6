import type { Database } from "bun:sqlite";

/**
 * SQLite's `PRAGMA data_version` on the read connection: it changes whenever another connection (this
 * process's writer, or a CLI command in another process) commits. Caches keyed on it are therefore never
 * stale. The pragma costs about as much as a small query, so it is read at most once per turn of the event
 * loop: requests handled in the same turn share one reading.
 */
export class DataVersion {
  private value: string | undefined;
  /** This process's own commits: they do not change data_version when reader and writer are one connection. */
  private commits = 0;

  constructor(private readonly db: Database) {}

  current(): string {
    if (this.value === undefined) {
      const pragma = (this.db.query("PRAGMA data_version").get() as { data_version: number }).data_version;
      this.value = `${pragma}.${this.commits}`;
      setImmediate(() => (this.value = undefined));
    }
    return this.value;
  }

  /** Called after this process commits, so that the same turn does not reuse the reading from before it. */
  invalidate(): void {
    this.commits++;
    this.value = undefined;
  }
}
