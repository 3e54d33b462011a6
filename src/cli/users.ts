import { chmodSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { DirectoryRecord, Reader } from "../core/repository.ts";
import { isDatabaseFile, lstatOrNull, statOrNull, tempNameFor } from "../storage/database-files.ts";
import { fsyncPath } from "../storage/fsync.ts";
import { CliError, databasePath, readConfig, table, withStorage, type Io } from "./common.ts";

export interface UsersArgs {
  sub: string | undefined;
  config?: string;
  json?: boolean;
  all?: boolean;
  format?: string;
  out?: string;
  force?: boolean;
  positionals: string[];
}

const EXPORT_COLUMNS = ["username", "active", "description", "profession", "email", "firstName", "lastName", "phone", "mobile", "employeeCode", "department", "company", "site", "deleted", "scimId", "createdAt", "updatedAt", "id"] as const;

/** RFC 4180 quoting. Values are exported as stored (no spreadsheet-formula escaping: this is a data export). */
function csvField(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Where `--out FILE` may be written, as a one-sentence CliError (exit 2) when it may not; returns its absolute path. */
function exportTarget(out: string, database: string, force: boolean, io: Pick<Io, "cwd">): string {
  const target = resolve(io.cwd, out);
  if (isDatabaseFile(target, database)) throw new CliError("The export file is the database itself (or one of its -wal, -shm or .lock files); choose another file name.", 2);
  const existing = lstatOrNull(target);
  if (existing && (existing.isDirectory() || statOrNull(target)?.isDirectory())) throw new CliError(`${out} is a folder; give --out the name of a file in it instead.`, 2);
  if (existing && !force) throw new CliError(`${out} already exists; choose a new file name or pass --force to overwrite it.`, 2);
  const folder = statOrNull(dirname(target));
  if (!folder) throw new CliError(`The folder ${dirname(target)} does not exist; create it first or choose another --out.`, 2);
  if (!folder.isDirectory()) throw new CliError(`${dirname(target)} is not a folder; choose another --out.`, 2);
  // A symlink is written through (the export replaces the file it names, not the link).
  return existing?.isSymbolicLink() ? realpathSync(target) : target;
}

/**
 * Streams the directory users page by page (never all in memory) to a file or stdout, with a progress
 * count on a terminal. A file is written beside FILE under a temporary name, fsynced and renamed over it at
 * the end, so FILE is never half-written (an existing one stays whole until the new one is complete).
 */
async function exportUsers(storage: ReturnType<typeof withStorage>, database: string, args: UsersArgs, io: Io): Promise<void> {
  const format = args.format ?? "json";
  if (format !== "csv" && format !== "json") throw new CliError(`The export format "${format}" is unknown; use --format csv or --format json.`, 2);
  const target = args.out ? exportTarget(args.out, database, args.force ?? false, io) : undefined;
  const temp = target ? tempNameFor(target) : undefined;
  try {
    // The file holds personal data: created readable by its owner only, before anything is written to it
    // (a chmod at the end would leave it open to another local user for the whole export).
    if (temp) writeFileSync(temp, "", { mode: 0o600, flag: "wx" });
    const sink = temp ? Bun.file(temp).writer() : undefined;
    const write = (text: string) => (sink ? sink.write(text) : process.stdout.write(text));
    const progress = Boolean(sink) && process.stderr.isTTY;
    let n = 0;
    if (format === "csv") write(EXPORT_COLUMNS.join(",") + "\n");
    else write("[");
    for await (const r of storage.repo.listDirectory({ includeDeleted: true })) {
      const row = directoryJson(r);
      if (format === "csv") write(EXPORT_COLUMNS.map((c) => csvField(row[c])).join(",") + "\n");
      else write((n === 0 ? "\n" : ",\n") + JSON.stringify(row));
      n++;
      if (progress && n % 1000 === 0) process.stderr.write(`\rexported ${n} users`);
    }
    if (format === "json") write(n ? "\n]\n" : "]\n");
    if (progress) process.stderr.write("\r");
    if (!sink || !temp || !target) return;
    await sink.end();
    // A new file stays readable by its owner only; one replaced keeps its mode.
    chmodSync(temp, (statOrNull(target)?.mode ?? 0o600) & 0o7777);
    fsyncPath(temp);
    renameSync(temp, target);
    fsyncPath(dirname(target));
    io.err(`scimd: exported ${n} user${n === 1 ? "" : "s"} to ${args.out}.`);
  } catch (e) {
    if (temp) rmSync(temp, { force: true });
    const code = (e as { code?: unknown }).code;
    if (temp && typeof code === "string" && code.startsWith("E")) throw new CliError(`Cannot write the export to ${args.out} (${(e as Error).message}); check the folder's permissions and free space.`, 1);
    throw e;
  }
}

/**
 * The directory record named `name`, else the record of the SCIM user named so: after a rename ignored by the
 * directory (username_changes = "ignore") that is the name `groups show` and the identity provider use, while
 * the record keeps the old one.
 */
export async function findDirectoryUser(repo: Reader, name: string): Promise<DirectoryRecord | null> {
  const r = await repo.directoryByUsername(name);
  if (r) return r;
  const scimId = await repo.findIdByName("User", name);
  return scimId ? repo.directoryByScimId(scimId) : null;
}

/** The integration contract's JSON keys (README, "The directory user"). */
export function directoryJson(r: DirectoryRecord, groups?: string[]): Record<string, unknown> {
  return {
    id: r.id,
    username: r.username,
    active: r.active,
    description: r.description,
    profession: r.profession,
    email: r.email,
    firstName: r.firstName,
    lastName: r.lastName,
    phone: r.phone,
    mobile: r.mobile,
    employeeCode: r.employeeCode,
    department: r.department,
    company: r.company,
    site: r.site,
    deleted: r.deleted,
    scimId: r.scimId,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    ...(groups ? { groups } : {}),
  };
}

export async function usersCommand(args: UsersArgs, io: Io): Promise<void> {
  const { config } = readConfig(args.config, io);
  const storage = withStorage(config, io, { create: false });
  try {
    switch (args.sub) {
      case "list": {
        const records: DirectoryRecord[] = [];
        for await (const r of storage.repo.listDirectory({ includeDeleted: args.all ?? true })) records.push(r);
        if (args.json) {
          io.out(JSON.stringify(records.map((r) => directoryJson(r)), null, 2));
          return;
        }
        if (records.length === 0) return io.out("No users yet; they arrive when the identity provider provisions them.");
        const rows = [["USERNAME", "ACTIVE", "DELETED", "EMAIL", "NAME", "DEPARTMENT"]];
        for (const r of records)
          rows.push([r.username, String(r.active), String(r.deleted), r.email ?? "", [r.firstName, r.lastName].filter(Boolean).join(" "), r.department ?? ""]);
        for (const l of table(rows)) io.out(l);
        return;
      }
      case "show": {
        const username = args.positionals[0];
        if (!username) throw new CliError('users show needs a username; run "scimd users show USERNAME".', 2);
        const r = await findDirectoryUser(storage.repo, username);
        if (!r) throw new CliError(`There is no user "${username}"; see "scimd users list".`, 1);
        const groups = r.scimId ? (await storage.repo.groupsOf(r.scimId)).map((g) => g.display ?? g.id) : [];
        const json = directoryJson(r, groups);
        if (args.json) return io.out(JSON.stringify(json, null, 2));
        for (const l of table(Object.entries(json).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v === null ? "" : String(v)]))) io.out(l);
        return;
      }
      case "export":
        await exportUsers(storage, databasePath(config, io), args, io);
        return;
      default:
        throw new CliError('Use "scimd users list [--json]", "scimd users show USERNAME [--json]" or "scimd users export [--format json|csv] [--out FILE [--force]]".', 2);
    }
  } finally {
    storage.close();
  }
}
