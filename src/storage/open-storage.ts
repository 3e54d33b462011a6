import { dirname, resolve } from "node:path";
import type { Repository, TokenStore } from "../core/repository.ts";
import { isMigrated, migrateDatabase, openDatabase, toDrizzle } from "./db.ts";
import { fsyncPath, fsyncPathAsync } from "./fsync.ts";
import { SqliteRepository } from "./repository.ts";
import { SqliteTokenStore } from "./token-store.ts";

/** Makes the WAL (every committed frame in it) durable, off the event loop. */
async function fsyncWal(path: string): Promise<void> {
  try {
    await fsyncPathAsync(`${path}-wal`);
  } catch (e) {
    // No WAL file: everything committed is in the database file itself.
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    await fsyncPathAsync(path);
  }
}

/** The directory entries of the database and its WAL must survive a power loss too. */
function fsyncDirectory(dir: string): void {
  try {
    fsyncPath(dir);
  } catch {
    // Some filesystems refuse fsync on a directory; SQLite itself then has the same limitation.
  }
}

export interface Storage {
  readonly repo: Repository;
  readonly tokens: TokenStore;
  /** Database open and every known migration applied (for /readyz). */
  ready(): boolean;
  close(): void;
}

/**
 * Opens the SQLite database at `path`, applying pending migrations first (unless `migrate` is false,
 * for read-only commands), with one write connection and one read connection.
 */
export function openStorage(path: string, opts: { migrate?: boolean } = {}): Storage {
  const writer = openDatabase(path, { create: opts.migrate !== false });
  try {
    if (opts.migrate !== false) migrateDatabase(writer);
  } catch (e) {
    writer.close();
    throw e;
  }
  const reader = path === ":memory:" ? writer : openDatabase(path);
  let sync: (() => Promise<void>) | undefined;
  if (path !== ":memory:") {
    // Group commit without blocking the event loop: the write connection commits without fsync and the
    // write queue fsyncs the WAL asynchronously before acknowledging (see WriteQueue).
    writer.exec("PRAGMA synchronous = NORMAL");
    fsyncDirectory(dirname(resolve(path)));
    sync = () => fsyncWal(path);
  }
  const repo = new SqliteRepository(writer, reader, sync);
  const tokens = new SqliteTokenStore(reader, writer, toDrizzle(reader), toDrizzle(writer), (fn) => repo.exclusive(fn), repo.dataVersion);
  let closed = false;
  return {
    repo,
    tokens,
    ready: () => !closed && isMigrated(reader),
    close() {
      if (closed) return;
      closed = true;
      repo.close();
    },
  };
}
