import type { DirectoryRecord } from "../core/repository.ts";
import { CliError, readConfig, table, withStorage, type Io } from "./common.ts";

export interface UsersArgs {
  sub: string | undefined;
  config?: string;
  json?: boolean;
  all?: boolean;
  positionals: string[];
}

/** The integration contract's JSON keys (README, "The directory user"). */
export function directoryJson(r: DirectoryRecord, groups?: string[]): Record<string, unknown> {
  return {
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
  const storage = withStorage(config);
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
        const r = await storage.repo.directoryByUsername(username);
        if (!r) throw new CliError(`There is no user "${username}"; see "scimd users list".`, 1);
        const groups = r.scimId ? (await storage.repo.groupsOf(r.scimId)).map((g) => g.display ?? g.id) : [];
        const json = directoryJson(r, groups);
        if (args.json) return io.out(JSON.stringify(json, null, 2));
        for (const l of table(Object.entries(json).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v === null ? "" : String(v)]))) io.out(l);
        return;
      }
      default:
        throw new CliError('Use "scimd users list [--json]" or "scimd users show USERNAME [--json]".', 2);
    }
  } finally {
    storage.close();
  }
}
