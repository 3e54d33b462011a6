import { join, resolve } from "node:path";
import type { Config } from "../config/schema.ts";
import { loadTls } from "../http/load-tls.ts";
import { tlsUnusable } from "../http/listener.ts";
import { statOrNull } from "../storage/database-files.ts";
import { CliError, databasePath, readConfig, type Io } from "./common.ts";
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
 * What `serve` refuses at start beyond the loader's checks, checked without starting a listener or opening the
 * database: the [server.tls] pair (read and checked as serve does, src/http/load-tls.ts), [metrics] listen
 * (parsed as serve does) and a [storage] path that is a directory.
 */
function startChecks(config: Config, io: Io): string[] {
  const errors: string[] = [];
  const { cert, key } = config.server.tls;
  // The loader already refuses half a pair; both empty is plain HTTP.
  if (cert && key) {
    const r = loadTls({ cert: resolve(io.cwd, cert), key: resolve(io.cwd, key) });
    if (!r.ok) errors.push(tlsUnusable(r.reason));
  }
  if (config.metrics.enabled && config.metrics.listen) {
    try {
      parseListen(config.metrics.listen);
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      errors.push(e.message);
    }
  }
  const db = databasePath(config, io);
  if (db !== ":memory:" && statOrNull(db)?.isDirectory())
    errors.push(`The database ${config.storage.path} is a directory; set [storage] path to a file, for example ${JSON.stringify(join(config.storage.path, "scimd.db"))}.`);
  return errors;
}
