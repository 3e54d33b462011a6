import { Database } from "bun:sqlite";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { drizzle, type BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import * as schema from "./schema.ts";

export type Drizzle = BunSQLiteDatabase<typeof schema>;

/** A storage failure that the CLI reports as one sentence (exit 1), never as a stack trace. */
export class StorageError extends Error {}

/**
 * Where the drizzle-kit migrations are: embedded in the compiled binary with `--asset=drizzle`
 * (visible under /$bunfs/root/drizzle), or the repository's drizzle/ folder when run from source.
 */
export function migrationsFolder(): string {
  if (Bun.main.startsWith("/$bunfs/")) return "/$bunfs/root/drizzle";
  return resolve(import.meta.dir, "../../drizzle");
}

interface Journal {
  entries: { idx: number; when: number; tag: string }[];
}

function knownMigrations(folder: string): number[] {
  const journal = JSON.parse(readFileSync(join(folder, "meta/_journal.json"), "utf8")) as Journal;
  return journal.entries.map((e) => e.when);
}

function latestKnownMigration(folder: string): number {
  return Math.max(...knownMigrations(folder));
}

const QUERY_CACHE_SIZE = 512;

/** SQLite's own checkpoint, once the WAL has this many pages (4 KiB each). */
export const AUTOCHECKPOINT_PAGES = 4000;

function configure(db: Database): void {
  // WAL lets readers run beside the one writer; synchronous=FULL makes every acknowledged commit
  // survive power loss, not only a process crash.
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA foreign_keys = ON");
  // 16 MiB of page cache per connection (the default is 2 MiB): the indexes of a 100,000-user directory stay
  // in memory, and the process stays well under 150 MB.
  db.exec("PRAGMA cache_size = -16384");
  db.exec("PRAGMA temp_store = MEMORY");
  // Checkpoint every ~16 MiB of WAL rather than 4 MiB: fewer, larger checkpoints stall fewer commits
  // (openStorage raises it further when a worker thread checkpoints).
  db.exec(`PRAGMA wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
}

/**
 * The folder of the database (and of its lock file), created if missing, owner-only (0700, as systemd's
 * StateDirectory): the database holds personal data and token hashes. A StorageError saying so if it cannot be.
 */
export function ensureDatabaseFolder(path: string): void {
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 });
  } catch {
    throw new StorageError(`Cannot create the folder for the database ${path}; check [storage] path and its permissions.`);
  }
}

export function openDatabase(path: string, opts: { readonly?: boolean; create?: boolean } = {}): Database {
  if (path !== ":memory:") {
    if (!existsSync(path) && opts.create === false)
      throw new StorageError(`The database ${path} does not exist; pass --config with the server's configuration file, or start scimd once or run "scimd migrate" to create it.`);
    ensureDatabaseFolder(path);
    // A new database is made owner-only (0600) whatever the umask (a container's is 022), before SQLite opens
    // it: SQLite gives its -wal and -shm files the database file's mode.
    if (!opts.readonly && !existsSync(path)) {
      try {
        closeSync(openSync(path, "wx", 0o600));
      } catch (e) {
        if ((e as { code?: string }).code !== "EEXIST") throw new StorageError(`Cannot create the database ${path} (${(e as Error).message}); check [storage] path and its permissions.`);
      }
    }
  }
  // bun:sqlite's Database.query() keeps only 20 statements per connection by default (least recently used
  // first out): one create or PATCH runs about a dozen on the writer beside the reads, so statements were
  // compiled again and again. Statements are small; keep a few hundred.
  Database.MAX_QUERY_CACHE_SIZE = Math.max(Database.MAX_QUERY_CACHE_SIZE, QUERY_CACHE_SIZE);
  let db: Database;
  try {
    db = opts.readonly ? new Database(path, { readonly: true }) : new Database(path, { create: true, readwrite: true });
  } catch (e) {
    throw new StorageError(`Cannot open the database ${path} (${(e as Error).message}); check [storage] path and its permissions.`);
  }
  if (!opts.readonly) configure(db);
  else {
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA foreign_keys = ON");
  }
  return db;
}

/**
 * Applies pending migrations. A database written by a newer scimd (a migration this binary does not know)
 * is refused rather than used with a schema this code does not understand.
 */
export function migrateDatabase(db: Database, folder = migrationsFolder()): { applied: number } {
  const whens = new Set(knownMigrations(folder));
  const known = Math.max(...whens);
  const hasTable = db
    .query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!hasTable) {
    // Tables but no migration history: another application's database, not an empty or a scimd one.
    const foreign = db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 1").get() as { name: string } | null;
    if (foreign)
      throw new StorageError(
        `${db.filename} is not a scimd database (it has tables of its own, such as "${foreign.name}", and no scimd migrations); give [storage] path a new file.`,
      );
  }
  const before = hasTable ? (db.query("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }).n : 0;
  if (hasTable) {
    const newest = db.query("SELECT max(created_at) AS m FROM __drizzle_migrations").get() as { m: number | null };
    if (newest.m !== null && Number(newest.m) > known)
      throw new StorageError(
        "The database was created by a newer version of scimd; run that version or restore a backup made by this one.",
      );
    // An applied migration this binary does not know, older than its newest: a development build's (the first
    // migration was rewritten before the first release). Drizzle would run the rewritten one again over the
    // existing tables and fail with some twenty lines of SQL.
    const applied = db.query("SELECT created_at AS c FROM __drizzle_migrations").all() as { c: number | string }[];
    if (applied.some((r) => !whens.has(Number(r.c))))
      throw new StorageError(
        "The database was made by an early development build of scimd whose migrations this version does not know; export its users with that build (scimd users export) and provision them again into a new database.",
      );
  }
  migrate(drizzle(db, { schema }), { migrationsFolder: folder });
  const after = (db.query("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }).n;
  return { applied: after - before };
}

/** True when every migration this binary knows has been applied (for /readyz). */
export function isMigrated(db: Database, folder = migrationsFolder()): boolean {
  try {
    const known = latestKnownMigration(folder);
    const newest = db.query("SELECT max(created_at) AS m FROM __drizzle_migrations").get() as { m: number | null };
    return newest.m !== null && Number(newest.m) >= known;
  } catch {
    return false;
  }
}

export function toDrizzle(db: Database): Drizzle {
  return drizzle(db, { schema });
}
