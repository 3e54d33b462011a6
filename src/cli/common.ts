import { isIP } from "node:net";
import { resolve } from "node:path";
import { loadConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { StorageError } from "../storage/db.ts";
import { openStorage, type Storage } from "../storage/open-storage.ts";
import { acquireServerLock, type ServerLock } from "../storage/server-lock.ts";

/** Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad configuration. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export interface Io {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
}

export const processIo: Io = {
  out: (l) => process.stdout.write(l + "\n"),
  err: (l) => process.stderr.write(l + "\n"),
  env: process.env,
  cwd: process.cwd(),
};

export function readConfig(file: string | undefined, io: Io): { config: Config; source: string; overrides: string[] } {
  const r = loadConfig({ file, env: io.env, cwd: io.cwd });
  if (!r.ok) {
    if (r.errors.length > 1) for (const e of r.errors.slice(0, -1)) io.err(`scimd: ${e}`);
    throw new CliError(r.errors.at(-1)!, 2);
  }
  return { config: r.config, source: r.source, overrides: r.overrides };
}

/** `[storage] path`, a relative one taken from the working directory (like a relative --config). */
export function databasePath(config: Config, io: Pick<Io, "cwd">): string {
  const p = config.storage.path;
  return p === ":memory:" ? p : resolve(io.cwd, p);
}

/** Opens the configured database (creating and migrating it), as a one-sentence CliError on failure. */
export function withStorage(config: Config, io: Pick<Io, "cwd">, opts: Parameters<typeof openStorage>[1] = {}): Storage {
  try {
    return openStorage(databasePath(config, io), opts);
  } catch (e) {
    if (e instanceof StorageError) throw new CliError(e.message, 1);
    throw new CliError(`Cannot open the database ${config.storage.path} (${(e as Error).message}); check [storage] path.`, 1);
  }
}

/**
 * The server lock on the configured database (null when another process holds it), taken where the database
 * is (a relative path from the working directory); a folder it cannot use is a one-sentence CliError.
 */
export function lockDatabase(config: Config, io: Pick<Io, "cwd">): ServerLock | null {
  try {
    return acquireServerLock(databasePath(config, io));
  } catch (e) {
    if (e instanceof StorageError) throw new CliError(e.message, 1);
    throw e;
  }
}

/**
 * One sentence for a listener that cannot start: a port in use (Bun says "Failed to start server. Is port N
 * in use?", two sentences), or an address that is not this machine's (EADDRNOTAVAIL), with what to change.
 */
export function listenFailure(where: string, e: unknown, settings: { port: string; address: string }, hostname?: string): string {
  const code = (e as { code?: string }).code ?? "";
  let message = (e as Error).message ?? String(e);
  if (code === "EADDRINUSE" || /in use/i.test(message)) {
    // Bun says "Is port N in use?" for a host name that does not resolve too: the host is tried alone on
    // a free port, and only when it listens is the port what is wrong.
    const hostFailure = hostname === undefined ? undefined : cannotListenOn(hostname);
    if (hostFailure === undefined) return `Cannot listen on ${where}: the port is in use; stop what holds it or change ${settings.port}.`;
    message = hostFailure;
  } else if (hostname !== undefined) message = listenProblem(hostname, e);
  return `Cannot listen on ${where} (${message.replace(/\.\s+/g, "; ")}); check ${settings.address}.`;
}

/** Why nothing can listen on `hostname` (any port), or undefined when something can. */
export function cannotListenOn(hostname: string): string | undefined {
  try {
    Bun.serve({ hostname, port: 0, reusePort: false, development: false, fetch: () => new Response() }).stop(true);
    return undefined;
  } catch (e) {
    return listenProblem(hostname, e);
  }
}

/** Why listening on `hostname` failed with `e`, in words (cannotListenOn). */
export function listenProblem(hostname: string, e: unknown): string {
  const message = (e as Error).message ?? String(e);
  // A name that does not resolve comes back as ENOENT, ENOTFOUND or EINVAL, or as "in use" again, and with
  // some resolvers as an unrelated errno (ENOTTY was seen): for a name, anything but an address that is not
  // this machine's or a denied port is taken for one that does not resolve.
  const code = (e as { code?: string }).code ?? "";
  const name = isIP(hostname.replace(/^\[(.*)\]$/, "$1")) === 0;
  if (/in use/i.test(message) || UNRESOLVED.includes(code) || (name && code !== "EADDRNOTAVAIL" && code !== "EACCES")) return unresolved(hostname);
  return message;
}

/** Bun's codes for a host name that does not resolve ("ENOENT: no such file or directory, listen"). */
const UNRESOLVED = ["ENOENT", "ENOTFOUND", "EINVAL", "EAI_AGAIN"];
const unresolved = (hostname: string) => `${hostname} does not resolve to an address of this machine`;

/** Fixed-width columns for human-readable listings. */
export function table(rows: string[][]): string[] {
  if (rows.length === 0) return [];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd());
}
