import type { Repository, TokenStore } from "../core/repository.ts";
import { isMigrated, migrateDatabase, openDatabase, toDrizzle } from "./db.ts";
import { SqliteRepository } from "./repository.ts";
import { SqliteTokenStore } from "./token-store.ts";

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
  const repo = new SqliteRepository(writer, reader);
  const tokens = new SqliteTokenStore(reader, toDrizzle(reader), toDrizzle(writer), (fn) => repo.exclusive(fn));
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
