import type { TokenScope } from "../core/repository.ts";
import { UniqueViolation } from "../core/repository.ts";
import { generateSecret, hashSecret, parseExpiry } from "../core/tokens.ts";
import { existsSync } from "node:fs";
import { CliError, databasePath, readConfig, table, withStorage, type Io } from "./common.ts";
import { quoted } from "../core/quote.ts";

export interface TokenArgs {
  sub: string | undefined;
  name?: string;
  expires?: string;
  scope?: string;
  config?: string;
  json?: boolean;
  positionals: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export async function tokenCommand(args: TokenArgs, io: Io): Promise<void> {
  const { config } = readConfig(args.config, io);
  switch (args.sub) {
    case "create": {
      const name = args.name ?? args.positionals[0];
      if (!name) throw new CliError('token create needs a name; run "scimd token create --name NAME".', 2);
      if (!NAME.test(name)) throw new CliError(`The token name ${quoted(name)} is not allowed; use letters, digits, ".", "_" or "-" (up to 64).`, 2);
      const scope = (args.scope ?? "scim") as TokenScope;
      if (scope !== "scim" && scope !== "admin") throw new CliError(`The scope ${quoted(args.scope)} is unknown; use --scope scim or --scope admin.`, 2);
      let expiresAt: string | null = null;
      if (args.expires) {
        const ms = parseExpiry(args.expires);
        if (ms === undefined) throw new CliError(`The expiry ${quoted(args.expires)} is not a duration; use a number above zero and a unit, such as 90d, 12h or 1y.`, 2);
        // At most a century: 1000000y is past what a date can hold ("unexpected failure (Invalid Date)").
        if (ms > 100 * 31_536_000_000) throw new CliError(`The expiry ${quoted(args.expires)} is more than 100 years; leave --expires out for a token that does not expire.`, 2);
        expiresAt = new Date(Date.now() + ms).toISOString();
      }
      // A token made in a database the server does not use is refused by it (401) with nothing to say why: run
      // without --config from another folder, the command makes ./data/scimd.db there. It says so.
      const path = databasePath(config, io);
      const fresh = path !== ":memory:" && !existsSync(path);
      const storage = withStorage(config, io);
      try {
        const secret = generateSecret();
        await storage.tokens.create(name, hashSecret(secret), scope, new Date().toISOString(), expiresAt);
        if (fresh)
          io.err(`scimd: there was no database at ${path}, so a new one was made there; if the server uses another one, this token is not in it: run "scimd token create" again with --config and the server's configuration file.`);
        io.out(`Created token "${name}" in ${path} (scope ${scope}, ${expiresAt ? `expires ${expiresAt}` : "does not expire"}). It is shown once; store it now:`);
        io.out(secret);
      } catch (e) {
        if (e instanceof UniqueViolation) throw new CliError(`A token named "${name}" already exists; choose another name or revoke it first.`, 1);
        throw e;
      } finally {
        storage.close();
      }
      return;
    }
    case "list": {
      const storage = withStorage(config, io, { create: false });
      try {
        const tokens = await storage.tokens.list();
        if (args.json) {
          io.out(JSON.stringify(tokens.map(({ id: _id, ...t }) => t), null, 2));
          return;
        }
        if (tokens.length === 0) {
          io.out('No tokens; create one with "scimd token create --name NAME".');
          return;
        }
        const rows = [["NAME", "SCOPE", "CREATED", "LAST USED", "EXPIRES"]];
        const now = new Date().toISOString();
        for (const t of tokens) rows.push([t.name, t.scope, t.createdAt, t.lastUsedAt ?? "never", t.expiresAt === null ? "never" : t.expiresAt <= now ? `${t.expiresAt} (expired)` : t.expiresAt]);
        for (const l of table(rows)) io.out(l);
      } finally {
        storage.close();
      }
      return;
    }
    case "revoke": {
      const name = args.name ?? args.positionals[0];
      if (!name) throw new CliError('token revoke needs a name; run "scimd token revoke NAME".', 2);
      const storage = withStorage(config, io, { create: false });
      try {
        if (!(await storage.tokens.revoke(name))) throw new CliError(`There is no token named ${quoted(name)}; see "scimd token list".`, 1);
        io.out(`Revoked token "${name}"; requests with it are refused from now on.`);
      } finally {
        storage.close();
      }
      return;
    }
    default:
      throw new CliError('Use "scimd token create --name NAME [--expires 90d]", "scimd token list" or "scimd token revoke NAME".', 2);
  }
}
