import { Database } from "bun:sqlite";
import { accessSync, chmodSync, chownSync, constants, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isDatabaseFile, statOrNull, tempNameFor } from "./database-files.ts";
import { migrateDatabase, migrationsFolder, StorageError } from "./db.ts";
import { fsyncPath } from "./fsync.ts";
import { lockPathOf } from "./server-lock.ts";

const REQUIRED_TABLES = ["__drizzle_migrations", "tokens", "scim_users", "scim_groups", "group_members", "directory_users"];

/**
 * A consistent copy of a live database: `VACUUM INTO` on a separate read connection reads one snapshot
 * (WAL readers never block the server's writer, nor it them), so the copy holds exactly the transactions
 * committed before it began. It is written to a temporary file beside the target, fsynced, then renamed, so
 * FILE is either absent or complete. FILE is never the database or one of its -wal, -shm or .lock files, even
 * with `force` (through a symlinked folder or a link too).
 */
export function backupDatabase(source: string, target: string, opts: { force?: boolean } = {}): { bytes: number } {
  const from = resolve(source);
  const to = resolve(target);
  if (!existsSync(from)) throw new StorageError(`The database ${source} does not exist; check [storage] path.`);
  if (isDatabaseFile(to, from)) throw new StorageError("The backup file is the database itself (or one of its -wal, -shm or .lock files); choose another file name.");
  if (statOrNull(to)?.isDirectory()) throw new StorageError(`${target} is a folder; give the backup a file name.`);
  if (existsSync(to) && !opts.force) throw new StorageError(`${target} already exists; choose a new file name or pass --force to overwrite it.`);
  if (!existsSync(dirname(to))) throw new StorageError(`The folder ${dirname(to)} does not exist; create it first.`);
  const temp = tempNameFor(to);
  let db: Database | undefined;
  try {
    // Personal data and token hashes: the file is the owner's only from its creation (VACUUM INTO writes into
    // an existing empty file), not after a chmod another user could open it before.
    writeFileSync(temp, "", { mode: 0o600 });
    chmodSync(temp, 0o600);
    db = new Database(from, { readonly: true });
    db.exec("PRAGMA busy_timeout = 5000");
    db.query("VACUUM INTO ?").run(temp);
  } catch (e) {
    rmSync(temp, { force: true });
    throw new StorageError(`Cannot write the backup to ${target} (${(e as Error).message}); check the folder's permissions and free space.`);
  } finally {
    db?.close();
  }
  fsyncPath(temp);
  renameSync(temp, to);
  fsyncPath(dirname(to));
  return { bytes: statSync(to).size };
}

/**
 * The restored file takes the owner and mode of the database it replaces, or, with none, the owner of its
 * folder and mode 0600: restored by root for a service that runs as its own user, a root-owned database (or
 * lock file, which the restore may have created) would stop that service from starting. Someone else than
 * root can give the file only its group; the sentence returned then says what to do.
 */
function giveOwnership(temp: string, target: string, replaced: ReturnType<typeof statOrNull>): string | undefined {
  chmodSync(temp, replaced ? replaced.mode & 0o777 : 0o600);
  const owner = replaced ?? statSync(dirname(target));
  const lock = lockPathOf(target);
  if (process.getuid?.() === 0) {
    chownSync(temp, owner.uid, owner.gid);
    if (existsSync(lock)) chownSync(lock, owner.uid, owner.gid);
    return undefined;
  }
  try {
    chownSync(temp, -1, owner.gid);
  } catch {
    // not a member of that group: said below if the owner differs as well
  }
  const now = statSync(temp);
  if (now.uid === owner.uid && now.gid === owner.gid) return undefined;
  return `The restored database is owned by uid ${now.uid} (gid ${now.gid}), not ${owner.uid} (gid ${owner.gid}) as ${replaced ? "the database it replaced" : "its folder"}; if scimd runs as that user, run "chown ${owner.uid}:${owner.gid} ${target}" (and its .lock file) before starting it.`;
}

/** What a restore carries over from the database it replaces. */
interface Replaced {
  /** Every AUTOINCREMENT counter (events, directory records, tokens...): numbers already handed out. */
  readonly sequences: { name: string; seq: number }[];
  /** The credentials in force now, with their columns. */
  readonly tokens: Record<string, unknown>[];
  /** "id name createdAt" of every token the replaced database has a creation event for: the tokens it knew. */
  readonly tokensSeen: ReadonlySet<string>;
  /** Hashes of the tokens it revoked (revoked_tokens, kept for good), with when. */
  readonly revoked: readonly { hash: string; revoked_at: string }[];
}

/** How the restored database's tokens were put together, for restore's report. */
export interface TokensCarried {
  /** Tokens of the replaced database (in force before the restore). */
  readonly kept: number;
  /** Tokens of the backup the replaced database never had (a fresh database restored from a backup). */
  readonly fromBackup: number;
  /** Tokens of the backup the replaced database revoked since: left out. */
  readonly revokedSince: number;
  /** Backup tokens renamed because a token made since has their name: [old, new]. */
  readonly renamed: readonly (readonly [string, string])[];
}

const hasTable = (db: Database, name: string) => db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== null;

/**
 * Reads the database about to be replaced. Opened read-write (the caller holds the server lock): a read-only
 * connection cannot replay a WAL left by a server that was killed, and its last transactions would be missed.
 */
function readReplaced(path: string): Replaced {
  const db = new Database(path);
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    const sequences = db.query("SELECT name, seq FROM sqlite_sequence").all() as { name: string; seq: number }[];
    const events = db.query("SELECT coalesce(max(seq), 0) AS n FROM events").get() as { n: number };
    const known = sequences.find((r) => r.name === "events");
    if (known) known.seq = Math.max(Number(known.seq), events.n);
    else if (events.n > 0) sequences.push({ name: "events", seq: events.n });
    // A token.created event's time is the token's created_at: with its id and name, it tells the same token
    // (one the backup has too) from another that got the same id in a database of its own (a fresh install).
    const seen = db.query("SELECT resource_id AS id, name, time FROM events WHERE type = 'token.created'").all() as { id: string; name: string; time: string }[];
    return {
      sequences,
      tokens: db.query("SELECT * FROM tokens ORDER BY id").all() as Record<string, unknown>[],
      tokensSeen: new Set(seen.map((r) => `${r.id} ${r.name} ${r.time}`)),
      // A database from before that table (migration 0005) knows its revocations only by their events.
      revoked: hasTable(db, "revoked_tokens") ? (db.query("SELECT hash, revoked_at FROM revoked_tokens").all() as { hash: string; revoked_at: string }[]) : [],
    };
  } finally {
    db.close();
  }
}

/**
 * Carries the replaced database's counters and tokens into the restored copy. Counters go on from the higher
 * of the two: event numbers are webhook-ids (evt_<seq>) and feed positions receivers have seen, and directory
 * record ids are what applications key on, so neither is handed out twice. Tokens are credentials, not
 * directory data: the ones in force now are kept, so one created since the backup (Entra's) keeps working;
 * a backup token the replaced database revoked since stays revoked (a leaked one came back to life); and a
 * backup token the replaced database never knew is kept, so restoring onto a fresh install (a disaster
 * recovery, where serve already made an "initial" token) keeps the tokens Entra and applications hold.
 */
function carryOver(db: Database, replaced: Replaced): TokensCarried {
  return db.transaction(() => {
    for (const { name, seq } of replaced.sequences) {
      const updated = db.query("UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?").run(seq, name, seq).changes;
      if (!updated && !db.query("SELECT 1 FROM sqlite_sequence WHERE name = ?").get(name))
        db.query("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)").run(name, seq);
    }
    const fromBackupAll = db.query("SELECT * FROM tokens ORDER BY id").all() as Record<string, unknown>[];
    // The columns both versions have (the backup may predate a migration the replaced database had).
    const columns = new Set((db.query("SELECT name FROM pragma_table_info('tokens')").all() as { name: string }[]).map((c) => c.name));
    const insert = (token: Record<string, unknown>, withId: boolean) => {
      const names = Object.keys(token).filter((c) => columns.has(c) && (withId || c !== "id"));
      db.query(`INSERT INTO tokens (${names.map((n) => `"${n}"`).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`).run(
        ...names.map((n) => token[n] as string | number | null),
      );
    };
    db.exec("DELETE FROM tokens");
    for (const token of replaced.tokens) insert(token, true);
    // Every token ever revoked, in either database, stays revoked (the restored copy is migrated: it has the table).
    const addRevoked = db.query("INSERT OR IGNORE INTO revoked_tokens (hash, revoked_at) VALUES (?, ?)");
    for (const r of replaced.revoked) addRevoked.run(r.hash, r.revoked_at);
    const revoked = new Set((db.query("SELECT hash FROM revoked_tokens").all() as { hash: string }[]).map((r) => r.hash));
    const hashes = new Set(replaced.tokens.map((t) => t.hash));
    const names = new Set(replaced.tokens.map((t) => String(t.name)));
    let fromBackup = 0;
    let revokedSince = 0;
    const renamed: [string, string][] = [];
    for (const token of fromBackupAll) {
      if (hashes.has(token.hash)) continue;
      // Revoked in either database; or (a revocation older than revoked_tokens) the replaced database had this
      // very token and no longer has it.
      if (revoked.has(String(token.hash)) || replaced.tokensSeen.has(`${token.id} ${token.name} ${token.created_at}`)) {
        revokedSince++;
        continue;
      }
      let name = String(token.name);
      if (names.has(name)) {
        const base = `${name}-restored`;
        name = base;
        for (let n = 2; names.has(name); n++) name = `${base}-${n}`;
        renamed.push([String(token.name), name]);
      }
      names.add(name);
      insert({ ...token, name }, false);
      fromBackup++;
    }
    return { kept: replaced.tokens.length, fromBackup, revokedSince, renamed };
  })();
}

/** The newest migration this binary knows (the drizzle journal's last `when`). */
function latestKnownMigration(): number {
  const journal = JSON.parse(readFileSync(join(migrationsFolder(), "meta/_journal.json"), "utf8")) as { entries: { when: number }[] };
  return Math.max(...journal.entries.map((e) => e.when));
}

/**
 * Checks that FILE is a scimd database this binary can use: SQLite's integrity check passes, scimd's tables
 * and migration history are there, and no migration is newer than this binary. Returns the user count.
 */
export function verifyBackup(file: string): { users: number; groups: number } {
  if (!existsSync(file)) throw new StorageError(`${file} does not exist; give the path of a file written by "scimd backup".`);
  // Backups are the owner's only (0600): run by another user (a container's), restore could not open it, and
  // said the file was no database, which reads as a damaged backup.
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new StorageError(`${file} cannot be read by this user (uid ${process.getuid?.() ?? "?"}); run restore as the file's owner or make it readable to this user (backups are created readable by their owner only).`);
  }
  let db: Database;
  try {
    db = new Database(file, { readonly: true });
  } catch (e) {
    throw new StorageError(`${file} cannot be opened as a database (${(e as Error).message}); give a file written by "scimd backup".`);
  }
  try {
    let check: string[];
    try {
      check = (db.query("PRAGMA integrity_check").all() as { integrity_check: string }[]).map((r) => r.integrity_check);
    } catch (e) {
      throw new StorageError(`${file} is not a SQLite database (${(e as Error).message}); give a file written by "scimd backup".`);
    }
    if (check.length !== 1 || check[0] !== "ok") throw new StorageError(`${file} is damaged (integrity check: ${check.slice(0, 3).join("; ")}); use another backup.`);
    const tables = new Set((db.query("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (missing.length) throw new StorageError(`${file} is not a scimd database (missing ${missing.join(", ")}); give a file written by "scimd backup".`);
    const newest = db.query("SELECT max(created_at) AS m FROM __drizzle_migrations").get() as { m: number | null };
    if (newest.m === null) throw new StorageError(`${file} has no migration history; give a file written by "scimd backup".`);
    if (Number(newest.m) > latestKnownMigration()) throw new StorageError(`${file} was written by a newer version of scimd; restore it with that version.`);
    const users = (db.query("SELECT count(*) AS n FROM scim_users").get() as { n: number }).n;
    const groups = (db.query("SELECT count(*) AS n FROM scim_groups").get() as { n: number }).n;
    return { users, groups };
  } finally {
    db.close();
  }
}

/**
 * Replaces the database with FILE atomically: a checked copy is written beside the database (VACUUM INTO,
 * so the result is one self-contained file), fsynced, the old database's -wal and -shm are removed (a stale
 * WAL must never be replayed onto the new file), and the copy is renamed over the database. The caller holds
 * the server lock, so no scimd has the database open.
 */
export function restoreDatabase(
  file: string,
  databasePath: string,
): { users: number; groups: number; tokens: TokensCarried | "from backup"; warnings?: string[] } {
  const counts = verifyBackup(file);
  const target = resolve(databasePath);
  if (isDatabaseFile(file, target)) throw new StorageError("The backup file is the database itself; nothing to restore.");
  const temp = tempNameFor(target);
  const replacedFile = statOrNull(target);
  let replaced: Replaced | undefined;
  let unreadable: string | undefined;
  if (replacedFile) {
    try {
      replaced = readReplaced(target);
    } catch (e) {
      // A damaged database is a reason to restore: the backup's numbering and tokens are used, and the caller says so.
      unreadable = (e as Error).message;
    }
  }
  let db: Database | undefined;
  /** Each step that fails leaves the database as it was: the copy is closed and removed. */
  const step = <T>(run: () => T, failure: (why: string) => string): T => {
    try {
      return run();
    } catch (e) {
      db?.close();
      rmSync(temp, { force: true });
      throw new StorageError(failure((e as Error).message));
    }
  };
  step(
    () => {
      const source = new Database(resolve(file), { readonly: true });
      try {
        // Owner-only from the start, as backupDatabase makes its copy: VACUUM INTO created it with the umask's
        // mode (0644), readable by other users until the final chmod.
        writeFileSync(temp, "", { mode: 0o600 });
        chmodSync(temp, 0o600);
        source.query("VACUUM INTO ?").run(temp);
      } finally {
        source.close();
      }
      db = new Database(temp);
    },
    (why) => `Cannot copy ${file} beside the database (${why}); check the folder's permissions and free space.`,
  );
  const copy = db!;
  // An older backup gets this binary's migrations now (serve would at its start), so the copy has every table
  // the carry-over writes to.
  step(() => migrateDatabase(copy), (why) => `Cannot bring ${file} up to this version of scimd (${why}); nothing was changed.`);
  const carried = replaced
    ? step(
        () => carryOver(copy, replaced!),
        (why) => `Cannot carry the tokens and counters of ${databasePath} into the restored copy (${why}); nothing was changed, so report this with both files.`,
      )
    : undefined;
  copy.close();
  const ownership = giveOwnership(temp, target, replacedFile);
  fsyncPath(temp);
  rmSync(`${target}-wal`, { force: true });
  rmSync(`${target}-shm`, { force: true });
  renameSync(temp, target);
  fsyncPath(dirname(target));
  // One sentence per line: restore prints each warning on its own line.
  const warnings = [
    unreadable !== undefined
      ? `The database it replaced could not be read (${unreadable}), so the tokens are the backup's: revoke again any token revoked since the backup ("scimd token list").`
      : undefined,
    ...(carried?.renamed ?? []).map(([from, to]) => `The backup's token "${from}" is now named "${to}": a token made since the backup has its name (its secret still works).`),
    // Restored onto a fresh install: the token its first start printed into the journal is still in force.
    carried && carried.fromBackup > 0 && replaced?.tokens.some((t) => t.name === "initial")
      ? `The token "initial" of the database restored over is kept, and its secret was printed when that database first started; revoke it ("scimd token revoke initial") unless a client uses it.`
      : undefined,
    ownership,
  ].filter((w) => w !== undefined);
  return { ...counts, tokens: carried ?? "from backup", ...(warnings.length ? { warnings } : {}) };
}
