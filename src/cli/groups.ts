import { CliError, readConfig, table, withStorage, type Io } from "./common.ts";
import { quoted } from "../core/quote.ts";

export interface GroupsArgs {
  sub: string | undefined;
  config?: string;
  json?: boolean;
  positionals: string[];
}

export async function groupsCommand(args: GroupsArgs, io: Io): Promise<void> {
  const { config } = readConfig(args.config, io);
  const storage = withStorage(config, io, { create: false });
  const repo = storage.repo;
  try {
    switch (args.sub) {
      case "list": {
        const out: { displayName: string; id: string; externalId: string | null; memberCount: number }[] = [];
        for (let start = 1; ; start += 500) {
          const page = await repo.list("Group", { startIndex: start, count: 500, sortBy: "displayName" });
          for (const g of page.resources)
            out.push({ displayName: String(g.data.displayName), id: g.id, externalId: typeof g.data.externalId === "string" ? g.data.externalId : null, memberCount: await repo.memberCount(g.id) });
          if (page.resources.length < 500) break;
        }
        if (args.json) return io.out(JSON.stringify(out, null, 2));
        if (out.length === 0) return io.out("No groups yet.");
        for (const l of table([["NAME", "MEMBERS", "ID"], ...out.map((g) => [g.displayName, String(g.memberCount), g.id])])) io.out(l);
        return;
      }
      case "show": {
        const name = args.positionals[0];
        if (!name) throw new CliError('groups show needs a name; run "scimd groups show NAME".', 2);
        const id = await repo.findIdByName("Group", name);
        const g = id ? await repo.get("Group", id) : null;
        if (!g) throw new CliError(`There is no group ${quoted(name)}; see "scimd groups list".`, 1);
        const members = await repo.members(g.id);
        const json = {
          displayName: g.data.displayName,
          id: g.id,
          externalId: g.data.externalId ?? null,
          memberCount: members.length,
          members: members.map((m) => ({ id: m.id, type: m.type, display: m.display ?? null })),
        };
        if (args.json) return io.out(JSON.stringify(json, null, 2));
        io.out(`${String(json.displayName)} (${g.id}): ${members.length} member${members.length === 1 ? "" : "s"}`);
        for (const l of table(members.map((m) => [m.type, m.display ?? "", m.id]))) io.out(`  ${l}`);
        return;
      }
      default:
        throw new CliError('Use "scimd groups list [--json]" or "scimd groups show NAME [--json]".', 2);
    }
  } finally {
    storage.close();
  }
}
