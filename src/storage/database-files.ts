import { lstatSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { lockPathOf } from "./server-lock.ts";

/**
 * The path with its folder's symlinks resolved: the real path of the nearest existing folder above it, plus
 * the rest. The last component itself is kept as named (a symlink there is caught by device and inode).
 */
function realPathOf(path: string): string {
  const abs = resolve(path);
  const parent = dirname(abs);
  if (parent === abs) return abs;
  let realParent: string;
  try {
    realParent = realpathSync(parent);
  } catch {
    realParent = realPathOf(parent);
  }
  return join(realParent, basename(abs));
}

/** stat and lstat, null for a path that cannot be read (missing, or a folder without rights). */
export const statOrNull = (path: string) => {
  try {
    return statSync(path);
  } catch {
    return null;
  }
};
export const lstatOrNull = (path: string) => {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
};

/**
 * Whether writing to `target` would replace the database at `databasePath` or one of the files kept beside
 * it: SQLite's `-wal` and `-shm`, and the server lock (`lockPathOf`). Paths are compared with their folders'
 * symlinks resolved (a folder reached through a symlink is the same folder), and an existing target is also
 * compared by device and inode (a symlink or hard link to one of those files is that file).
 */
export function isDatabaseFile(target: string, databasePath: string): boolean {
  if (databasePath === ":memory:") return false;
  const db = resolve(databasePath);
  const bases = [db];
  try {
    bases.push(realpathSync(db)); // a database reached through a symlink: SQLite may name its -wal after either
  } catch {
    // no database yet
  }
  const own = bases.flatMap((b) => [b, `${b}-wal`, `${b}-shm`, lockPathOf(b)]);
  const to = realPathOf(target);
  if (own.some((f) => realPathOf(f) === to)) return true;
  const t = statOrNull(target);
  if (!t) return false;
  return own.some((f) => {
    const s = statOrNull(f);
    return s !== null && s.dev === t.dev && s.ino === t.ino;
  });
}

/** A temporary name beside `target` (same folder, so a rename puts it in place atomically). */
export function tempNameFor(target: string): string {
  const abs = resolve(target);
  return join(dirname(abs), `.${basename(abs)}.${process.pid}.${Date.now()}.tmp`);
}

/**
 * The database's files (the database, its -wal and -shm) that users other than the owner may read or write,
 * with their modes: a database made by an older build, or by hand, under umask 022 is 0644.
 */
export function exposedDatabaseFiles(path: string): { file: string; mode: number }[] {
  if (path === ":memory:") return [];
  const out: { file: string; mode: number }[] = [];
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    const st = statOrNull(file);
    if (st && (st.mode & 0o077) !== 0) out.push({ file, mode: st.mode & 0o777 });
  }
  return out;
}
