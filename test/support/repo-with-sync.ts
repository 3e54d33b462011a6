// A SQLite repository on a fresh file with the fsync the test supplies (one that waits, fails or counts), as
// openStorage builds it for a server: for the group commit's durability and failure paths.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "bun:sqlite";
import { migrateDatabase, openDatabase } from "../../src/storage/db.ts";
import { SqliteRepository } from "../../src/storage/repository.ts";

export interface RepoWithSync {
  readonly repo: SqliteRepository;
  readonly path: string;
  readonly writer: Database;
  readonly reader: Database;
  close(): void;
}

export function repoWithSync(sync: () => Promise<void>, onWritesStopped?: (error: unknown) => void): RepoWithSync {
  const dir = mkdtempSync(join(tmpdir(), "scimd-sync-"));
  const path = join(dir, "scimd.db");
  const writer = openDatabase(path, { create: true });
  migrateDatabase(writer);
  writer.exec("PRAGMA synchronous = NORMAL");
  const reader = openDatabase(path);
  const repo = new SqliteRepository(writer, reader, sync, undefined, onWritesStopped);
  return {
    repo,
    path,
    writer,
    reader,
    close() {
      writer.close();
      reader.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
