import { dirname, resolve } from "node:path";
import type { Repository, TokenStore } from "../core/repository.ts";
import { AUTOCHECKPOINT_PAGES, isMigrated, migrateDatabase, openDatabase, toDrizzle } from "./db.ts";
import { closeSync, openSync } from "node:fs";
import { fdatasyncFd, fsyncPath, fsyncPathAsync } from "./fsync.ts";
import { SqliteRepository } from "./repository.ts";
import { SqliteTokenStore } from "./token-store.ts";
import { Checkpointer } from "./checkpointer.ts";
import { ReadThread } from "./read-thread.ts";

/**
 * Makes the WAL (every committed frame in it) durable, off the event loop. The WAL is opened once and kept:
 * opening and closing it around every fsync tripled the work per group commit. The file is never replaced
 * while this process holds its connections open (SQLite deletes the WAL only when the last connection
 * closes, and a checkpoint elsewhere truncates it in place), so the descriptor stays the WAL's.
 */
class WalSync {
  private fd: number | null = null;

  constructor(private readonly path: string) {}

  async sync(): Promise<void> {
    if (this.fd === null) {
      try {
        this.fd = openSync(`${this.path}-wal`, "r");
      } catch (e) {
        // No WAL file yet: everything committed is in the database file itself.
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        return fsyncPathAsync(this.path);
      }
    }
    return fdatasyncFd(this.fd);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
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
  /** Ends background work (the checkpoint thread); call before close() when it was started. */
  drain(): Promise<void>;
  /** Ends the read thread, failing the queries waiting for it; true when this call left one running (see ReadThread.abandoned). */
  stopReads(): Promise<boolean>;
  close(): void;
}

/** With checkpoints on a worker thread, the writer's own is only a backstop. */
const BACKSTOP_CHECKPOINT_PAGES = 16000;

/**
 * The size the WAL file is cut back to when SQLite starts it over after a complete checkpoint: a large prune or
 * a backup under load left a 150-500 MB WAL in place until restart. Above the ~66 MB it settles at under steady
 * writes (the backstop checkpoint's 64 MB), so those keep overwriting a file of unchanged size: an fdatasync
 * after an overwrite was 40-50 % faster than after an append on this VM.
 */
const WAL_SIZE_LIMIT_BYTES = 128 * 1024 * 1024;

/**
 * Opens the SQLite database at `path`, applying pending migrations first (unless `migrate` is false,
 * for read-only commands), with one write connection and one read connection.
 */
export function openStorage(
  path: string,
  opts: {
    migrate?: boolean;
    /** False for commands that only read or change what exists: a missing database is an error, not created empty. */
    create?: boolean;
    backgroundCheckpoints?: boolean;
    onCheckpointFailure?: (reason: string) => void;
    /** List queries that scan a table run on a thread of their own (the server's; see ReadThread). */
    readThread?: boolean;
    /** Told once if the read thread cannot start: such queries then run on the event loop. */
    onReadThreadFailure?: (reason: string) => void;
    /** Told once if an fdatasync of the WAL fails: every write is refused from then on, until a restart. */
    onWritesStopped?: (error: unknown) => void;
    /** For tests: see WAL_SIZE_LIMIT_BYTES. */
    walSizeLimitBytes?: number;
  } = {},
): Storage {
  const writer = openDatabase(path, { create: opts.create !== false && opts.migrate !== false });
  try {
    if (opts.migrate !== false) migrateDatabase(writer);
  } catch (e) {
    writer.close();
    throw e;
  }
  const reader = path === ":memory:" ? writer : openDatabase(path);
  let sync: (() => Promise<void>) | undefined;
  let wal: WalSync | undefined;
  if (path !== ":memory:") {
    // Group commit without blocking the event loop: the write connection commits without fsync and the
    // write queue fsyncs the WAL asynchronously before acknowledging (see WriteQueue).
    writer.exec("PRAGMA synchronous = NORMAL");
    writer.exec(`PRAGMA journal_size_limit = ${Math.trunc(opts.walSizeLimitBytes ?? WAL_SIZE_LIMIT_BYTES)}`);
    fsyncDirectory(dirname(resolve(path)));
    wal = new WalSync(path);
    sync = () => wal!.sync();
  }
  // A long-running server checkpoints on a worker thread; a CLI command leaves it to SQLite.
  const checkpointer =
    opts.backgroundCheckpoints && path !== ":memory:"
      ? new Checkpointer(path, (reason) => {
          // Told after the storage was closed (its thread failing as the process ends): nothing to hand back.
          if (closed) return;
          // The writer checkpoints again, as a CLI command does; scimd goes on serving.
          writer.exec(`PRAGMA wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
          opts.onCheckpointFailure?.(reason);
        })
      : undefined;
  if (checkpointer) writer.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  const repo = new SqliteRepository(writer, reader, sync, checkpointer ? () => checkpointer.committed() : undefined, opts.onWritesStopped);
  const readThread = opts.readThread && path !== ":memory:" ? new ReadThread(path, (reason) => opts.onReadThreadFailure?.(reason)) : undefined;
  if (readThread) repo.useReadThread(readThread);
  const tokens = new SqliteTokenStore(writer, toDrizzle(reader), toDrizzle(writer), (fn) => repo.exclusive(fn), repo.reads);
  let closed = false;
  return {
    repo,
    tokens,
    ready: () => !closed && isMigrated(reader) && !repo.writesStopped,
    drain: async () => checkpointer?.close(),
    async stopReads() {
      if (!readThread || readThread.abandoned) return false;
      await readThread.close();
      return readThread.abandoned;
    },
    close() {
      if (closed) return;
      closed = true;
      // Without drain() first (a server that could not start), the thread is ended here.
      checkpointer?.terminate();
      readThread?.terminate();
      // Closing the last connections tries to checkpoint the WAL, which the abandoned statement's read lock
      // blocks: it would wait busy_timeout (5 s) for nothing. The WAL is kept and used at the next start.
      if (readThread?.abandoned) for (const db of new Set([writer, reader])) db.exec("PRAGMA busy_timeout = 0");
      repo.close();
      wal?.close();
    },
  };
}
