import { Database } from "bun:sqlite";
import { resolve } from "node:path";
import { statOrNull } from "./database-files.ts";
import { ensureDatabaseFolder, StorageError } from "./db.ts";

/**
 * `scimd serve` holds an exclusive SQLite lock on `<database>.lock` for as long as it runs. SQLite's locks are
 * POSIX record locks, which the kernel drops when the process ends, however it ends: a crash or SIGKILL
 * leaves no stale lock behind (unlike a PID file). `restore` takes the same lock, so it refuses to run beside
 * a server, and a server cannot start during a restore. The file itself stays empty and may be deleted
 * whenever no scimd runs.
 */
export function lockPathOf(databasePath: string): string {
  return resolve(databasePath) + ".lock";
}

export interface ServerLock {
  release(): void;
}

/**
 * Takes the lock, or returns null when another process holds it. A folder that cannot be created or written
 * (a wrong [storage] path, a service user without rights) is a StorageError saying so, as for the database.
 */
export function acquireServerLock(databasePath: string): ServerLock | null {
  if (databasePath === ":memory:") return { release() {} };
  const path = lockPathOf(databasePath);
  ensureDatabaseFolder(databasePath);
  // The lock follows the path: a hard link to the database is another path, so a second server on it would
  // start beside the first, and SQLite would give each name its own -wal file (two writers, one database).
  // A database with another name is refused; a symlinked folder resolves to the same path and is caught above.
  const links = statOrNull(resolve(databasePath))?.nlink ?? 1;
  if (links > 1)
    throw new StorageError(`The database ${databasePath} has ${links} hard links, and SQLite cannot share one database between names; remove the other links (find / -samefile ${resolve(databasePath)}).`);
  let db: Database;
  try {
    db = new Database(path, { create: true, readwrite: true });
  } catch (e) {
    throw new StorageError(`Cannot create the lock file ${path} (${(e as Error).message}); check [storage] path and its permissions.`);
  }
  try {
    db.exec("PRAGMA journal_mode = MEMORY");
    db.exec("PRAGMA busy_timeout = 0");
    db.exec("BEGIN EXCLUSIVE");
  } catch (e) {
    db.close();
    if (/locked|busy/i.test((e as Error).message)) return null;
    throw e;
  }
  return {
    release() {
      try {
        db.exec("ROLLBACK");
      } catch {
        // nothing was written; closing releases the lock either way
      }
      db.close();
    },
  };
}
