import { accessSync, constants } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Config } from "../config/schema.ts";
import { loadTls } from "../http/load-tls.ts";
import { tlsUnusable } from "../http/listener.ts";
import { statOrNull } from "../storage/database-files.ts";
import { cannotListenOn, CliError, databasePath, readConfig, type Io } from "./common.ts";
import { parseListen } from "./serve-metrics.ts";

export async function checkConfigCommand(args: { config?: string }, io: Io): Promise<void> {
  const { config, source, overrides } = readConfig(args.config, io);
  const errors = startChecks(config, io);
  if (errors.length) {
    for (const e of errors.slice(0, -1)) io.err(`scimd: ${e}`);
    throw new CliError(errors.at(-1)!, 2);
  }
  io.out(`The configuration is valid (${source}); scimd will listen on ${config.server.host}:${config.server.port} with the database ${config.storage.path}.`);
  for (const note of overrides) io.out(`Note: ${note}`);
}

/**
 * What `serve` refuses at start beyond the loader's checks, checked without starting the server or opening the
 * database: the [server.tls] pair (read and checked as serve does, src/http/load-tls.ts), the host names of
 * [server] host and [metrics] listen, and a [storage] path this user cannot use.
 */
function startChecks(config: Config, io: Io): string[] {
  const errors: string[] = [];
  const { cert, key } = config.server.tls;
  // The loader already refuses half a pair; both empty is plain HTTP.
  if (cert && key) {
    const r = loadTls({ cert: resolve(io.cwd, cert), key: resolve(io.cwd, key) });
    if (!r.ok) errors.push(tlsUnusable(r.reason));
  }
  // The host names serve would listen on: one that does not resolve, or is no address of this machine, is
  // found by listening on it for an instant on a port the system picks (the configured port may be in use by
  // the running server; that is no fault of the configuration).
  const serverHost = cannotListenOn(config.server.host);
  if (serverHost) errors.push(`Cannot listen on ${config.server.host} (${serverHost}); check [server] host (an address of this machine, or 0.0.0.0 for all).`);
  if (config.metrics.enabled && config.metrics.listen) {
    try {
      const { hostname } = parseListen(config.metrics.listen);
      const problem = cannotListenOn(hostname);
      if (problem) errors.push(`Cannot listen on ${config.metrics.listen} for [metrics] (${problem}); check [metrics] listen (an address of this machine and a port).`);
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      errors.push(e.message);
    }
  }
  const db = databasePath(config, io);
  if (db !== ":memory:") {
    if (statOrNull(db)?.isDirectory())
      errors.push(`The database ${config.storage.path} is a directory; set [storage] path to a file, for example ${JSON.stringify(join(config.storage.path, "scimd.db"))}.`);
    else {
      const problem = storageProblem(db);
      if (problem) errors.push(`${problem.what}; ${problem.fix}.`);
    }
  }
  return errors;
}

/**
 * What would stop serve from opening or creating the database as this user, without creating anything: the
 * file (if it exists) must be readable and writable, and its folder (or, when missing, the nearest existing
 * folder above it, where serve creates it) writable, for the -wal, -shm and .lock files.
 */
function storageProblem(db: string): { what: string; fix: string } | undefined {
  const can = (path: string, mode: number) => {
    try {
      accessSync(path, mode);
      return true;
    } catch {
      return false;
    }
  };
  const file = statOrNull(db);
  if (file && !can(db, constants.R_OK | constants.W_OK))
    return { what: `The database ${db} cannot be read and written by this user`, fix: "give this user the file (chown) or run scimd as its owner" };
  let folder = dirname(db);
  while (!statOrNull(folder)) folder = dirname(folder);
  if (!statOrNull(folder)!.isDirectory()) return { what: `${folder} is not a folder, so the database ${db} cannot be created`, fix: "set [storage] path to a file in a folder" };
  if (!can(folder, constants.W_OK | constants.X_OK))
    return {
      what: folder === dirname(db) ? `This user cannot create files in ${folder}, the database's folder` : `This user cannot create the folder for the database ${db} in ${folder}`,
      fix: "fix the folder's owner or permissions, or set [storage] path to a folder this user can write",
    };
  return undefined;
}
